"""The web chat's transcript: what one browser has seen, kept so a reload loses nothing.

Lines are written in the same transaction order as the conversation they record; the page asks
for them back on every open. The receipt line carries the two codes separately so the page can
offer copy buttons; dismissing the receipt removes the secret from the stored line for good.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import WebChatLine

# The receipt reply as the catalogue writes it (both languages): "Kode laporan: X" / "Report
# code: X". The older labels still match: transcripts written before the wording changed.
_CODE = re.compile(r"^(?:Kode laporan|Report code|Kode tiket|Ticket code): (\S+)$", re.MULTILINE)
_SECRET = re.compile(r"^(?:Kode rahasia|Secret receipt): (\S+)$", re.MULTILINE)
HISTORY_LIMIT = 400
_STATUS_WITH_SECRET = re.compile(r"^(\s*/status\s+\S+)\s+\S.*$", re.IGNORECASE | re.DOTALL)
HIDDEN = "••••"


def masked(text: str, *, secret_expected: bool) -> str:
    """A reporter's own line as stored: a typed secret receipt is never kept in the transcript."""
    if secret_expected:
        return HIDDEN
    return _STATUS_WITH_SECRET.sub(lambda m: f"{m.group(1)} {HIDDEN}", text)


def receipt_codes(text: str) -> dict[str, str] | None:
    """The ticket code and secret receipt in a reply, or None for any other reply."""
    code, secret = _CODE.search(text), _SECRET.search(text)
    if code is None or secret is None:
        return None
    return {"code": code.group(1), "secret": secret.group(1)}


def record(
    session: Session, reporter_id: int, who: str, payload: dict[str, Any], now: datetime
) -> WebChatLine:
    """Append one line; a bot reply holding a receipt is marked so the page can show it apart."""
    body = dict(payload)
    if who != "me":
        codes = receipt_codes(str(body.get("text", "")))
        if codes is not None:
            body["receipt"] = codes
    line = WebChatLine(reporter_id=reporter_id, who=who, payload=body, created_at=now)
    session.add(line)
    session.flush()
    return line


def history(session: Session, reporter_id: int) -> list[WebChatLine]:
    """The newest ``HISTORY_LIMIT`` lines, oldest first."""
    rows = session.exec(
        select(WebChatLine)
        .where(WebChatLine.reporter_id == reporter_id)
        .order_by(col(WebChatLine.id).desc())
        .limit(HISTORY_LIMIT)
    ).all()
    return list(reversed(rows))


def lines_after(session: Session, reporter_id: int, after: int) -> list[WebChatLine]:
    """Lines newer than ``after``: what another request (or tab) recorded meanwhile."""
    return list(
        session.exec(
            select(WebChatLine)
            .where(WebChatLine.reporter_id == reporter_id, col(WebChatLine.id) > after)
            .order_by(col(WebChatLine.id))
            .limit(HISTORY_LIMIT)
        ).all()
    )


def has_line(session: Session, reporter_id: int, text: str) -> bool:
    """Whether this browser has already been shown ``text`` (the welcome is said once)."""
    return any(line.payload.get("text") == text for line in history(session, reporter_id))


def dismiss_receipt(session: Session, reporter_id: int, line_id: int) -> bool:
    """Forget the secret receipt in a stored line; the reporter said they have kept it."""
    line = session.get(WebChatLine, line_id)
    if line is None or line.reporter_id != reporter_id or "receipt" not in line.payload:
        return False
    code = line.payload["receipt"]["code"]
    line.payload = {
        "text": _SECRET.sub("", str(line.payload.get("text", ""))).replace("\n\n\n", "\n\n"),
        "choices": [],
        "accepts_media": False,
        "dismissed_receipt": code,
    }
    session.add(line)
    return True


def forget(session: Session, reporter_id: int) -> int:
    """Delete this browser's whole transcript ("Selesai & hapus dari perangkat ini")."""
    result = session.execute(delete(WebChatLine).where(col(WebChatLine.reporter_id) == reporter_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
