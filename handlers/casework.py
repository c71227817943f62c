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

from sqlalchemy import case, insert, update
from sqlmodel import Session, col, select

from handlers.messages import t
from handlers.types import Reply
from storage import audit, outbox
from storage.listing import is_open
from storage.models import AuditLog, Office, Officer, Reporter, Ticket, TicketEvent
from storage.workflow import (
    DESTINATIONS,
    OPEN_STATUSES,
    Windows,
    WorkflowError,
    check_transition,
    clean_note,
    escalation_cutoff,
    extension_granted,
)

log = logging.getLogger(__name__)

ESCALATING_LEVELS = ("kabupaten", "kota")
# An escalated ticket: id, code, its office, the province it now shows at.
Marked = tuple[int, str, str, str]


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
    windows: Windows | None = None,
    notify: bool = True,
) -> TicketEvent:
    """Move a ticket to ``target`` with a note; raises ``WorkflowError`` when refused.

    Taking a ticket up stores where it went (and a *temuan*'s register entry) on the ticket.
    ``notify=False`` when the reporter has just been told another way (a follow-up question
    that itself moves the ticket to perlu_info): one message, not a question and a notice.
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
        _grant_extension(session, ticket, now, windows or Windows())
    session.add(ticket)
    audit.record(
        session,
        "status_change",
        now=now,
        officer=officer,
        ticket_id=ticket.id,
        detail=f"{previous}->{target}",
    )
    if notify:
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
    ticket.escalated_to = None
    ticket.updated_at = now
    session.add(ticket)
    return event


def escalate_overdue(
    session: Session, *, now: datetime, windows: Windows, limit: int = 500
) -> list[str]:
    """Escalate up to ``limit`` open kab/kota tickets past their processing window; returns codes.

    A window ends at the end of the *office's* local day, so the offices are taken zone by zone
    (WIB, WITA, WIT), each with its own cut-off: a ticket in Jayapura is overdue two hours
    before one in Bandung received at the same moment. Per zone, one UPDATE … RETURNING marks a
    batch (``escalated_at``, and ``escalated_to`` = the office's province), then one INSERT each
    writes its timeline events and audit lines: a backlog of thousands is a few statements per
    batch, and the caller commits batch by batch (``bot.jobs``) so no transaction grows with the
    backlog. The ``escalated_at IS NULL`` condition is re-checked by the UPDATE, so two
    processes never escalate one ticket twice.
    """
    offices: dict[str, list[str]] = {}
    for code, zone in session.exec(
        select(Office.code, Office.timezone).where(
            col(Office.level).in_(ESCALATING_LEVELS), col(Office.parent_code).is_not(None)
        )
    ).all():
        offices.setdefault(zone, []).append(code)
    marked: list[Marked] = []
    for zone, codes in sorted(offices.items()):
        if len(marked) >= limit:
            break
        cutoffs = escalation_cutoff(now, windows, ZoneInfo(zone))
        marked += _mark_overdue(session, codes, cutoffs, now=now, limit=limit - len(marked))
    if not marked:
        return []
    session.execute(
        insert(TicketEvent),
        [
            {
                "ticket_id": ticket_id,
                "at": now,
                "kind": "escalated",
                "from_office": office_code,
                "to_office": parent,
            }
            for ticket_id, _, office_code, parent in marked
        ],
    )
    session.execute(
        insert(AuditLog),
        [
            {"at": now, "office_code": office_code, "action": "escalated", "ticket_id": ticket_id}
            for ticket_id, _, office_code, _ in marked
        ],
    )
    log.info("escalated %d overdue tickets to their Bawaslu Provinsi", len(marked))
    return [code for _, code, _, _ in marked]


def _mark_overdue(
    session: Session,
    offices: list[str],
    cutoffs: tuple[datetime, datetime],
    *,
    now: datetime,
    limit: int,
) -> list[Marked]:
    """Mark up to ``limit`` overdue tickets of ``offices`` (one zone) as escalated."""
    plain, extended = cutoffs
    due_before = case((col(Ticket.info_requested_at).is_(None), plain), else_=extended)
    # The offices as a list of values, not a join: the planner then walks the escalation-queue
    # index from the oldest ticket and stops at ``limit``, instead of probing office by office.
    queue = (
        select(Ticket.id)
        .where(
            is_open(),
            col(Ticket.escalated_at).is_(None),
            col(Ticket.created_at) < plain,  # the later cutoff: a range on the queue index
            col(Ticket.created_at) < due_before,
            col(Ticket.office_code).in_(offices),
        )
        .order_by(col(Ticket.created_at), col(Ticket.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Chosen once: as a plain IN (subquery) PostgreSQL may re-run the locking subquery,
        # which then sees this statement's own updates and picks further rows past ``limit``.
        queue = queue.with_for_update(of=Ticket, skip_locked=True)  # type: ignore[arg-type]
        chosen = queue.cte("escalation_queue").prefix_with("MATERIALIZED")
    else:
        chosen = queue.cte("escalation_queue")
    province = (
        select(Office.parent_code)
        .where(col(Office.code) == col(Ticket.office_code))
        .scalar_subquery()
    )
    rows = session.execute(
        update(Ticket)
        .where(col(Ticket.id).in_(select(chosen.c.id)), col(Ticket.escalated_at).is_(None))
        .values(escalated_at=now, escalated_to=province)
        .returning(
            col(Ticket.id), col(Ticket.code), col(Ticket.office_code), col(Ticket.escalated_to)
        )
        .execution_options(synchronize_session=False)
    ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _id(ticket: Ticket) -> int:
    assert ticket.id is not None
    return ticket.id


def _grant_extension(session: Session, ticket: Ticket, now: datetime, windows: Windows) -> None:
    """Mark information as asked, which extends the window, only while the window runs."""
    office = session.get(Office, ticket.office_code)
    zone = ZoneInfo(office.timezone if office else "Asia/Jakarta")
    if extension_granted(ticket.created_at, now, windows, zone):
        ticket.info_requested_at = now
