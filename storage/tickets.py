"""Tickets: creation with a readable code and a slow-hashed secret receipt, and status lookups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.crypto import ReceiptHasher, normalise_readable, readable_token
from storage.models import Evidence, StatusAttempt, Ticket
from storage.rows import RowObjects
from storage.search_terms import index_ticket

STATUSES = ("baru", "dikaji", "perlu_info", "ditindaklanjuti", "selesai", "tidak_ditindaklanjuti")
CODE_LENGTH = 6


def format_code(text: str) -> str | None:
    """'acdefh', 'ACD EFH', 'acd-efh' → 'ACD-EFH'; None when it cannot be a ticket code."""
    cleaned = normalise_readable(text)
    if len(cleaned) != CODE_LENGTH:
        return None
    return f"{cleaned[:3]}-{cleaned[3:]}"


@dataclass(frozen=True)
class NewTicket:
    reporter_id: int
    office_code: str
    region_code: str
    category: str
    institution_level: str
    incident_date: date
    learned_date: date
    late: bool
    lang: str
    accused_position: str
    accused_name: str | None
    description: str
    witnesses: str | None
    evidence_ids: tuple[int, ...]
    race: str = "unknown"
    employment: str = "unknown"
    accused_nip: str | None = None
    place: str | None = None
    incident_time: str | None = None
    how_known: str | None = None
    witnesses_willing: str | None = None
    gakkumdu: bool = False


# The draft's evidence moves to the ticket in one UPDATE, not a SELECT of the rows and an
# UPDATE each: a report is filed inside a turn batch, where every round trip also waits for the
# GIL (bot/turns.py). Built once, on the table: composing it per call and the ORM's bulk-update
# path with identity-map sync took 6 % of the turn path's CPU (bench turns, py-spy). Nothing
# to sync: the conversation writes evidence on the connection (handlers/evidence.py) and
# never loads it as objects.
_EVIDENCE = Evidence.__table__  # type: ignore[attr-defined]
_MOVE_EVIDENCE = (
    update(_EVIDENCE)
    .where(
        _EVIDENCE.c.id.in_(bindparam("ids", expanding=True)),
        _EVIDENCE.c.reporter_id == bindparam("rid"),
    )
    .values(ticket_id=bindparam("to"))
)


def create_ticket(
    session: Session, new: NewTicket, *, hasher: ReceiptHasher, now: datetime
) -> tuple[Ticket, str]:
    """Store a ticket and move the draft's evidence onto it; returns the ticket and its receipt.

    The receipt exists in clear only in the return value: the database keeps its argon2 hash.
    """
    receipt, receipt_hash = hasher.issue()
    values = _TICKET_ROWS.complete(
        {
            "receipt_hash": receipt_hash,
            "reporter_id": new.reporter_id,
            "office_code": new.office_code,
            "region_code": new.region_code,
            "category": new.category,
            "institution_level": new.institution_level,
            "incident_date": new.incident_date,
            "learned_date": new.learned_date,
            "late": new.late,
            "lang": new.lang,
            "created_at": now,
            "updated_at": now,
            "accused_position": new.accused_position,
            "accused_name": new.accused_name,
            "description": new.description,
            "witnesses": new.witnesses,
            "race": new.race,
            "employment": new.employment,
            "accused_nip": new.accused_nip,
            "place": new.place,
            "incident_time": new.incident_time,
            "how_known": new.how_known,
            "witnesses_willing": new.witnesses_willing,
            "gakkumdu": new.gakkumdu,
        }
    )
    connection = session.connection()
    insert_ticket = _NEW_TICKET[connection.dialect.name]
    while True:
        # A code already taken inserts nothing (ON CONFLICT DO NOTHING) and another is drawn:
        # one statement, where a SELECT for the code and the unit of work's INSERT were two
        # round trips and an ORM flush (storage/rows.py).
        values["code"] = readable_token(2, CODE_LENGTH // 2)
        ticket_id = connection.execute(insert_ticket, values).scalar()
        if ticket_id is not None:
            break
    # The ticket joins the session as a loaded row would: a later change to it in this
    # transaction is written like any other.
    ticket = _TICKET_ROWS.loaded(session, {**values, "id": ticket_id})
    # The inbox's word search (the text itself stays encrypted).
    index_ticket(session, ticket, new=True)
    if new.evidence_ids:
        connection.execute(
            _MOVE_EVIDENCE,
            {"ids": list(new.evidence_ids), "rid": new.reporter_id, "to": ticket.id},
        )
    return ticket, receipt


_TICKETS = Ticket.__table__  # type: ignore[attr-defined]
_TICKET_ROWS = RowObjects(Ticket)
_NEW_TICKET = {
    name: insert_(_TICKETS).on_conflict_do_nothing(index_elements=["code"]).returning(_TICKETS.c.id)
    for name, insert_ in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


# Built once (building it took 34 µs a call): a reporter's daily limit is checked at consent
# and at submission, inside turn batches.
_TICKETS_SINCE = (
    select(func.count())
    .select_from(Ticket)
    .where(
        col(Ticket.reporter_id) == bindparam("reporter_id"),
        col(Ticket.created_at) >= bindparam("since"),
    )
)


def tickets_since(session: Session, reporter_id: int, since: datetime) -> int:
    return int(
        session.execute(_TICKETS_SINCE, {"reporter_id": reporter_id, "since": since}).scalar_one()
    )


def failed_attempts(
    session: Session, *, reporter_id: int, ticket_code: str | None, since: datetime
) -> tuple[int, int]:
    """Recent wrong ``/status`` tries by this reporter, and against this ticket by anyone."""
    base = (
        select(func.count())
        .select_from(StatusAttempt)
        .where(col(StatusAttempt.success).is_(False), StatusAttempt.at >= since)
    )
    by_reporter = int(session.exec(base.where(StatusAttempt.reporter_id == reporter_id)).one())
    by_ticket = 0
    if ticket_code:
        by_ticket = int(session.exec(base.where(StatusAttempt.ticket_code == ticket_code)).one())
    return by_reporter, by_ticket


def check_receipt(
    session: Session,
    *,
    code: str,
    receipt: str,
    hasher: ReceiptHasher,
    reporter_id: int,
    now: datetime,
) -> Ticket | None:
    """The ticket when code and receipt match; every try is recorded for throttling."""
    ticket = session.exec(select(Ticket).where(Ticket.code == code)).first()
    if ticket is None:
        hasher.verify(_DUMMY_HASH.value(hasher), receipt)  # same cost whether the code exists
        ok = False
    else:
        ok = hasher.verify(ticket.receipt_hash, receipt)
    session.add(StatusAttempt(reporter_id=reporter_id, ticket_code=code, success=ok, at=now))
    return ticket if ok else None


class _DummyHash:
    """A hash to verify against when the code is unknown, so timing does not reveal codes."""

    def __init__(self) -> None:
        self._hash: str | None = None

    def value(self, hasher: ReceiptHasher) -> str:
        if self._hash is None:
            self._hash = hasher.hash(readable_token(4, 4))
        return self._hash


_DUMMY_HASH = _DummyHash()


def purge_attempts(session: Session, before: datetime) -> None:
    for attempt in session.exec(select(StatusAttempt).where(StatusAttempt.at < before)):
        session.delete(attempt)


def lockout_since(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)
