"""WhatsApp through Twilio: the signed webhook (inbound) and the REST transport (outbound).

A thin adapter: a Twilio form post becomes a ``handlers.types.Inbound`` (the sender's number,
without its ``whatsapp:`` prefix, is the reporter's address: identity, stored only encrypted and
found again by blind index); a ``Reply`` becomes a WhatsApp text whose choices are numbered
lines ("Balas 1–11"), since WhatsApp has no keyboards. The engine accepts the number, the key or
the label, and ``BATAL``/``BANTUAN``/``STATUS``/``BERHENTI``/``LANGGANAN`` as bare words.

Why every reply goes through the outbox and the webhook answers an empty TwiML
``<Response/>``: a TwiML reply exists only in the HTTP response. If that response is lost (a
timeout at Twilio's 15 s limit, a proxy dropping the connection) and Twilio re-sends the
message, the engine's dedup on ``MessageSid`` rightly refuses to run the turn twice, so the
retry would get no reply at all and the reporter would be stuck. Writing replies to the outbox
in the turn's own transaction means a committed turn always has its replies, sent once by the
REST API whether the webhook response arrives or not, and in order with later pushes (status
updates, officers' questions). The cost is one REST call per reply instead of none.

The 24-hour rule: free text only within 24 h of the reporter's last message (``Reporter.
last_inbound_at``, kept with a 5-minute safety margin). Outside it the transport sends the
configured approved template (``ContentSid``) as a nudge and *holds* the message itself (outbox
status ``held``); the reporter's next message reopens the window and releases held messages,
which then go out first. Without a template the message is held silently, with a log line.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
from fastapi import APIRouter, Request, Response
from sqlalchemy.engine import Engine as Database
from sqlmodel import Session, select
from starlette.datastructures import FormData, UploadFile
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.config import Settings
from bot.poison import is_transient
from bot.runtime import Netra, utcnow
from bot.transports import TransportError
from handlers.media import ACCEPTED_TYPES, base_type
from handlers.messages import t
from handlers.types import Attachment, Inbound, Outcome, Reply
from storage import outbox
from storage.db import run_in_transaction
from storage.models import OutboxMessage, Reporter

log = logging.getLogger(__name__)
# twilio's HTTP client logs every request at INFO; keep that chatter out of Netra's logs.
_twilio_log = logging.getLogger(f"{__name__}.twilio")
_twilio_log.setLevel(logging.WARNING)

CHANNEL = "whatsapp"
PREFIX = "whatsapp:"
WEBHOOK_PATH = "/webhooks/whatsapp"
FORM_MAX_BYTES = 64 * 1024  # Twilio's form posts are a few KB; anything bigger is not theirs
BODY_MAX_CHARS = 1600  # Twilio refuses longer message bodies (error 21617)
MAX_MEDIA = 10
IMAGE_MAX_BYTES = 5 * 1024 * 1024  # WhatsApp's cap for images
MEDIA_MAX_BYTES = 16 * 1024 * 1024  # WhatsApp's cap for other media
MAX_REDIRECTS = 3
WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=5)

# Twilio error codes that no retry can fix: the recipient is gone or refused us.
PERMANENT_CODES = {
    21211: "invalid recipient number",
    21610: "recipient opted out (STOP)",
    21614: "recipient is not a mobile number",
    63003: "recipient not on WhatsApp",
    63024: "invalid message recipient",
    63032: "WhatsApp refuses messages to this user",
}
OUTSIDE_WINDOW_CODE = 63016


def missing_settings(settings: Settings) -> list[str]:
    """The variables the channel still needs; empty when WhatsApp can be switched on."""
    wanted = {
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "TWILIO_WHATSAPP_FROM": settings.twilio_whatsapp_from,
        "PUBLIC_BASE_URL": settings.public_base_url,
    }
    return [name for name, value in wanted.items() if not value]


def _token(settings: Settings) -> str:
    assert settings.twilio_auth_token is not None
    return settings.twilio_auth_token.get_secret_value()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- rendering -------------------------------------------------------------------------------


def render(reply: Reply, lang: str) -> str:
    """A reply as WhatsApp text: choices become numbered lines and a "Balas 1–N" hint."""
    if not reply.choices:
        return reply.text
    lines = [reply.text, ""]
    lines += [f"{i}. {choice.label}" for i, choice in enumerate(reply.choices, start=1)]
    count = len(reply.choices)
    lines.append(t("reply_with_number", lang, numbers="1" if count == 1 else f"1–{count}"))
    return "\n".join(lines)


def split_body(text: str, limit: int = BODY_MAX_CHARS) -> list[str]:
    """Cut a long text (a summary with a 3000-character account) into bodies Twilio accepts."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


