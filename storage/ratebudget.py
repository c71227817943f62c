"""A token bucket held in the database, so a platform's rate limit holds across processes.

Telegram allows about 30 bulk messages a second per bot and Twilio a fixed number per second per
sender, however many ``netra serve`` processes share the bot. A bucket per process would send N
times the limit; one row per budget, updated under a row lock, makes every process draw from the
same tokens. Callers take tokens in batches (one short transaction per batch, not per message).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from storage.models import RateBudget


@dataclass(frozen=True)
class Grant:
    """How many sends were granted now, and how long to wait before asking for more."""

    granted: int
    retry_in: float  # seconds until at least one more token exists (0 when granted == wanted)


def _row(session: Session, name: str, burst: float, now: datetime) -> RateBudget:
    """The budget's row, created full on first use, locked for this transaction (PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(RateBudget)
        .values(name=name, tokens=burst, updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    # SQLite transactions already hold the database's write lock (BEGIN IMMEDIATE).
    row = session.exec(select(RateBudget).where(RateBudget.name == name).with_for_update()).one()
    return row


def take(
    session: Session,
    *,
    name: str,
    want: int,
    rate: float,
    burst: float,
    now: datetime,
) -> Grant:
    """Take up to ``want`` tokens from budget ``name`` refilling at ``rate``/s, capped at ``burst``.

    The caller commits right away (the row is locked until then) and sends exactly ``granted``.
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    row = _row(session, name, burst, now)
    counted = _aware(row.updated_at, now)
    # A caller whose clock reading is older than the row's (it waited for the lock, or another
    # process's clock runs ahead) adds no time: moving the stamp back would count time twice.
    elapsed = max(0.0, (now - counted).total_seconds())
    tokens = min(burst, row.tokens + elapsed * rate)
    granted = max(0, min(want, math.floor(tokens)))
    tokens -= granted
    row.tokens = tokens
    row.updated_at = max(now, counted)
    session.add(row)
    retry_in = 0.0 if granted >= want else max(0.0, (1.0 - tokens) / rate)
    return Grant(granted=granted, retry_in=retry_in)


def pause(
    session: Session, *, name: str, seconds: float, rate: float, burst: float, now: datetime
) -> None:
    """The platform answered 429 with ``retry_after``: every process waits, not only this one.

    The bucket goes into debt by ``seconds`` worth of tokens, so no process is granted anything
    before the platform's wait has passed.
    """
    row = _row(session, name, burst, now)
    counted = _aware(row.updated_at, now)
    elapsed = max(0.0, (now - counted).total_seconds())
    tokens = min(burst, row.tokens + elapsed * rate)
    row.tokens = min(tokens, 0.0) - seconds * rate
    row.updated_at = max(now, counted)
    session.add(row)


def _aware(value: datetime, like: datetime) -> datetime:
    """SQLite hands back naive datetimes; compare them in the caller's time zone (UTC)."""
    if value.tzinfo is None and like.tzinfo is not None:
        return value.replace(tzinfo=like.tzinfo)
    return value


# --- issue 13: paced schedules for broadcasts -------------------------------------------------


@dataclass(frozen=True)
class Slots:
    """``granted`` sends, the first at ``start`` and one every ``1/rate`` seconds after it."""

    start: datetime
    granted: int


def reserve(
    session: Session,
    *,
    name: str,
    want: int,
    rate: float,
    now: datetime,
    horizon: float = 1.0,
    slack: float = 0.1,
) -> Slots:
    """Reserve evenly spaced send times on a schedule shared by every process (GCRA).

    The row's ``updated_at`` is the next free slot. A caller gets up to ``want`` slots starting
    there (never more than ``horizon`` seconds ahead) and sends each at its own time: two
    processes interleave on one schedule, so no one-second window holds more than
    ``rate × (1 + slack)`` sends. ``slack`` lets a slot left unused by a moment's delay be
    caught up instead of lost.
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    row = _row(session, name, 0.0, now)
    free = max(_aware(row.updated_at, now), now - timedelta(seconds=slack))
    room = horizon - (free - now).total_seconds()
    granted = max(0, min(want, math.floor(room * rate + 1e-9)))
    row.updated_at = free + timedelta(seconds=granted / rate)
    session.add(row)
    return Slots(start=free, granted=granted)


def hold(session: Session, *, name: str, seconds: float, now: datetime) -> None:
    """The platform answered 429: no slot on this schedule before ``retry_after`` has passed."""
    row = _row(session, name, 0.0, now)
    row.updated_at = max(_aware(row.updated_at, now), now + timedelta(seconds=seconds))
    session.add(row)
