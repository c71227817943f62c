"""Platform message ids already processed: each inbound message acts once."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from storage.bulk import BulkInsert
from storage.crypto import BlindIndex
from storage.models import InboundMessage

_TABLE: Table = InboundMessage.__table__  # type: ignore[attr-defined]
_PLATFORM_ID = cast(BlindIndex, _TABLE.c.platform_id.type)


def first_sighting(session: Session, *, channel: str, platform_id: str, now: datetime) -> bool:
    """Record a platform message id; False when it was already recorded (a platform retry)."""
    return bool(first_sightings(session, [(channel, platform_id)], now))


def first_sightings(
    session: Session, messages: list[tuple[str, str]], now: datetime
) -> set[tuple[str, str]]:
    """Record many (channel, platform id) at once; the ones recorded now (the others were
    seen before). One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` for a whole turn batch: a
    concurrent twin waits on the unique index until the first commits, then sees the conflict.
    An id twice in ``messages`` is recorded once; the caller treats its later copies as
    retries."""
    if not messages:
        return set()
    connection = session.connection()
    dialect = connection.dialect
    unique = set(messages)
    values = [{"channel": c, "platform_id": p, "received_at": now} for c, p in unique]
    rows = _RECORD(connection, values)
    # The returned id is the stored keyed hash: match it back to the plain ids.
    stored = {(row.channel, row.platform_id) for row in rows}
    keyed = _PLATFORM_ID.process_bind_param
    return {(c, p) for c, p in unique if (c, keyed(p, dialect)) in stored}


_RECORD = BulkInsert(
    _TABLE,
    ("channel", "platform_id", "received_at"),
    returning=("channel", "platform_id"),
    # SQLite's spelled-out INSERT; on PostgreSQL the same rows go as one JSON document, one
    # statement text for any batch size (storage/bulk.py).
    portable=sqlite.insert(_TABLE)
    .on_conflict_do_nothing(index_elements=["channel", "platform_id"])
    .returning(_TABLE.c.channel, _TABLE.c.platform_id),
    conflict="ON CONFLICT (channel, platform_id) DO NOTHING",
)
