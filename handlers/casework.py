"""What officers do to a ticket: change its status, reassign it, add notes; and escalation.

Shared by the dashboard and the JSON API so both follow the same rules (``storage.workflow``)
and leave the same timeline and audit trail. A status change tells the reporter, briefly and
in their language, through the outbox on their own channel; the officer's note stays internal.
The reporter's channel and address are decrypted only inside ``notify_reporter`` and go
straight into the (encrypted) outbox row.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from handlers.messages import t
from handlers.types import Reply
from storage import audit, outbox
from storage.models import Office, Officer, Reporter, Ticket, TicketEvent
from storage.workflow import (
    DESTINATIONS,
    OPEN_STATUSES,
    Windows,
    WorkflowError,
    check_transition,
    clean_note,
    overdue_candidates_before,
    processing_due,
)

log = logging.getLogger(__name__)

ESCALATING_LEVELS = ("kabupaten", "kota")


def change_status(
    session: Session,
    *,
    officer: Officer,
    ticket: Ticket,
    target: str,
    note: str,
    now: datetime,
    destination: str | None = None,
    register_number: str | None = None,
    register_date: date | None = None,
) -> TicketEvent:
    """Move a ticket to ``target`` with a note; raises ``WorkflowError`` when refused.

    Taking a ticket up stores where it went (and a *temuan*'s register entry) on the ticket.
    """
    cleaned = check_transition(
        ticket.status, target, note, destination, (register_number, register_date)
    )
    if target == "ditindaklanjuti" and destination in DESTINATIONS:
        ticket.destination = destination
        if destination == "temuan":
            ticket.destination_ref = (register_number or "").strip()
            ticket.destination_date = register_date
    event = TicketEvent(
        ticket_id=_id(ticket),
        at=now,
        kind="status",
        officer_id=officer.id,
        from_status=ticket.status,
        to_status=target,
        body=cleaned,
    )
    session.add(event)
    previous = ticket.status
    ticket.status = target
    ticket.updated_at = now
    if target == "perlu_info" and ticket.info_requested_at is None:
        ticket.info_requested_at = now
    session.add(ticket)
    audit.record(
        session,
        "status_change",
        now=now,
        officer=officer,
        ticket_id=ticket.id,
        detail=f"{previous}->{target}",
    )
    notify_reporter(session, ticket, now)
    return event


def notify_reporter(session: Session, ticket: Ticket, now: datetime) -> bool:
    """Queue the brief "your ticket is now …" notice on the reporter's own channel."""
    if ticket.reporter_id is None:
        return False
    reporter = session.get(Reporter, ticket.reporter_id)
    if reporter is None or reporter.unreachable:
        return False
    status_label = t(f"status_{ticket.status}", reporter.lang)
    text = t("status_changed_notice", reporter.lang, code=ticket.code, status=status_label)
    payload = Reply(text).to_payload() | {
        # Lets a channel that needs a pre-approved template outside its session window
        # (WhatsApp) pick one; others ignore it.
        "kind": "status_update",
        "template_vars": [ticket.code, status_label],
    }
    outbox.enqueue(
        session,
        transport=reporter.channel,
        address=reporter.address,
        payload=payload,
        now=now,
        reporter_id=reporter.id,
    )
    return True


def add_note(
    session: Session, *, officer: Officer, ticket: Ticket, note: str, now: datetime
) -> TicketEvent:
    """An internal note on the timeline; the reporter is not told."""
    event = TicketEvent(
        ticket_id=_id(ticket), at=now, kind="note", officer_id=officer.id, body=clean_note(note)
    )
    session.add(event)
    audit.record(session, "note", now=now, officer=officer, ticket_id=ticket.id)
    return event


def reclassify(
    session: Session,
    *,
    officer: Officer,
    ticket: Ticket,
    categories: list[str],
    note: str,
    now: datetime,
) -> TicketEvent:
    """Set the ticket's categories (the first is the main one) with a note on the timeline.

    More than one may apply (social-media campaigning and a partisan appeal to subordinates).
    """
    from handlers.categories import BY_KEY

    chosen = list(dict.fromkeys(c for c in categories if c in BY_KEY))
    if not chosen or len(chosen) != len(set(categories)):
        raise WorkflowError("unknown_category")
    cleaned = clean_note(note)
    before = ", ".join(filter(None, (ticket.category, *ticket.extra_categories.split(","))))
    ticket.category = chosen[0]
    ticket.extra_categories = ",".join(chosen[1:])
    ticket.updated_at = now
    session.add(ticket)
    event = TicketEvent(
        ticket_id=_id(ticket),
        at=now,
        kind="reclassified",
        officer_id=officer.id,
        body=f"{before} → {', '.join(chosen)}\n{cleaned}",
    )
    session.add(event)
    audit.record(
        session,
        "reclassify",
        now=now,
        officer=officer,
        ticket_id=ticket.id,
        detail=",".join(chosen)[:300],
    )
    return event


def reassign(
    session: Session,
    *,
    officer: Officer,
    ticket: Ticket,
    office_code: str,
    reason: str,
    now: datetime,
) -> TicketEvent:
    """Hand a ticket to another office (wrong region) with a reason.

    The processing clock keeps running from receipt (the law counts from receipt), but the
    escalation mark is cleared: the new office gets its own chance before it escalates again.
    """
    target = session.get(Office, office_code.strip())
    if target is None:
        raise WorkflowError("unknown_office")
    if target.code == ticket.office_code:
        raise WorkflowError("same_office")
    if ticket.status not in OPEN_STATUSES:
        raise WorkflowError("ticket_closed")
    cleaned = clean_note(reason)
    event = TicketEvent(
        ticket_id=_id(ticket),
        at=now,
        kind="reassigned",
        officer_id=officer.id,
        from_office=ticket.office_code,
        to_office=target.code,
        body=cleaned,
    )
    session.add(event)
    audit.record(
        session,
        "reassign",
        now=now,
        officer=officer,
        ticket_id=ticket.id,
        detail=f"{ticket.office_code}->{target.code}",
    )
    ticket.office_code = target.code
    ticket.escalated_at = None
    ticket.updated_at = now
    session.add(ticket)
    return event


def escalate_overdue(session: Session, *, now: datetime, windows: Windows) -> list[str]:
    """Mark open kab/kota tickets past their processing window as escalated; returns codes.

    Each ticket is claimed with a conditional UPDATE (``escalated_at IS NULL``), so two
    processes running the job never escalate one ticket twice.
    """
    rows = session.exec(
        select(Ticket, Office.timezone)
        .join(Office, col(Office.code) == col(Ticket.office_code))
        .where(
            col(Ticket.status).in_(OPEN_STATUSES),
            col(Ticket.escalated_at).is_(None),
            col(Office.level).in_(ESCALATING_LEVELS),
            col(Ticket.created_at) < overdue_candidates_before(now, windows),
        )
    ).all()
    candidates = [
        (ticket.id, ticket.code, ticket.office_code)
        for ticket, zone in rows
        if _aware(now)
        > processing_due(ticket.created_at, ticket.info_requested_at, windows, ZoneInfo(zone))
    ]
    escalated: list[str] = []
    for ticket_id, code, office_code in candidates:
        result = session.execute(
            update(Ticket)
            .where(col(Ticket.id) == ticket_id, col(Ticket.escalated_at).is_(None))
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1 or ticket_id is None:  # type: ignore[attr-defined]
            continue
        office = session.get(Office, office_code)
        parent = office.parent_code if office else None
        session.add(
            TicketEvent(
                ticket_id=ticket_id,
                at=now,
                kind="escalated",
                from_office=office_code,
                to_office=parent,
            )
        )
        audit.record(session, "escalated", now=now, office_code=office_code, ticket_id=ticket_id)
        escalated.append(code)
    if escalated:
        log.info("escalated %d overdue tickets to their Bawaslu Provinsi", len(escalated))
    return escalated


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _id(ticket: Ticket) -> int:
    assert ticket.id is not None
    return ticket.id
