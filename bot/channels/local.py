"""The local channel in a terminal (``netra chat``); the web page is ``bot.channels.web``.

Both are thin adapters over the same engine and database as Telegram and WhatsApp, so anyone
can try Netra without platform credentials. Messages pushed later (idle notices, officers'
questions) wait in the outbox under transport ``local`` until the adapter takes them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, select

from bot.runtime import Netra, utcnow
from handlers.types import Attachment, Inbound, Reply
from storage import outbox
from storage.db import run_in_transaction
from storage.models import Reporter

log = logging.getLogger(__name__)

CHANNEL = "local"


def pending_pushes(netra: Netra, address: str) -> list[Reply]:
    """Take the outbox messages waiting for one local reporter (each is delivered once)."""

    def work(session: Session) -> list[Reply]:
        reporter = session.exec(
            select(Reporter).where(Reporter.lookup == f"{CHANNEL}:{address}")
        ).first()
        if reporter is None:
            return []
        now = utcnow()
        taken = outbox.claim(session, transport=CHANNEL, now=now, reporter_id=reporter.id)
        for message in taken:
            outbox.mark_sent(session, message, now)
        return [Reply.from_payload(m.payload) for m in taken]

    return run_in_transaction(netra.db, work)


def render_for_terminal(reply: Reply) -> str:
    """Choices as numbered lines: the terminal, like WhatsApp, has no buttons."""
    lines = [reply.text]
    lines += [f"  {i}. {choice.label}" for i, choice in enumerate(reply.choices, start=1)]
    if reply.accepts_media:
        lines.append("  (terminal: kirim berkas dengan  @/path/ke/berkas.jpg)")
    return "\n".join(lines)


def read_file_argument(text: str) -> tuple[Attachment, ...] | None:
    """``@path`` in the terminal attaches a file, so evidence can be tried without a phone."""
    if not text.startswith("@"):
        return None
    import mimetypes

    path = Path(text[1:].strip()).expanduser()
    if not path.is_file():
        return None
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return (Attachment(content_type.split("/", 1)[0], content_type, path.read_bytes(), path.name),)


def terminal_chat(netra: Netra, address: str, read: Callable[[str], str] = input) -> None:
    """Chat with the engine on stdin/stdout until end of input (Ctrl-D)."""
    print("Netra (kanal lokal). Ketik pesan; Ctrl-D untuk keluar. /bantuan untuk bantuan.\n")
    first = Inbound(channel=CHANNEL, address=address, text="/mulai", message_id=uuid.uuid4().hex)
    for reply in netra.process(first).replies:
        print(render_for_terminal(reply), end="\n\n")
    while True:
        for reply in pending_pushes(netra, address):
            print(render_for_terminal(reply), end="\n\n")
        try:
            text = read("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        attachments = read_file_argument(text) or ()
        message = Inbound(
            channel=CHANNEL,
            address=address,
            text=None if attachments else text,
            attachments=attachments,
            message_id=uuid.uuid4().hex,
        )
        for reply in netra.process(message).replies:
            print(render_for_terminal(reply), end="\n\n")
