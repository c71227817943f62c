"""Accounts that were created in, or moved into, an office: audited and shown to that office.

An admin (Bawaslu RI) can create an officer account in any office, or move one there, and so
read that office's tickets through it. That power stays (offices need accounts), but it is
never silent: each such change is an audit row *of the receiving office*, which its officers
see in their audit log and as a notice on every dashboard page for ``NOTICE_DAYS``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from storage import audit
from storage.models import AuditLog, Office, Officer

ACCOUNT_ACTIONS = ("officer_add", "officer_move_in")
NOTICE_DAYS = 30


class MoveError(ValueError):
    """The account cannot be moved there; the message is safe to show."""


def record_added(session: Session, *, admin: Officer | None, added: Officer, now: datetime) -> None:
    audit.record(
        session,
        "officer_add",
        now=now,
        officer=admin,
        office_code=added.office_code,
        detail=f"{added.username}@{added.office_code} role={added.role}",
    )


def move_officer(
    session: Session, *, admin: Officer | None, target: Officer, office_code: str, now: datetime
) -> None:
    """Move an account to another office; both offices get an audit row."""
    office_code = office_code.strip()
    if session.get(Office, office_code) is None:
        raise MoveError(f"unknown office code {office_code!r}")
    if office_code == target.office_code:
        raise MoveError("the account is already in that office")
    old = target.office_code
    target.office_code = office_code
    session.add(target)
    detail = f"{target.username} {old}->{office_code} role={target.role}"
    audit.record(
        session, "officer_move_out", now=now, officer=admin, office_code=old, detail=detail
    )
    audit.record(
        session, "officer_move_in", now=now, officer=admin, office_code=office_code, detail=detail
    )


def recent_account_changes(
    session: Session, office_code: str, now: datetime
) -> list[tuple[AuditLog, str | None]]:
    """Accounts added to or moved into this office lately, newest first, with who did it."""
    rows = session.exec(
        select(AuditLog, Officer.username)
        .join(Officer, col(Officer.id) == col(AuditLog.officer_id), isouter=True)
        .where(
            AuditLog.office_code == office_code,
            col(AuditLog.action).in_(ACCOUNT_ACTIONS),
            col(AuditLog.at) >= now - timedelta(days=NOTICE_DAYS),
        )
        .order_by(col(AuditLog.id).desc())
        .limit(20)
    )
    return [(row, name) for row, name in rows]
