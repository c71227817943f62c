"""Which tickets an officer may see: the one place that decides it.

Every dashboard page, evidence download, export and API call finds tickets through here, and
anything not returned is answered as if it did not exist (404), so another office's ticket
codes cannot even be confirmed.

Rules: an officer (admins included) sees the tickets of their own office; a Bawaslu Provinsi
also sees the tickets of its kabupaten/kota offices that were escalated to it because their
processing window passed. Admins additionally get national *counts* (``national_counts``),
never other offices' tickets.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import Evidence, Officer, Ticket
from storage.tickets import format_code


def visible_clause(officer: Officer) -> ColumnElement[bool]:
    """SQL condition: this ticket is visible to ``officer``.

    ``escalated_to`` is written when a ticket is escalated (and cleared when it is reassigned),
    so this is two indexed equalities rather than a subquery over the office tree.
    """
    if not officer.active:
        return and_(col(Ticket.id).is_(None), col(Ticket.id).is_not(None))  # nothing
    return or_(
        col(Ticket.office_code) == officer.office_code,
        col(Ticket.escalated_to) == officer.office_code,
    )


def visible_tickets(officer: Officer) -> SelectOfScalar[Ticket]:
    return select(Ticket).where(visible_clause(officer))


def ticket_for(session: Session, officer: Officer, code: str) -> Ticket | None:
    """The ticket with this code if ``officer`` may see it; otherwise None (answer 404)."""
    normal = format_code(code)
    if normal is None:
        return None
    return session.exec(visible_tickets(officer).where(Ticket.code == normal)).first()


def evidence_for(
    session: Session, officer: Officer, code: str, evidence_id: int
) -> tuple[Ticket, Evidence] | None:
    """An evidence item, only through a ticket the officer may see and only of that ticket."""
    ticket = ticket_for(session, officer, code)
    if ticket is None:
        return None
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.ticket_id != ticket.id:
        return None
    return ticket, evidence


class _Owned(Protocol):
    @property
    def office_code(self) -> str: ...


def is_escalated_to(officer: Officer, ticket: _Owned) -> bool:
    """True when the officer sees this ticket only because it was escalated to their office."""
    return ticket.office_code != officer.office_code


def national_counts(session: Session) -> list[tuple[str, str, int]]:
    """(province code, status, count) over all offices: the admin's national overview."""
    province = func.substr(col(Ticket.office_code), 1, 2)
    rows = session.exec(
        select(province, Ticket.status, func.count())
        .group_by(province, Ticket.status)
        .order_by(province)
    )
    return [(str(p), str(s), int(n)) for p, s, n in rows]