# --- media -----------------------------------------------------------------------------------


class MediaRefused(Exception):
    """A file is not taken; ``reason`` is what ``Inbound.refused_media`` tells the engine."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def media_origin(settings: Settings) -> tuple[str, str]:
    """Where media may be fetched: ``TWILIO_MEDIA_HOST`` or the API base URL's own origin."""
    configured = settings.twilio_media_host
    if not configured:
        return _origin(settings.twilio_api_base_url)
    if "://" not in configured:
        configured = f"https://{configured}"
    return _origin(configured)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class MediaFetcher:
    """Downloads one file Twilio announced, only from Twilio's media host, with a size cap.

    The first URL must be on the configured media origin (no SSRF through a forged or odd
    ``MediaUrl``); Twilio answers with a redirect to its CDN, which is followed only to https
    hosts in ``TWILIO_MEDIA_REDIRECT_HOSTS`` and without the account credentials.
    """

    def __init__(self, settings: Settings) -> None:
        assert settings.twilio_account_sid is not None
        self.auth = (settings.twilio_account_sid, _token(settings))
        self.origin = media_origin(settings)
        self.redirect_hosts = tuple(
            h.strip().lower().lstrip(".")
            for h in settings.twilio_media_redirect_hosts.split(",")
            if h.strip()
        )

    def _redirect_allowed(self, url: str) -> bool:
        scheme, _ = _origin(url)
        host = (urlsplit(url).hostname or "").lower()
        if _origin(url) == self.origin:
            return True
        if scheme != "https" and not _is_loopback(host):
            return False
        return any(host == h or host.endswith(f".{h}") for h in self.redirect_hosts)

    async def fetch(self, client: httpx.AsyncClient, url: str, content_type: str) -> Attachment:
        kind = ACCEPTED_TYPES.get(base_type(content_type))
        if kind is None:
            raise MediaRefused("unsupported")
        limit = IMAGE_MAX_BYTES if kind == "photo" else MEDIA_MAX_BYTES
        if _origin(url) != self.origin:
            log.warning("whatsapp media: URL not on the configured Twilio media host, refused")
            raise MediaRefused("unsupported")
        auth: tuple[str, str] | None = self.auth
        for _ in range(MAX_REDIRECTS + 1):
            async with client.stream("GET", url, auth=auth) as response:
                if response.is_redirect:
                    target = urljoin(url, response.headers.get("location", ""))
                    if not self._redirect_allowed(target):
                        log.warning("whatsapp media: redirect to a host not allowed, refused")
                        raise MediaRefused("unsupported")
                    if _origin(target) != self.origin:
                        auth = None  # the account token never leaves Twilio's API host
                    url = target
                    continue
                if response.status_code != 200:
                    log.warning("whatsapp media: download answered HTTP %s", response.status_code)
                    raise MediaRefused("unavailable")
                data = await self._read(response, limit)
                return Attachment(kind=kind, content_type=base_type(content_type), data=data)
        log.warning("whatsapp media: too many redirects")
        raise MediaRefused("unavailable")

    @staticmethod
    async def _read(response: httpx.Response, limit: int) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise MediaRefused("too_large")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:  # a missing or lying Content-Length stops here, not at the end
                raise MediaRefused("too_large")
            chunks.append(chunk)
        return b"".join(chunks)


