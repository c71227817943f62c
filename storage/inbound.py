"""Platform message ids already processed: each inbound message acts once."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.crypto import BlindIndex
from storage.models import InboundMessage

_TABLE: Table = InboundMessage.__table__  # type: ignore[attr-defined]
_PLATFORM_ID = cast(BlindIndex, _TABLE.c.platform_id.type)


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


def first_sightings(
    session: Session, messages: list[tuple[str, str]], now: datetime
) -> set[tuple[str, str]]:
    """Record many (channel, platform id) at once; the ones recorded now (the others were
    seen before). One statement for a whole turn batch instead of one per turn; an id twice in
    ``messages`` is recorded once, and the caller treats its later copies as retries."""
    if not messages:
        return set()
    dialect = session.get_bind().dialect
    unique = set(messages)
    values = [{"channel": c, "platform_id": p, "received_at": now} for c, p in unique]
    rows = session.connection().execute(_MANY[dialect.name], values).all()
    # The returned id is the stored keyed hash: match it back to the plain ids.
    stored = {(row.channel, row.platform_id) for row in rows}
    keyed = _PLATFORM_ID.process_bind_param
    return {(c, p) for c, p in unique if (c, keyed(p, dialect)) in stored}


_MANY = {
    name: insert(_TABLE)
    .on_conflict_do_nothing(index_elements=["channel", "platform_id"])
    .returning(_TABLE.c.channel, _TABLE.c.platform_id)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
