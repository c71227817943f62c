"""The local channel: a web chat page served by the app, and ``netra chat`` in a terminal.

Both are thin adapters over the same engine and database as Telegram and WhatsApp, so anyone
can try Netra without platform credentials. A browser is identified by a random token in an
HttpOnly cookie; that token is the reporter's "address" and, like a phone number, is stored only
encrypted. Messages pushed later (idle notices, officers' questions) wait in the outbox under
transport ``local`` until the page polls for them.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, File, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from bot.runtime import Netra, utcnow
from handlers.media import MAX_FILE_BYTES, base_type
from handlers.types import Attachment, Inbound, Reply
from storage import outbox
from storage.db import run_in_transaction
from storage.models import Reporter

log = logging.getLogger(__name__)

CHANNEL = "local"
COOKIE = "netra_chat"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent.parent / "web" / "templates"))


class ChatMessage(BaseModel):
    text: str = Field(default="", max_length=20_000)
    # Chosen by the page and re-sent unchanged when a request is retried on a weak signal.
    message_id: str | None = Field(default=None, max_length=64)


def _replies(replies: list[Reply]) -> dict[str, Any]:
    return {"replies": [r.to_payload() for r in replies]}


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


def router(netra: Netra) -> APIRouter:
    api = APIRouter()
    secure = not netra.settings.host.startswith("127.") and netra.settings.host != "localhost"

    def remember(response: Response, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=60 * 60 * 24 * 30,
            httponly=True,
            samesite="strict",
            secure=secure,
        )

    @api.get("/", response_class=HTMLResponse)
    def chat_page(request: Request, netra_chat: Annotated[str | None, Cookie()] = None) -> Response:
        response = TEMPLATES.TemplateResponse(request, "chat.html", {})
        if not netra_chat:
            remember(response, secrets.token_urlsafe(24))
        return response

    def turn(token: str | None, message: Callable[[str], Inbound]) -> JSONResponse:
        fresh = not token
        address = token or secrets.token_urlsafe(24)
        outcome = netra.process(message(address))
        response = JSONResponse(_replies(outcome.replies) | {"duplicate": outcome.duplicate})
        if fresh:
            remember(response, address)
        return response

    @api.post("/chat/api/message")
    def post_message(
        body: ChatMessage, netra_chat: Annotated[str | None, Cookie()] = None
    ) -> JSONResponse:
        return turn(
            netra_chat,
            lambda address: Inbound(
                channel=CHANNEL,
                address=address,
                text=body.text,
                message_id=body.message_id or uuid.uuid4().hex,
            ),
        )

    @api.post("/chat/api/upload")
    async def post_upload(
        file: Annotated[UploadFile, File()],
        message_id: Annotated[str | None, Form(max_length=64)] = None,
        netra_chat: Annotated[str | None, Cookie()] = None,
    ) -> JSONResponse:
        data = await file.read(MAX_FILE_BYTES + 1)
        content_type = base_type(file.content_type or "application/octet-stream")
        refused = "too_large" if len(data) > MAX_FILE_BYTES else None
        attachments = (
            ()
            if refused
            else (
                Attachment(
                    kind=content_type.split("/", 1)[0],
                    content_type=content_type,
                    data=data,
                    filename=file.filename,
                ),
            )
        )
        return turn(
            netra_chat,
            lambda address: Inbound(
                channel=CHANNEL,
                address=address,
                attachments=attachments,
                refused_media=refused,
                message_id=message_id or uuid.uuid4().hex,
            ),
        )

    @api.get("/chat/api/updates")
    def get_updates(netra_chat: Annotated[str | None, Cookie()] = None) -> JSONResponse:
        if not netra_chat:
            return JSONResponse(_replies([]))
        return JSONResponse(_replies(pending_pushes(netra, netra_chat)))

    return api


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