async def collect_media(
    fetcher: MediaFetcher, form: FormData
) -> tuple[tuple[Attachment, ...], str | None]:
    """The files of one message, and the first reason any of them was refused."""
    try:
        count = min(max(int(str(form.get("NumMedia") or "0")), 0), MAX_MEDIA)
    except ValueError:
        count = 0
    if count == 0:
        return (), None
    taken: list[Attachment] = []
    refused: str | None = None
    timeout = httpx.Timeout(10.0, connect=5.0)
    async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
        for i in range(count):
            url = str(form.get(f"MediaUrl{i}") or "")
            content_type = str(form.get(f"MediaContentType{i}") or "")
            try:
                taken.append(await fetcher.fetch(client, url, content_type))
            except MediaRefused as exc:
                refused = refused or exc.reason
            except httpx.HTTPError as exc:
                log.warning("whatsapp media: download failed (%s)", type(exc).__name__)
                refused = refused or "unavailable"
    return tuple(taken), refused


# --- inbound ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """The parts of a Twilio form post Netra uses."""

    sid: str
    address: str
    body: str
    location: tuple[float, float] | None


def parse_form(form: FormData) -> Incoming | None:
    """An inbound WhatsApp message, or ``None`` for anything else (status callbacks, SMS)."""
    if form.get("MessageStatus") is not None:
        return None  # a delivery-status callback pointed here: nothing to do
    sid = str(form.get("MessageSid") or form.get("SmsMessageSid") or "")
    sender = str(form.get("From") or "")
    if not sid or len(sid) > 64 or not sender.startswith(PREFIX):
        return None
    address = sender[len(PREFIX) :]
    if not address.lstrip("+").isdigit() or len(address) > 20:
        return None
    return Incoming(
        sid=sid,
        address=address,
        body=str(form.get("Body") or ""),
        location=_location(form),
    )


def _location(form: FormData) -> tuple[float, float] | None:
    try:
        lat = float(str(form.get("Latitude")))
        lon = float(str(form.get("Longitude")))
    except (TypeError, ValueError):
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return lat, lon
    return None


def build_inbounds(
    incoming: Incoming, attachments: tuple[Attachment, ...], refused: str | None
) -> list[Inbound]:
    """One message becomes one turn, or two when some files were taken and others refused.

    The engine answers a refusal instead of storing a message's files, so taken files and the
    refusal go as separate turns (the second with a derived id, deduplicated like the first).
    A caption travels with the taken files; with none taken it is dropped with the refusal.
    """

    def turn(**fields: Any) -> Inbound:
        return Inbound(channel=CHANNEL, address=incoming.address, **fields)

    if incoming.location is not None and not attachments:
        return [turn(location=incoming.location, message_id=incoming.sid)]
    turns: list[Inbound] = []
    if attachments or refused is None:
        turns.append(
            turn(text=incoming.body or None, attachments=attachments, message_id=incoming.sid)
        )
    if refused is not None:
        sid = f"{incoming.sid}/refused" if turns else incoming.sid
        turns.append(turn(refused_media=refused, message_id=sid))
    return turns


def run_turns(netra: Netra, inbounds: Iterable[Inbound]) -> list[Outcome]:
    """Run a message's turns in one transaction, and release the reporter's held messages.

    The reporter just wrote, so their 24-hour window is open again: messages held while it
    was closed become sendable, in the same commit, ahead of this turn's replies.
    """
    inbounds = list(inbounds)

    def work(session: Session) -> list[Outcome]:
        now = utcnow()
        outcomes = [
            netra.engine.handle(session, inbound, now, outbox_transport=CHANNEL)
            for inbound in inbounds
        ]
        reporter_id = next((o.reporter_id for o in outcomes if o.reporter_id), None)
        if reporter_id is not None:
            released = outbox.release_held(
                session, transport=CHANNEL, reporter_id=reporter_id, now=now
            )
            if released:
                log.info("whatsapp: window reopened, %d held message(s) released", released)
        return outcomes

    return run_in_transaction(netra.db, work)


def _empty_twiml() -> Response:
    return Response(str(MessagingResponse()), media_type="text/xml")


