"""Platform message ids already processed: each inbound message acts once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.models import InboundMessage

_TABLE: Table = InboundMessage.__table__  # type: ignore[attr-defined]


def _statement(insert: Any) -> Any:
    """Built once per dialect: a Core statement on the table, values bound per call (no ORM
    bulk-insert path and no cache key to compute on every turn)."""
    return (
        insert(_TABLE)
        .on_conflict_do_nothing(index_elements=["channel", "platform_id"])
        .returning(_TABLE.c.id)
    )


_STATEMENTS = {"postgresql": _statement(postgresql.insert), "sqlite": _statement(sqlite.insert)}


def first_sighting(session: Session, *, channel: str, platform_id: str, now: datetime) -> bool:
    """Record a platform message id; False when it was already recorded (a platform retry).

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` instead of a look-up and an insert: a
    concurrent twin waits on the unique index until the first commits, then sees the conflict.
    """
    statement = _STATEMENTS[session.get_bind().dialect.name]
    values = {"channel": channel, "platform_id": platform_id, "received_at": now}
    return session.connection().execute(statement, values).first() is not None
