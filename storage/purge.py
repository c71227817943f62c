"""Spent records deleted on a schedule, in small batches.

Sent outbox rows, deduplication records of platform messages and ``/status`` throttle
records are only needed for a while; left alone they grow with every turn, slow the sender's
and the webhook's indexes and keep ciphertext (outbox addresses) longer than needed. Each
batch is its own short transaction so a purge never holds locks that turns wait on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import InboundMessage, OutboxMessage, StatusAttempt


@dataclass(frozen=True)
class Retention:
    outbox_sent: timedelta = timedelta(days=7)
    dedup: timedelta = timedelta(days=3)  # platforms stop retrying long before this
    status_attempts: timedelta = timedelta(days=1)


def _targets(now: datetime, keep: Retention) -> list[tuple[str, Any, Any]]:
    """(name, table id column, condition) for every kind of spent record."""
    return [
        (
            "outbox_sent",
            OutboxMessage.id,
            (col(OutboxMessage.status) == "sent")
            & (col(OutboxMessage.sent_at) < now - keep.outbox_sent),
        ),
        ("dedup", InboundMessage.id, col(InboundMessage.received_at) < now - keep.dedup),
        (
            "status_attempts",
            StatusAttempt.id,
            col(StatusAttempt.at) < now - keep.status_attempts,
        ),
    ]


def purge_batch(session: Session, *, ident: Any, condition: Any, limit: int) -> int:
    """Delete up to ``limit`` rows matching ``condition``; returns how many went."""
    table = ident.class_
    chosen = select(ident).where(condition).limit(limit).scalar_subquery()
    result = session.execute(
        delete(table).where(col(ident).in_(chosen)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge_spent(
    run: Callable[[Callable[[Session], int]], int],
    *,
    now: datetime,
    keep: Retention,
    batch: int = 5000,
) -> dict[str, int]:
    """Purge every kind of spent record; ``run`` executes one batch in its own transaction."""
    counts: dict[str, int] = {}
    for name, ident, condition in _targets(now, keep):
        total = 0
        while True:
            gone = run(partial(purge_batch, ident=ident, condition=condition, limit=batch))
            total += gone
            if gone < batch:
                break
        counts[name] = total
    return counts
