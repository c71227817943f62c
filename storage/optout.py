"""What opting out of broadcasts (``BERHENTI``/``STOP``) removes, in the opt-out's own transaction.

A subscriber is a person Netra may write to unasked; once they say stop, nothing of them should
stay for that purpose. So, at once:

- their broadcasts still to be sent are skipped (counted as such in each broadcast);
- their identity (the encrypted chat id or phone number, its blind index, and with it every
  row that would let a message reach them) is deleted, unless they are also a reporter who
  still needs it: a ticket linked to them, a report in progress, or a message about their
  case waiting to go out. That identity is the reporter's, and retention decides its end.

The confirmation must still reach them. Replies waiting to go to a forgotten person are kept as
replies without a reporter: each carries the only copy of the address, encrypted, and is
deleted the moment it is sent or given up (``storage.outbox.is_forgotten``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import exists
from sqlmodel import Session, col, select

from storage import broadcasts, outbox
from storage.models import BroadcastDelivery, Conversation, OutboxMessage, Reporter, Ticket

NOT_YET_SENT = ("pending", "waiting")


def skip_pending_broadcasts(session: Session, reporter_id: int, *, now: datetime) -> int:
    """Mark this person's unsent broadcast deliveries skipped; returns how many."""
    rows = session.exec(
        select(BroadcastDelivery.id, BroadcastDelivery.broadcast_id).where(
            BroadcastDelivery.reporter_id == reporter_id,
            col(BroadcastDelivery.status).in_(NOT_YET_SENT),
        )
    ).all()
    by_broadcast: dict[int, list[int]] = defaultdict(list)
    for delivery_id, broadcast_id in rows:
        if delivery_id is not None:
            by_broadcast[broadcast_id].append(delivery_id)
    for broadcast_id, ids in by_broadcast.items():
        broadcasts.record(session, broadcast_id, {"skipped": ids}, now=now)
    return len(rows)


def still_needed(session: Session, reporter_id: int) -> bool:
    """True when the identity is also a reporter's that something still needs."""
    linked = exists().where(col(Ticket.reporter_id) == reporter_id)
    drafting = exists().where(
        col(Conversation.reporter_id) == reporter_id, col(Conversation.step).isnot(None)
    )
    # A notice or an officer's question about their case, not yet delivered.
    case_message = exists().where(
        col(OutboxMessage.reporter_id) == reporter_id,
        col(OutboxMessage.status).in_(("pending", "held")),
        col(OutboxMessage.reply).is_(False),
    )
    return bool(session.exec(select(linked | drafting | case_message)).one())


def forget_subscriber(session: Session, reporter: Reporter) -> bool:
    """Delete an opted-out person's identity unless a report needs it; True when deleted.

    Call after the turn's replies are queued: they are detached from the reporter (so the
    cascade keeps them) and go out once, then are purged.
    """
    if reporter.id is None or reporter.subscribed or still_needed(session, reporter.id):
        return False
    outbox.write_queued(session)  # this turn's replies, queued in its batch
    session.flush()
    replies = session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.reporter_id) == reporter.id,
            col(OutboxMessage.status).in_(("pending", "held")),
            col(OutboxMessage.reply).is_(True),
        )
    ).all()
    # What a transport would otherwise read from the reporter row (WhatsApp: the language,
    # and the last message, which opened the 24-hour window) travels with each reply.
    about = {"lang": reporter.lang, "last_inbound_at": _aware(reporter.last_inbound_at).isoformat()}
    for row in replies:
        row.reporter_id = None
        # A held reply could never be released without a reporter row; the person has just
        # written, so the window is open: send it now.
        row.status = "pending"
        row.payload = {**row.payload, outbox.FORGOTTEN_RECIPIENT: about}
        session.add(row)
    session.flush()
    # The database cascades: conversation, subscription, deliveries, sent outbox rows, throttle
    # records. Evidence of a cancelled draft is already gone; a ticket would have kept them.
    session.delete(reporter)
    session.flush()
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
