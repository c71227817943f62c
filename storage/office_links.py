"""Linking an office's Telegram chat without typing chat ids: one-time link codes.

An admin or the office's officer makes a code in the dashboard; someone sends ``/hubungkan KODE``
to the bot from the office's group (or a private chat), and that chat becomes the office's digest
chat. Only the code's SHA-256 is stored, it expires after a day, and it works once (a
conditional UPDATE spends it, so two chats racing with one code cannot both link). The chat is
an office's, never a reporter's: no reporter is created for it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from storage.crypto import normalise_readable, readable_token
from storage.models import Office, OfficeLinkCode

CODE_TTL = timedelta(hours=24)


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_readable(code).encode()).hexdigest()


def new_link_code(
    session: Session, office_code: str, *, now: datetime, officer_id: int | None = None
) -> str:
    """A fresh code for ``office_code``; returned in clear once, stored only as a hash."""
    code = readable_token(2, 4)
    session.add(
        OfficeLinkCode(
            code_hash=_hash(code),
            office_code=office_code,
            created_at=now,
            expires_at=now + CODE_TTL,
            officer_id=officer_id,
        )
    )
    return code


def redeem(session: Session, code: str, chat_id: str, *, now: datetime) -> Office | None:
    """Spend ``code`` and link ``chat_id`` to its office; None when unknown, used or expired."""
    digest = _hash(code)
    spent = session.execute(
        update(OfficeLinkCode)
        .where(
            col(OfficeLinkCode.code_hash) == digest,
            col(OfficeLinkCode.used_at).is_(None),
            col(OfficeLinkCode.expires_at) > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if int(spent.rowcount) != 1:  # type: ignore[attr-defined]
        return None
    link = session.get(OfficeLinkCode, digest)
    assert link is not None
    office = session.get(Office, link.office_code)
    assert office is not None
    office.telegram_chat_id = chat_id
    session.add(office)
    return office


def unlink_telegram(session: Session, office: Office) -> None:
    office.telegram_chat_id = None
    session.add(office)
