"""Platform message ids already processed: each inbound message acts once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import InboundMessage


def first_sighting(session: Session, *, channel: str, platform_id: str, now: datetime) -> bool:
    """Record a platform message id; False when it was already recorded (a platform retry).

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` instead of a look-up and an insert: a
    concurrent twin waits on the unique index until the first commits, then sees the conflict.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(InboundMessage)
        .values(channel=channel, platform_id=platform_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "platform_id"])
        .returning(col(InboundMessage.id))
    )
    return session.execute(statement).first() is not None