async def _read_form(request: Request) -> FormData | None:
    """The url-encoded body, read with a cap (``None`` when it is larger than any Twilio post)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_MAX_BYTES:
            return None
    pairs: list[tuple[str, str | UploadFile]] = list(
        parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    )
    return FormData(pairs)


def signed_url(public_base_url: str, request: Request) -> str:
    """The URL Twilio signed: our configured public address, never a forwarded header."""
    url = public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return url


def router(netra: Netra) -> APIRouter:
    settings = netra.settings
    assert settings.public_base_url is not None
    validator = RequestValidator(_token(settings))
    fetcher = MediaFetcher(settings)
    api = APIRouter()

    @api.post(WEBHOOK_PATH)
    async def whatsapp_webhook(request: Request) -> Response:
        form = await _read_form(request)
        if form is None:
            log.warning("whatsapp webhook: body too large, refused")
            return Response(status_code=413)
        signature = request.headers.get("X-Twilio-Signature", "")
        url = signed_url(settings.public_base_url or "", request)
        if not signature or not validator.validate(url, form, signature):
            log.warning("whatsapp webhook: missing or invalid signature, refused")
            return Response(status_code=403)
        incoming = parse_form(form)
        if incoming is None:
            # Authentic but not a WhatsApp message we handle: 200, or Twilio keeps trying.
            log.info("whatsapp webhook: unrecognised payload ignored")
            return _empty_twiml()
        try:
            attachments, refused = await collect_media(fetcher, form)
            outcomes = await asyncio.to_thread(
                run_turns, netra, build_inbounds(incoming, attachments, refused)
            )
        except Exception as exc:
            if is_transient(exc):
                raise  # 5xx: Twilio retries, and the database will be back
            # Poison: the same body would fail the same way on every retry (see bot.poison).
            log.error("whatsapp webhook: message dropped after %s", type(exc).__name__)
            return _empty_twiml()
        if all(o.duplicate for o in outcomes):
            log.info("whatsapp webhook: duplicate message ignored")
        sender = getattr(request.app.state, "sender", None)
        if sender is not None:
            sender.wake()
        return _empty_twiml()

    return api


# --- outbound --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """What the transport needs to know about a reporter: language, window, held messages."""

    lang: str
    last_inbound_at: datetime | None
    has_held: bool


def _detached(payload: dict[str, Any]) -> Recipient | None:
    """A reply to a person forgotten when they opted out carries what their row would say."""
    about = payload.get(outbox.FORGOTTEN_RECIPIENT)
    if not isinstance(about, dict):
        return None
    try:
        last = datetime.fromisoformat(str(about["last_inbound_at"]))
    except (KeyError, ValueError):
        return None
    return Recipient(str(about.get("lang", "id")), _aware(last), False)


class TwilioTransport:
    """Sends outbox payloads through Twilio's Messages API, respecting the 24-hour window.

    A payload is a ``Reply`` (sent as text inside the window; ``window_checked``: a broadcast
    whose sender already checked the window) or a template
    (``{"content_sid": ..., "content_variables": {...}}``, sent at any time). A ``Reply``
    payload may carry ``template_variables`` for the notify template's placeholders.
    """

    name = CHANNEL

    def __init__(self, db: Database, settings: Settings) -> None:
        assert settings.twilio_account_sid is not None and settings.twilio_whatsapp_from
        self.db = db
        self.settings = settings
        sender = settings.twilio_whatsapp_from
        self.sender = sender if sender.startswith(PREFIX) else PREFIX + sender
        self._client: Client | None = None

    def _twilio(self) -> Client:
        # Built lazily: aiohttp's session must be created inside the running event loop.
        if self._client is None:
            http = AsyncTwilioHttpClient(timeout=15, logger=_twilio_log)
            client = Client(
                self.settings.twilio_account_sid, _token(self.settings), http_client=http
            )
            client.api.base_url = self.settings.twilio_api_base_url.rstrip("/")
            self._client = client
        return self._client

    def recipient(self, address: str) -> Recipient:
        with Session(self.db) as session:
            reporter = session.exec(
                select(Reporter).where(Reporter.lookup == f"{CHANNEL}:{address}")
            ).first()
            if reporter is None or reporter.id is None:
                return Recipient("id", None, False)
            held = session.exec(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.transport == CHANNEL,
                    OutboxMessage.reporter_id == reporter.id,
                    OutboxMessage.status == "held",
                )
                .limit(1)
            ).first()
            return Recipient(reporter.lang, _aware(reporter.last_inbound_at), held is not None)

    @staticmethod
    def window_open(recipient: Recipient, now: datetime) -> bool:
        if recipient.last_inbound_at is None:
            return False
        return now - recipient.last_inbound_at < WINDOW - WINDOW_MARGIN

    async def send(self, address: str, payload: dict[str, Any], *, reply: bool = False) -> None:
        to = PREFIX + address
        if payload.get("content_sid"):
            await self._create(
                to,
                content_sid=str(payload["content_sid"]),
                content_variables=payload.get("content_variables"),
            )
            return
        if payload.get("window_checked"):
            # A broadcast whose sender checked the 24-hour window on the row it claimed.
            for body in split_body(str(payload["text"])):
                await self._create(to, body=body)
            return
        recipient = await asyncio.to_thread(self.recipient, address)
        if recipient.last_inbound_at is None:
            recipient = _detached(payload) or recipient
        if not self.window_open(recipient, utcnow()):
            await self._outside_window(to, recipient, payload)
            return
        for body in split_body(render(Reply.from_payload(payload), recipient.lang)):
            await self._create(to, body=body)

    async def _outside_window(self, to: str, recipient: Recipient, payload: dict[str, Any]) -> None:
        """Never free text here: nudge with the approved template (once), hold the message."""
        if recipient.has_held:
            raise TransportError(
                "outside the 24-hour window: held behind an earlier held message", held=True
            )
        template = self.settings.twilio_template_notify
        if recipient.lang == "en" and self.settings.twilio_template_notify_en:
            template = self.settings.twilio_template_notify_en
        if not template:
            log.warning(
                "whatsapp: outside the 24-hour window and TWILIO_TEMPLATE_NOTIFY is not set; "
                "message held until the reporter writes"
            )
            raise TransportError(
                "outside the 24-hour window, no template configured: held", held=True
            )
        await self._create(
            to, content_sid=template, content_variables=payload.get("template_variables")
        )
        log.info("whatsapp: outside the 24-hour window; template sent, message held")
        raise TransportError(
            "outside the 24-hour window: template sent, held until the reporter writes",
            held=True,
        )

    async def _create(
        self,
        to: str,
        *,
        body: str | None = None,
        content_sid: str | None = None,
        content_variables: Any = None,
    ) -> None:
        kwargs: dict[str, Any] = {"to": to, "from_": self.sender}
        if body is not None:
            kwargs["body"] = body
        if content_sid is not None:
            kwargs["content_sid"] = content_sid
            if content_variables:
                kwargs["content_variables"] = (
                    content_variables
                    if isinstance(content_variables, str)
                    else json.dumps(content_variables, ensure_ascii=False)
                )
        try:
            await self._twilio().messages.create_async(**kwargs)
        except TwilioRestException as exc:
            raise _transport_error(exc) from None
        except (TimeoutError, OSError) as exc:
            raise TransportError(f"twilio unreachable ({type(exc).__name__})") from None
        except Exception as exc:  # aiohttp's errors: transient, and never echo their text
            raise TransportError(f"twilio request failed ({type(exc).__name__})") from None

    async def close(self) -> None:
        if self._client is not None:
            http = self._client.http_client
            if isinstance(http, AsyncTwilioHttpClient):
                await http.close()
            self._client = None


def _transport_error(exc: TwilioRestException) -> TransportError:
    """Map a Twilio error to retry/stop/hold. Twilio's own message may quote the number: the
    stored text is built from the code and status only."""
    code = exc.code
    if code == OUTSIDE_WINDOW_CODE:
        return TransportError(
            "twilio 63016: outside the 24-hour window, held until the reporter writes", held=True
        )
    if code in PERMANENT_CODES:
        return TransportError(f"twilio {code}: {PERMANENT_CODES[code]}", permanent=True)
    retry_after = None
    if exc.status == 429 or code in (20429, 63018):
        retry_after = 30.0
    return TransportError(f"twilio {code or '-'} (HTTP {exc.status})", retry_after=retry_after)
