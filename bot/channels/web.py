"""The web chat: a page anyone can open, over the same engine as Telegram and WhatsApp.

A browser is identified by a random token in an HttpOnly cookie; like a phone number it is
stored only encrypted. Unlike a messaging app the page keeps nothing itself, so the server keeps
this browser's transcript (encrypted) and the page asks for it on every open. Opening the page
never sends anything on the reporter's behalf: a pending question from Bawaslu stays pending
until the reporter answers it. Pushed messages arrive by long polling.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import secrets
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, File, Form, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from bot.dashboard.auth import cookies_secure
from bot.flood import SlidingLimit, client_address
from bot.runtime import Netra, utcnow
from handlers.engine import parse_command
from handlers.media import MAX_FILE_BYTES, base_type
from handlers.messages import t
from handlers.types import Attachment, Choice, Inbound, Outcome, Reply
from storage import outbox, webchat
from storage.db import run_in_transaction
from storage.models import Conversation, Reporter, WebChatLine

log = logging.getLogger(__name__)

CHANNEL = "local"
COOKIE = "netra_chat"
WEB_DIR = Path(__file__).parent.parent / "web"
TEMPLATES = Jinja2Templates(directory=str(WEB_DIR / "templates"))

# The engine's welcome speaks of Telegram/WhatsApp accounts; in a browser there is no account.
WEB_WELCOME = {
    "id": (
        "Selamat datang di Netra, kanal aduan netralitas ASN untuk Bawaslu.\n\n"
        "Anda tidak perlu menyebut nama. Petugas tidak melihat siapa Anda atau dari perangkat "
        "mana Anda menulis. Yang disimpan, terenkripsi: isi laporan, bukti dan saksi. Jangan "
        "tulis nama Anda sendiri; metadata foto dan video dihapus otomatis.\n"
        "Percakapan diingat di peramban ini {hours} jam sejak pesan terakhir; \u201cSelesai & "
        "hapus\u201d menghapusnya. Rincian: halaman Privasi.\n\n"
        "/batal untuk membatalkan, /bantuan untuk bantuan."
    ),
    "en": (
        "Welcome to Netra, the ASN-neutrality reporting channel for Bawaslu.\n\n"
        "You do not need to give your name. Officers do not see who you are or which device "
        "you write from. Stored, encrypted: the report, evidence and witnesses. Do not write "
        "your own name; photo and video metadata is removed automatically.\n"
        "This browser remembers the conversation for {hours} hours after your last message; "
        "\u201cSelesai & hapus\u201d (done & delete) deletes it. Details: the Privasi page.\n\n"
        "/batal to cancel, /bantuan for help."
    ),
}
PAYLOAD_KEYS = ("text", "choices", "accepts_media")
ENGINE_WELCOME = {t("welcome", "id"): "id", t("welcome", "en"): "en"}


class ChatMessage(BaseModel):
    text: str = Field(default="", max_length=20_000)
    # Chosen by the page and re-sent unchanged when a request is retried on a weak signal.
    message_id: str | None = Field(default=None, max_length=64)
    # What the reporter saw on the button they pressed ("Setuju, lanjut"), for the transcript.
    shown: str | None = Field(default=None, max_length=200)
    # True when the page showed ``welcome_preview``: this message answers it.
    welcomed: bool = False


def welcome_preview(hours: int) -> list[dict[str, Any]]:
    """The first screen, shown without creating anything: nothing is stored until they answer."""
    consent = Reply(
        t("ask_consent", "id"),
        (
            Choice("setuju", t("choice_agree", "id")),
            Choice("en", t("choice_english", "id")),
            Choice("batal", t("choice_cancel", "id")),
        ),
    )
    return [
        {"id": None, "who": "bot", **Reply(WEB_WELCOME["id"].format(hours=hours)).to_payload()},
        {"id": None, "who": "bot", **consent.to_payload()},
    ]


def line_json(line: WebChatLine) -> dict[str, Any]:
    return {"id": line.id, "who": line.who, **line.payload}


def find_reporter(session: Session, address: str) -> Reporter | None:
    return session.exec(select(Reporter).where(Reporter.lookup == f"{CHANNEL}:{address}")).first()


def take_pushes(session: Session, reporter: Reporter) -> list[WebChatLine]:
    """Move messages waiting in the outbox into the transcript (each is delivered once)."""
    now = utcnow()
    taken = outbox.claim(session, transport=CHANNEL, now=now, reporter_id=reporter.id)
    lines = []
    for message in taken:
        outbox.mark_sent(session, message, now)
        payload = {k: message.payload.get(k) for k in PAYLOAD_KEYS}
        assert reporter.id is not None
        lines.append(webchat.record(session, reporter.id, "push", payload, now))
    return lines


def for_the_web(
    session: Session, reporter_id: int, replies: list[Reply], hours: int
) -> list[Reply]:
    """The engine's replies as the web says them: its own welcome, and only once."""
    shown = []
    for reply in replies:
        lang = ENGINE_WELCOME.get(reply.text)
        if lang is not None:
            text = WEB_WELCOME[lang].format(hours=hours)
            if webchat.has_line(session, reporter_id, text):
                continue
            reply = Reply(text, reply.choices, reply.accepts_media)
        shown.append(reply)
    return shown


