"""The append-only audit log: who did what to which ticket, when. Never any ticket content.

Rows are only ever inserted; nothing in Netra updates or deletes them. ``detail`` carries
short, content-free facts (a status name, an office code, a count), never text a reporter or
an officer wrote.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import AuditLog, Officer

MAX_DETAIL = 300


def record(
    session: Session,
    action: str,
    *,
    now: datetime,
    officer: Officer | None = None,
    office_code: str | None = None,
    ticket_id: int | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        AuditLog(
            at=now,
            officer_id=officer.id if officer else None,
            office_code=office_code or (officer.office_code if officer else None),
            action=action[:32],
            ticket_id=ticket_id,
            detail=detail[:MAX_DETAIL] if detail else None,
        )
    )


def entries_for(
    session: Session,
    viewer: Officer,
    *,
    limit: int = 200,
    offset: int = 0,
    action: str | None = None,
    ticket_id: int | None = None,
    officer_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[tuple[AuditLog, str | None]]:
    """Newest first, with the acting officer's username: admins see all, officers their office.

    ``since``/``until`` (UTC, ``until`` exclusive) bound the moment of the entry.
    """
    query = (
        select(AuditLog, Officer.username)
        .join(Officer, col(Officer.id) == col(AuditLog.officer_id), isouter=True)
        .order_by(col(AuditLog.id).desc())
        .limit(limit)
        .offset(offset)
    )
    if viewer.role != "admin":
        query = query.where(AuditLog.office_code == viewer.office_code)
    if action:
        query = query.where(AuditLog.action == action)
    if ticket_id is not None:
        query = query.where(AuditLog.ticket_id == ticket_id)
    if officer_id is not None:
        query = query.where(AuditLog.officer_id == officer_id)
    if since is not None:
        query = query.where(col(AuditLog.at) >= since)
    if until is not None:
        query = query.where(col(AuditLog.at) < until)
    return [(row, name) for row, name in session.exec(query)]


def count_for(session: Session, viewer: Officer) -> int:
    query = select(func.count()).select_from(AuditLog)
    if viewer.role != "admin":
        query = query.where(AuditLog.office_code == viewer.office_code)
    return int(session.exec(query).one())
