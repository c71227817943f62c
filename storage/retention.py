"""Retention: how long a closed ticket keeps what could identify its reporter, then shredding.

Whistleblowing platforms keep a report only as long as it is needed. Once a ticket is closed
(``selesai`` or ``tidak_ditindaklanjuti``) and its status's period has passed, the daily job
destroys, in one transaction per ticket:

- the reporter's identity: the link from the ticket to the reporter (which would let a
  follow-up question reach them), their sealed formal identity, and their encrypted chat id /
  phone number once no other ticket or conversation needs it;
- the evidence: file contents, file names and links (kind and size stay, for statistics);
- the free text: the accused's position and name, the description, witnesses, and every note,
  question and answer of the timeline, and the hashed words of the inbox's text search.

What stays is what statistics need (category, office, region, dates, status) and an audit
entry. The ciphertext is deleted or overwritten, not the keys (which protect every other
ticket); SQLite runs with ``secure_delete``, PostgreSQL reclaims the space at its next VACUUM.
A legal hold (an admin's flag with a reason) stops it for that ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, exists, func, update
from sqlmodel import Session, col, select

from storage import audit
from storage.models import (
    Conversation,
    Evidence,
    OutboxMessage,
    Reporter,
    SealedIdentity,
    Ticket,
    TicketEvent,
)
from storage.search_terms import forget_ticket

CLOSED_STATUSES = ("selesai", "tidak_ditindaklanjuti")
SHREDDED_TEXT = ""  # what the non-null free-text columns hold once shredded


@dataclass(frozen=True)
class RetentionPolicy:
    """Days after closing, per status; and the schedules of the records kept for operations."""

    after_close_days: dict[str, int]
    dedup_days: int = 3
    sent_outbox_days: int = 7
    idle_identity_days: int = 1

    def period(self, status: str) -> timedelta | None:
        days = self.after_close_days.get(status)
        return None if days is None else timedelta(days=days)


@dataclass(frozen=True)
class ShredPlan:
    """What the ticket page says about a ticket's data."""

    state: str  # open | scheduled | held | shredded
    on: date | None = None
    reason: str | None = None


def closed_at(session: Session, ticket: Ticket) -> datetime | None:
    """When the ticket reached its current (closed) status, from its timeline."""
    if ticket.status not in CLOSED_STATUSES or ticket.id is None:
        return None
    found = session.exec(
        select(func.max(TicketEvent.at)).where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.kind == "status",
            TicketEvent.to_status == ticket.status,
        )
    ).one()
    return found or ticket.updated_at


def plan_for(session: Session, ticket: Ticket, policy: RetentionPolicy) -> ShredPlan:
    if ticket.shredded_at is not None:
        return ShredPlan("shredded", ticket.shredded_at.date())
    if ticket.legal_hold:
        return ShredPlan("held", reason=ticket.legal_hold_reason)
    closed = closed_at(session, ticket)
    period = policy.period(ticket.status)
    if closed is None or period is None:
        return ShredPlan("open")
    return ShredPlan("scheduled", (closed + period).date())


def set_legal_hold(
    session: Session, ticket: Ticket, *, hold: bool, reason: str, officer: object, now: datetime
) -> None:
    """Set or lift a legal hold; both are audited (the reason's length only, never its text)."""
    ticket.legal_hold = hold
    ticket.legal_hold_reason = reason.strip()[:300] if hold else None
    session.add(ticket)
    audit.record(
        session,
        "legal_hold_set" if hold else "legal_hold_lifted",
        now=now,
        officer=officer,  # type: ignore[arg-type]
        office_code=ticket.office_code,
        ticket_id=ticket.id,
        detail=f"chars={len(reason.strip())}" if hold else None,
    )


def expired_ticket_ids(session: Session, policy: RetentionPolicy, now: datetime) -> list[int]:
    """Closed, not held, not yet shredded tickets whose status's period has passed."""
    candidates = session.exec(
        select(Ticket).where(
            col(Ticket.status).in_(CLOSED_STATUSES),
            col(Ticket.shredded_at).is_(None),
            col(Ticket.legal_hold).is_(False),
        )
    ).all()
    due = []
    for ticket in candidates:
        closed = closed_at(session, ticket)
        period = policy.period(ticket.status)
        if closed is None or period is None or ticket.id is None:
            continue
        if _aware(closed) + period <= now:
            due.append(ticket.id)
    return due


def shred_ticket(session: Session, ticket_id: int, *, now: datetime) -> bool:
    """Destroy one ticket's identifying data and free text; False if another run did it first.

    Claimed with a conditional UPDATE (not yet shredded, not held) so two processes, or a
    legal hold set a moment ago, never race with it.
    """
    claimed = session.execute(
        update(Ticket)
        .where(
            col(Ticket.id) == ticket_id,
            col(Ticket.shredded_at).is_(None),
            col(Ticket.legal_hold).is_(False),
        )
        .values(shredded_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return False
    reporter_id = ticket.reporter_id
    ticket.reporter_id = None
    ticket.accused_position = SHREDDED_TEXT
    ticket.accused_name = None
    ticket.description = SHREDDED_TEXT
    ticket.witnesses = None
    ticket.place = None  # free text: a village and a venue can point at who was there
    ticket.accused_nip = None
    session.add(ticket)
    session.execute(
        update(Evidence)
        .where(col(Evidence.ticket_id) == ticket_id)
        .values(data=None, filename=None, link=None, reporter_id=None)
    )
    session.execute(
        update(TicketEvent).where(col(TicketEvent.ticket_id) == ticket_id).values(body=None)
    )
    session.execute(delete(SealedIdentity).where(col(SealedIdentity.ticket_id) == ticket_id))
    forget_ticket(session, ticket_id)  # the words' hashes go with the words
    audit.record(
        session,
        "ticket_shredded",
        now=now,
        office_code=ticket.office_code,
        ticket_id=ticket_id,
        detail=f"status={ticket.status}",
    )
    session.flush()
    if reporter_id is not None:
        forget_reporter_if_unneeded(session, reporter_id)
    return True


def forget_reporter_if_unneeded(session: Session, reporter_id: int) -> bool:
    """Delete a reporter's identity when nothing needs it any more.

    Needed means: a ticket still linked to them, a draft in progress, a subscription, or a
    reply still waiting in the outbox. Their conversation row and throttle records go with it.
    """
    reporter = session.get(Reporter, reporter_id)
    if reporter is None or reporter.subscribed:
        return False
    linked = session.exec(select(exists().where(col(Ticket.reporter_id) == reporter_id))).one()
    drafting = session.exec(
        select(
            exists().where(
                col(Conversation.reporter_id) == reporter_id, col(Conversation.step).isnot(None)
            )
        )
    ).one()
    waiting = session.exec(
        select(
            exists().where(
                col(OutboxMessage.reporter_id) == reporter_id,
                col(OutboxMessage.status).in_(("pending", "held")),
            )
        )
    ).one()
    if linked or drafting or waiting:
        return False
    session.delete(reporter)
    return True


def idle_reporter_ids(session: Session, policy: RetentionPolicy, now: datetime) -> list[int]:
    """Reporters not subscribed (or who opted out) and silent for the idle period."""
    rows = session.exec(
        select(Reporter.id).where(
            col(Reporter.subscribed).is_(False),
            col(Reporter.last_inbound_at) < now - timedelta(days=policy.idle_identity_days),
        )
    ).all()
    return [r for r in rows if r is not None]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