def router(netra: Netra) -> APIRouter:
    api = APIRouter()
    settings = netra.settings
    https = cookies_secure(netra)  # the dashboard's rule: https, or not on loopback only
    max_age = settings.web_cookie_hours * 3600
    new_chats = SlidingLimit(
        settings.web_new_chats_per_hour, settings.web_new_chats_total_per_hour, 3600
    )
    messages = SlidingLimit(
        settings.web_messages_per_minute, settings.web_messages_total_per_minute, 60
    )
    uploads = SlidingLimit(settings.web_uploads_per_hour, settings.web_uploads_total_per_hour, 3600)
    too_many = JSONResponse(
        {"error": "too_many", "retry_after": 60}, status_code=429, headers={"Retry-After": "60"}
    )

    def remember(response: Response, token: str) -> None:
        response.set_cookie(
            COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=https
        )

    def page(request: Request, name: str) -> Response:
        context = {
            "operator": settings.operator_name,
            "has_logo": settings.operator_logo_file is not None,
            "hours": settings.web_cookie_hours,
        }
        return TEMPLATES.TemplateResponse(request, name, context)

    @api.get("/", response_class=HTMLResponse)
    def chat_page(request: Request) -> Response:
        return page(request, "chat.html")

    @api.get("/privasi", response_class=HTMLResponse)
    def privacy_page(request: Request) -> Response:
        return page(request, "privacy.html")

    @api.get("/logo")
    def logo() -> Response:
        path = settings.operator_logo_file
        if path is None or not path.is_file():
            return FileResponse(WEB_DIR / "static" / "favicon.svg", media_type="image/svg+xml")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media_type)

    @api.get("/favicon.ico")
    def favicon() -> Response:
        return FileResponse(WEB_DIR / "static" / "favicon.svg", media_type="image/svg+xml")

    def turn(
        request: Request,
        token: str | None,
        message: Callable[[str], Inbound],
        shown: str,
        limit: SlidingLimit,
        welcomed: bool = False,
    ) -> Response:
        where = client_address(request, settings.web_proxy_header)
        if not limit.allow(where) or (not token and not new_chats.allow(where)):
            return too_many
        fresh = not token
        address = token or secrets.token_urlsafe(24)
        inbound = message(address)

        def work(session: Session) -> tuple[Outcome, list[WebChatLine]]:
            now = utcnow()
            reporter = find_reporter(session, address)
            conversation = session.get(Conversation, reporter.id) if reporter else None
            step_before = conversation.step if conversation else None
            opening = step_before is None
            first = []
            if welcomed and (reporter is None or not webchat.history(session, reporter.id or 0)):
                first = welcome_preview(settings.web_cookie_hours)
            is_command = inbound.text is not None and parse_command(inbound.text) is not None
            if welcomed and opening and not is_command and not inbound.attachments:
                # The page showed the welcome already (see ``welcome_preview``): this answer
                # is to it, so the consent step is entered first, silently, as /mulai would.
                start = Inbound(CHANNEL, address, text="/mulai", message_id=None)
                netra.engine.handle(session, start, now)
            outcome = netra.engine.handle(session, inbound, now)
            if outcome.duplicate or outcome.reporter_id is None:
                return outcome, []
            rid = outcome.reporter_id
            for line in first:  # what the page showed before anything was stored
                webchat.record(session, rid, "bot", {k: line[k] for k in PAYLOAD_KEYS}, now)
            mine = webchat.masked(shown, secret_expected=step_before == "status_receipt")
            lines = [webchat.record(session, rid, "me", {"text": mine}, now)]
            for reply in for_the_web(session, rid, outcome.replies, settings.web_cookie_hours):
                lines.append(webchat.record(session, rid, "bot", reply.to_payload(), now))
            return outcome, lines

        outcome, lines = run_in_transaction(netra.db, work)
        body = {
            "lines": [line_json(line) for line in lines],
            # The bot's part alone, as before the transcript existed (scripts and tests).
            "replies": [line.payload for line in lines if line.who == "bot"],
            "duplicate": outcome.duplicate,
        }
        response = JSONResponse(body)
        remember(response, address)  # renewed by every message: the life runs from the last
        if fresh:
            log.info("web chat: new browser conversation")
        return response

    @api.post("/chat/api/message")
    def post_message(
        request: Request, body: ChatMessage, netra_chat: Annotated[str | None, Cookie()] = None
    ) -> Response:
        return turn(
            request,
            netra_chat,
            lambda address: Inbound(
                channel=CHANNEL,
                address=address,
                text=body.text,
                message_id=body.message_id or uuid.uuid4().hex,
            ),
            (body.shown or body.text)[:2000],
            messages,
            welcomed=body.welcomed,
        )

    @api.post("/chat/api/upload")
    async def post_upload(
        request: Request,
        file: Annotated[UploadFile, File()],
        message_id: Annotated[str | None, Form(max_length=64)] = None,
        netra_chat: Annotated[str | None, Cookie()] = None,
    ) -> Response:
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
        return await run_in_threadpool(
            turn,
            request,
            netra_chat,
            lambda address: Inbound(
                channel=CHANNEL,
                address=address,
                attachments=attachments,
                refused_media=refused,
                message_id=message_id or uuid.uuid4().hex,
            ),
            f"\U0001f4ce {(file.filename or 'berkas')[:200]}",
            uploads,
        )

    def read_history(token: str | None) -> dict[str, Any]:
        if not token:
            return {"lines": welcome_preview(settings.web_cookie_hours), "new": True}

        def work(session: Session) -> list[WebChatLine]:
            reporter = find_reporter(session, token)
            if reporter is None or reporter.id is None:
                return []
            take_pushes(session, reporter)
            return webchat.history(session, reporter.id)

        lines = run_in_transaction(netra.db, work)
        if not lines:
            return {"lines": welcome_preview(settings.web_cookie_hours), "new": True}
        return {"lines": [line_json(line) for line in lines], "new": False}

    @api.get("/chat/api/history")
    def get_history(netra_chat: Annotated[str | None, Cookie()] = None) -> JSONResponse:
        return JSONResponse(read_history(netra_chat))

    def newer(token: str, after: int) -> list[dict[str, Any]]:
        def work(session: Session) -> list[WebChatLine]:
            reporter = find_reporter(session, token)
            if reporter is None or reporter.id is None:
                return []
            take_pushes(session, reporter)
            return webchat.lines_after(session, reporter.id, after)

        return [line_json(line) for line in run_in_transaction(netra.db, work)]

    @api.get("/chat/api/updates")
    async def get_updates(
        request: Request,
        after: int = 0,
        wait: int = 0,
        netra_chat: Annotated[str | None, Cookie()] = None,
    ) -> JSONResponse:
        """Lines after ``after``; with ``wait`` the request is held until one exists (long poll).

        Reading the transcript rather than only the outbox means a push taken by another tab,
        or by a request whose page has gone, still reaches this page.
        """
        if not netra_chat:
            return JSONResponse({"lines": []})
        deadline = time.monotonic() + min(max(wait, 0), settings.web_poll_seconds)
        while True:
            lines = await run_in_threadpool(newer, netra_chat, after)
            if lines or time.monotonic() >= deadline or await request.is_disconnected():
                return JSONResponse({"lines": lines})
            await asyncio.sleep(1.0)

    @api.post("/chat/api/receipt/{line_id}/dismiss")
    def dismiss_receipt(
        line_id: int, netra_chat: Annotated[str | None, Cookie()] = None
    ) -> JSONResponse:
        def work(session: Session) -> dict[str, Any] | None:
            reporter = find_reporter(session, netra_chat or "")
            if reporter is None or reporter.id is None:
                return None
            if not webchat.dismiss_receipt(session, reporter.id, line_id):
                return None
            line = session.get(WebChatLine, line_id)
            return line_json(line) if line else None

        line = run_in_transaction(netra.db, work) if netra_chat else None
        if line is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        return JSONResponse({"line": line})

    @api.post("/chat/api/forget")
    def forget(netra_chat: Annotated[str | None, Cookie()] = None) -> Response:
        """End this browser's conversation: delete its transcript and forget the cookie.

        The reporter's token leaves with the cookie, so nothing can reach this browser again;
        the reporter is marked unreachable and officers see that instead of a silent queue.
        """

        def work(session: Session) -> None:
            reporter = find_reporter(session, netra_chat or "")
            if reporter is None or reporter.id is None:
                return
            webchat.forget(session, reporter.id)
            reporter.unreachable = True
            session.add(reporter)

        if netra_chat:
            run_in_transaction(netra.db, work)
        response = JSONResponse({"forgotten": True})
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=https)
        return response

    return api


def security_headers(settings: Any) -> dict[str, str]:
    """The dashboard's protections for the public pages too; HSTS once served over https."""
    headers = {
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        ),
    }
    if (settings.public_base_url or "").startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def install_headers(app: Any, settings: Any) -> None:
    """Every response not already carrying its own policy gets ``security_headers``."""
    app.add_middleware(SecurityHeaders, headers=security_headers(settings))


class SecurityHeaders:
    """Plain ASGI middleware adding headers a response lacks. Not ``@app.middleware("http")``:
    Starlette's ``BaseHTTPMiddleware`` runs each request through an extra task and stream,
    which cost about a tenth of the server's CPU on the webhook path (bench/chat.py)."""

    def __init__(self, app: Any, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
        ]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", ())}
                extra = [(k, v) for k, v in self.headers if k not in present]
                if extra:
                    message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
