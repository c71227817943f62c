"""Subscribers and admins put straight into the database, for broadcast tests and the bench."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from storage.models import Officer, Reporter, Subscriber

WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
# 10:00 WIB, 11:00 WITA, 12:00 WIT: inside sending hours everywhere.
MIDDAY = datetime(2024, 11, 20, 3, 0, tzinfo=UTC)


def running_clock(start: datetime) -> Callable[[], datetime]:
    """Wall time that starts at ``start`` and runs at real speed (rate budgets need time)."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def add_admins(session: Session, now: datetime = MIDDAY) -> tuple[int, int]:
    ids = []
    for name in ("admin-a", "admin-b"):
        officer = Officer(
            username=name,
            display_name=name,
            password_hash="-",
            role="admin",
            office_code="RI",
            created_at=now,
        )
        session.add(officer)
        session.flush()
        assert officer.id is not None
        ids.append(officer.id)
    return ids[0], ids[1]


def add_subscribers(
    session: Session,
    addresses: Iterable[str],
    *,
    channel: str = "telegram",
    timezone: str | None = WIB,
    region_code: str | None = None,
    lang: str = "id",
    last_inbound_at: datetime = MIDDAY,
) -> list[int]:
    """Opted-in reporters, encrypted like real ones; returns their ids."""
    ids = []
    for address in addresses:
        reporter = Reporter(
            lookup=f"{channel}:{address}",
            channel=channel,
            address=address,
            lang=lang,
            created_at=last_inbound_at,
            last_inbound_at=last_inbound_at,
            subscribed=True,
        )
        session.add(reporter)
        session.flush()
        assert reporter.id is not None
        session.add(
            Subscriber(
                reporter_id=reporter.id,
                channel=channel,
                region_code=region_code,
                timezone=timezone,
                lang=lang,
                created_at=last_inbound_at,
            )
        )
        ids.append(reporter.id)
    session.flush()
    return ids
