"""The Telegram channel: a thin adapter between the Bot API and the conversation engine.

Inbound: ``POST /webhooks/telegram`` (or ``getUpdates`` polling in development) → one
``handlers.types.Inbound`` per update → ``Netra.process(..., outbox_transport="telegram")``,
which commits the turn and its replies (in the outbox) before the webhook answers 200. Telegram
retries an update until it gets a 2xx, and the engine dedups on ``update_id``, so a retry changes
nothing and sends no second reply.

Outbound: ``TelegramTransport.send`` renders a ``Reply`` (choices as inline buttons) and maps Bot
API errors onto ``TransportError`` so the outbox sender retries only what can succeed later.

Never logged or put in an error string: chat ids, names, file URLs (they hold the bot token).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import mimetypes
import time
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.channels.telegram_request import AiohttpRequest
from bot.channels.telegram_shape import well_formed
from bot.config import Settings
from bot.poison import is_transient
from bot.runtime import Netra, utcnow
from bot.transports import TransportError
from handlers.media import MAX_FILE_BYTES, base_type
from handlers.messages import t
from handlers.types import Attachment, Choice, Inbound, Reply
from storage.db import run_in_transaction

log = logging.getLogger(__name__)

CHANNEL = "telegram"
WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "callback_query")
TEXT_LIMIT = 4096  # Bot API sendMessage limit, in characters
CALLBACK_DATA_LIMIT = 64  # bytes
GROUP_NOTICE_EVERY = 600.0  # seconds: one private-chat notice per group, not one per message

# The command menu (setMyCommands), per language; the engine knows every command.
COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "id": (
        ("mulai", "Buat laporan baru"),
        ("status", "Cek status laporan dengan kode laporan"),
        ("batal", "Batalkan laporan yang sedang dibuat"),
        ("bantuan", "Bantuan"),
        ("bahasa", "Ganti bahasa (Indonesia/English)"),
    ),
    "en": (
        ("mulai", "Make a new report"),
        ("status", "Check a report's status with its report code"),
        ("batal", "Cancel the report in progress"),
        ("bantuan", "Help"),
        ("bahasa", "Change language (Indonesia/English)"),
    ),
}

# python-telegram-bot logs every API call's parameters (chat ids, texts) at DEBUG, and httpx
# logs each request URL — which holds the bot token — at INFO. Neither may reach a log file.
for _noisy in ("telegram", "httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


# --- outbound --------------------------------------------------------------------------------


class _Bucket:
    """A token bucket that hands out reservations: ``reserve()`` says how long to wait."""

    __slots__ = ("rate", "capacity", "tokens", "stamp")

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = time.monotonic()

    def reserve(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def idle(self, now: float) -> bool:
        return self.tokens + (now - self.stamp) * self.rate >= self.capacity


class RateLimiter:
    """Telegram's pace in one chat: about 1 message/s, short bursts allowed (per process).

    Only the per-chat pace lives here, and only other messages wait for it: a reply to the
    reporter's own message goes out at once (they set the pace; in a fast conversation the
    last turns' replies waited up to a second behind a spent burst) but still counts, so a
    notice right after it waits its turn. The ~30/s budget for bulk messages is held in the
    database and applied by the outbox sender (``storage.ratebudget``), so it holds across
    processes. A 429 that still happens is honoured through ``retry_after``.
    """

    def __init__(self, chat_per_s: float = 1.0, chat_burst: int = 20) -> None:
        self.chat_per_s = chat_per_s
        self.chat_burst = chat_burst
        self._chats: dict[int, _Bucket] = {}

    async def wait(self, chat_id: int, *, reply: bool = False) -> None:
        now = time.monotonic()
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 10_000:
                self._chats = {k: b for k, b in self._chats.items() if not b.idle(now)}
            bucket = self._chats[chat_id] = _Bucket(self.chat_per_s, self.chat_burst)
        delay = bucket.reserve(now)
        if delay and not reply:
            await asyncio.sleep(delay)


def render_markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """Choices as inline buttons carrying the choice key; a reply keyboard of labels when a key
    does not fit Telegram's 64-byte callback data (the engine also accepts a label)."""
    if not reply.choices:
        return None
    per_row = 1 if any(len(c.label) > 20 for c in reply.choices) or len(reply.choices) > 6 else 3
    if all(len(c.key.encode()) <= CALLBACK_DATA_LIMIT for c in reply.choices):
        buttons = [InlineKeyboardButton(c.label, callback_data=c.key) for c in reply.choices]
        return InlineKeyboardMarkup(_rows(buttons, per_row))
    keys = [KeyboardButton(c.label) for c in reply.choices]
    return ReplyKeyboardMarkup(_rows(keys, per_row), one_time_keyboard=True, resize_keyboard=True)


@lru_cache(maxsize=1024)
def markup_json(choices: tuple[Choice, ...]) -> dict[str, Any] | None:
    """``render_markup`` as the JSON object the Bot API takes, kept per set of choices: every
    reporter at a step gets the same keyboard, and PTB's ``to_dict`` of it on every send was
    a fifteenth of the server's CPU (bench/chat.py, py-spy). The one object is shared by every
    send of those choices, so nothing may change it; the request encodes it with the rest of
    the message in one ``json.dumps``."""
    markup = render_markup(Reply("", choices=choices))
    return None if markup is None else markup.to_dict()


def _rows(items: list[Any], per_row: int) -> list[list[Any]]:
    return [items[i : i + per_row] for i in range(0, len(items), per_row)]


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a long text at line breaks into messages Telegram accepts."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts


def _retry_after(error: RetryAfter) -> float:
    """Seconds to wait; PTB 22 warns that the attribute turns into a timedelta, so take both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _is_gone(error: BadRequest) -> bool:
    """Bad requests that mean the person can never be reached, not that our message is wrong."""
    text = str(error).lower()
    return any(s in text for s in ("chat not found", "user is deactivated", "peer_id_invalid"))


class TelegramTransport:
    """Sends outbox payloads with python-telegram-bot's ``Bot``; also fetches evidence files.

    The HTTP client under PTB's ``Bot`` is ``AiohttpRequest`` (aiohttp, keep-alive) with a pool
    large enough for the sender's batches; ``bench/chat.py`` measures it.
    """

    name = CHANNEL

    def __init__(
        self,
        token: str,
        api_base_url: str = "https://api.telegram.org",
        *,
        limiter: RateLimiter | None = None,
        pool_size: int = 128,
    ) -> None:
        base = api_base_url.rstrip("/")
        self._requests = (
            AiohttpRequest(pool_size=pool_size, read_timeout=10.0),
            AiohttpRequest(pool_size=2, read_timeout=40.0),  # getUpdates long polls
        )
        self.bot = Bot(
            token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=self._requests[0],
            get_updates_request=self._requests[1],
        )
        self.limiter = limiter if limiter is not None else RateLimiter()
        self._file_base = f"{base}/file/bot"
        self._files: httpx.AsyncClient | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramTransport:
        assert settings.telegram_bot_token is not None
        return cls(
            settings.telegram_bot_token.get_secret_value(),
            settings.telegram_api_base_url,
            limiter=RateLimiter(settings.telegram_chat_rate, settings.telegram_chat_burst),
        )

    async def _ready(self) -> Bot:
        """Reopen the HTTP clients if closed. ``Bot.initialize()`` is avoided on purpose: it
        calls getMe, and on a refused token raises an error whose text holds the token."""
        for request in self._requests:
            await request.initialize()
        return self.bot

    async def send(self, address: str, payload: dict[str, Any], *, reply: bool = False) -> None:
        chat_id = int(address)
        message = Reply.from_payload(payload)
        parts = split_text(message.text or " ")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            markup = markup_json(tuple(message.choices)) if last and message.choices else None
            await self._send_one(chat_id, part, markup, reply=reply)

    async def _send_one(
        self, chat_id: int, text: str, markup: dict[str, Any] | None, *, reply: bool
    ) -> None:
        bot = await self._ready()
        await self.limiter.wait(chat_id, reply=reply)
        try:
            # The answer is not needed: PTB's ``send_message`` would build a ``Message`` from
            # it and turn its twenty unset parameters into request fields (together about a
            # quarter of a send's CPU). The keyboard goes as the JSON PTB would have made of
            # it, and errors map the same way.
            data: dict[str, Any] = {"chat_id": chat_id, "text": text}
            if markup is not None:
                data["reply_markup"] = markup
            await bot._post("sendMessage", data)  # noqa: SLF001
        except RetryAfter as exc:
            raise TransportError(
                "telegram: rate limited (429)", retry_after=_retry_after(exc)
            ) from None
        except Forbidden:
            raise TransportError("telegram: forbidden (bot blocked)", permanent=True) from None
        except BadRequest as exc:
            if _is_gone(exc):
                raise TransportError("telegram: chat not found", permanent=True) from None
            # Our message, not the chat, was refused: a plain retry would fail forever.
            log.warning("telegram refused a message: %s", _describe(exc))
            raise TransportError("telegram: bad request", permanent=True) from None
        except InvalidToken:
            log.error("telegram: the bot token was refused; check TELEGRAM_BOT_TOKEN")
            raise TransportError("telegram: token refused") from None
        except (NetworkError, TelegramError) as exc:  # TimedOut is a NetworkError
            raise TransportError(f"telegram: {type(exc).__name__}") from None

    async def notice(self, chat_id: int, text: str) -> None:
        """Send one message now, outside the outbox (groups: nothing about them is stored)."""
        bot = await self._ready()
        await self.limiter.wait(chat_id)
        try:
            await bot.send_message(chat_id, text)
        except TelegramError as exc:
            log.info("telegram: group notice not sent (%s)", type(exc).__name__)

    async def answer_callback(self, callback_id: str) -> None:
        bot = await self._ready()
        try:
            await bot.answer_callback_query(callback_id)
        except TelegramError as exc:  # too old or already answered: harmless
            log.info("telegram: callback query not answered (%s)", type(exc).__name__)

    async def download(self, file_id: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
        """Fetch a file by id. The file URL holds the token: it is never kept or logged.

        ``Bot.get_file``/``File.download_*`` are avoided on purpose: PTB treats a ``file_path``
        that exists on this machine as a local file, so a hostile or broken API answer naming
        ``/proc/self/environ`` or the key file would have been read into evidence. The raw
        ``getFile`` answer's path is checked and the URL built from our configured base only.
        """
        bot = await self._ready()
        with warnings.catch_warnings():  # PTB suggests get_file: the very call avoided here
            warnings.simplefilter("ignore", PTBUserWarning)
            found = await bot.do_api_request("getFile", api_kwargs={"file_id": file_id})
        path = found.get("file_path") if isinstance(found, dict) else None
        if not isinstance(path, str) or not safe_file_path(path):
            raise BadRequest("getFile answered an unusable file path")
        url = f"{self._file_base}{bot.token}/{quote(path, safe='/')}"
        return await self._stream(url, max_bytes)

    async def _stream(self, url: str, max_bytes: int) -> bytes:
        """GET ``url`` with a size cap, stopping as soon as the file grows past it."""
        if self._files is None:
            self._files = httpx.AsyncClient(timeout=30.0, follow_redirects=False)
        data = bytearray()
        try:
            async with self._files.stream("GET", url) as response:
                if response.status_code != 200:
                    raise NetworkError(f"file download answered {response.status_code}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise BadRequest("file is too big")
                async for chunk in response.aiter_bytes():
                    data.extend(chunk)
                    if len(data) > max_bytes:
                        raise BadRequest("file is too big")
        except httpx.HTTPError as exc:
            raise NetworkError(f"file download failed ({type(exc).__name__})") from None
        return bytes(data)

    async def close(self) -> None:
        for request in self._requests:
            await request.shutdown()
        if self._files is not None:
            await self._files.aclose()
            self._files = None


def safe_file_path(path: str) -> bool:
    """A ``getFile`` path we may append to our own file URL: relative, no scheme, no ``..``."""
    if not path or len(path) > 512 or path.startswith(("/", "\\")) or "\\" in path:
        return False
    if ":" in path or "?" in path or "#" in path or "%" in path:
        return False  # a scheme, a drive letter, a query, or an encoded separator
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def _describe(exc: TelegramError) -> str:
    """An error's text without anything that could be a URL (the file URL holds the token)."""
    return " ".join(w for w in str(exc).split() if "://" not in w and "/bot" not in w)[:200]


# --- inbound ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Media:
    kind: str
    file_id: str
    size: int | None
    content_type: str
    filename: str | None


def _media(message: Message) -> _Media | None:
    """The one file a message carries, with the type Telegram implies for it."""
    if message.photo:
        largest = message.photo[-1]
        return _Media("photo", largest.file_id, largest.file_size, "image/jpeg", None)
    if message.document:
        doc = message.document
        guessed = mimetypes.guess_type(doc.file_name or "")[0]
        content_type = doc.mime_type or guessed or "application/octet-stream"
        return _Media("document", doc.file_id, doc.file_size, content_type, doc.file_name)
    if message.video:
        v = message.video
        return _Media("video", v.file_id, v.file_size, v.mime_type or "video/mp4", v.file_name)
    if message.video_note:
        vn = message.video_note
        return _Media("video", vn.file_id, vn.file_size, "video/mp4", None)
    if message.voice:
        vo = message.voice
        return _Media("voice", vo.file_id, vo.file_size, vo.mime_type or "audio/ogg", None)
    if message.audio:
        a = message.audio
        return _Media("voice", a.file_id, a.file_size, a.mime_type or "audio/mpeg", a.file_name)
    return None


async def _fetch(transport: TelegramTransport, media: _Media) -> Attachment | str:
    """The downloaded file, or the reason it is refused (``too_large``, ``unavailable``…).

    A failed download is answered, not retried through a 5xx: Telegram delivers a bot's updates
    in order, so one update refused with 503 would hold back every reporter's messages behind
    it. The reporter is asked to send the file again instead (as on WhatsApp).
    """
    if media.size is not None and media.size > MAX_FILE_BYTES:
        return "too_large"  # known from the update: no download, no getFile
    try:
        data = await transport.download(media.file_id)
    except BadRequest as exc:
        if "too big" in str(exc).lower():
            return "too_large"
        log.info("telegram: file refused by getFile (%s)", _describe(exc))
        return "unsupported"
    except TelegramError as exc:
        log.warning("telegram: file download failed (%s), reporter asked to resend", _describe(exc))
        return "unavailable"
    if len(data) > MAX_FILE_BYTES:
        return "too_large"
    content_type = base_type(media.content_type)
    return Attachment(media.kind, content_type, data, media.filename)


_UNSUPPORTED_CONTENT = (
    "sticker",
    "animation",
    "contact",
    "poll",
    "dice",
    "game",
    "story",
    "paid_media",
)


async def build_inbound(transport: TelegramTransport, update_id: int, message: Message) -> Inbound:
    """A private-chat message as the engine's ``Inbound`` (files downloaded, not yet checked:
    the engine checks type and size and strips image metadata)."""
    text = message.text or message.caption
    location = message.location or (message.venue.location if message.venue else None)
    base = Inbound(
        channel=CHANNEL,
        address=str(message.chat.id),
        text=text,
        location=(location.latitude, location.longitude) if location else None,
        message_id=str(update_id),
    )
    media = _media(message)
    if media is not None:
        fetched = await _fetch(transport, media)
        if isinstance(fetched, str):
            return _replace(base, refused_media=fetched)
        return _replace(base, attachments=(fetched,))
    if (
        text is None
        and location is None
        and any(getattr(message, name, None) for name in _UNSUPPORTED_CONTENT)
    ):
        # A contact card would carry a phone number: it is refused, and never stored.
        return _replace(base, refused_media="unsupported")
    return base


def _replace(inbound: Inbound, **changes: Any) -> Inbound:
    from dataclasses import replace

    return replace(inbound, **changes)


# A private text message with nothing else: read straight from the JSON (the common turn).
_PLAIN_KEYS = frozenset(
    {"message_id", "from", "chat", "date", "text", "entities", "link_preview_options"}
)


def plain_text_inbound(data: object) -> Inbound | None:
    """The ``Inbound`` of an update that is a plain private text message, or None (anything
    else goes through PTB's ``Update``). Saves building a tree of PTB objects per turn."""
    if not isinstance(data, dict) or set(data) != {"update_id", "message"}:
        return None
    update_id, message = data["update_id"], data["message"]
    if type(update_id) is not int or not isinstance(message, dict):  # bool is an int too
        return None
    chat, text = message.get("chat"), message.get("text")
    if not (set(message) <= _PLAIN_KEYS and isinstance(text, str) and isinstance(chat, dict)):
        return None
    if link_code_of(text) is not None:  # an office linking its chat, not a reporter's turn
        return None
    chat_id = chat.get("id")
    if chat.get("type") != "private" or not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return None
    return Inbound(channel=CHANNEL, address=str(chat_id), text=text, message_id=str(update_id))


async def run_plain(netra: Netra, inbound: Inbound) -> None:
    """The turn of a plain text update (``plain_text_inbound``), for the webhook route and its
    fast path alike. As for any update (``bot.poison``), a failure the same body would repeat
    is logged by its kind and dropped, so the webhook answers 200 and Telegram does not resend
    it forever; a transient one raises, for a 5xx and a retry. The replies are handed to the
    sender when the turn's batch commits: no wake-up needed."""
    try:
        await netra.process_async(inbound, outbox_transport=CHANNEL)
    except Exception as exc:
        if is_transient(exc):
            raise
        log.error("telegram webhook: text update dropped after %s", type(exc).__name__)


def parse_update(data: object, bot: Bot) -> Update | None:
    """A Telegram ``Update``, or None when the body is not one (logged by the caller)."""
    checked = well_formed(data)
    if checked is None:
        return None
    try:
        return Update.de_json(checked, bot)
    except Exception:  # any malformed field: the body is not an update we can read
        return None


class UpdateHandler:
    """Turns one update into a committed engine turn (shared by the webhook and polling)."""

    def __init__(self, netra: Netra, transport: TelegramTransport) -> None:
        self.netra = netra
        self.transport = transport
        self._group_noticed: dict[int, float] = {}

    async def handle(self, update: Update) -> None:
        if update.callback_query is not None:
            await self._callback(update)
            return
        message = update.message
        if message is None:
            log.info("telegram: ignored an update without a message (%s)", _kind(update))
            return
        code = link_code_of(message.text)
        if code is not None:  # an office linking its chat: not a reporter, nothing of theirs
            await self._link_office(update.update_id, message.chat.id, code)
            return
        if message.chat.type != "private":
            await self._group(message)
            return
        inbound = await build_inbound(self.transport, update.update_id, message)
        await self.netra.process_async(inbound, outbox_transport=CHANNEL)

    async def _callback(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != "private":
            await self.transport.answer_callback(query.id)
            return
        inbound = Inbound(
            channel=CHANNEL,
            address=str(chat.id if chat is not None else query.from_user.id),
            text=query.data or "",
            message_id=str(update.update_id),
        )
        outcome = await self.netra.process_async(inbound, outbox_transport=CHANNEL)
        if not outcome.duplicate:
            await self.transport.answer_callback(query.id)

    async def _link_office(self, update_id: int, chat_id: int, code: str) -> None:
        """``/hubungkan KODE``: the chat becomes the office's digest chat (one-time code)."""
        from storage.inbound import first_sighting
        from storage.office_links import redeem

        def work(session: Any) -> tuple[bool, str | None]:
            now = utcnow()
            if not first_sighting(session, channel=CHANNEL, platform_id=str(update_id), now=now):
                return False, None
            office = redeem(session, code, str(chat_id), now=now) if code else None
            return True, office.name if office is not None else None

        fresh, office_name = await asyncio.to_thread(run_in_transaction, self.netra.db, work)
        if not fresh:
            return  # Telegram retried the update: it was answered already
        log.info("telegram: office link code %s", "accepted" if office_name else "refused")
        text = LINK_OK.format(office=office_name) if office_name is not None else LINK_REFUSED
        await self.transport.notice(chat_id, text)

    async def _group(self, message: Message) -> None:
        """One brief notice per group and ten minutes, sent directly: nothing is stored."""
        now = time.monotonic()
        last = self._group_noticed.get(message.chat.id)
        if last is not None and now - last < GROUP_NOTICE_EVERY:
            return
        if len(self._group_noticed) > 10_000:
            self._group_noticed.clear()
        self._group_noticed[message.chat.id] = now
        sender = message.from_user
        lang = "en" if sender and (sender.language_code or "").startswith("en") else "id"
        log.info(
            "telegram: message in a %s answered with the private-chat notice", message.chat.type
        )
        await self.transport.notice(message.chat.id, t("private_only", lang))


LINK_COMMAND = "/hubungkan"
LINK_OK = (
    "Obrolan ini sekarang menerima ringkasan harian Netra untuk {office} setiap pagi pukul "
    "07.00 waktu setempat. / This chat now receives Netra's daily digest for {office}."
)
LINK_REFUSED = (
    "Kode tidak dikenal, sudah dipakai, atau kedaluwarsa. Minta kode baru di dasbor Netra. / "
    "Unknown, used or expired code: get a new one in the Netra dashboard."
)


def link_code_of(text: str | None) -> str | None:
    """The code of a ``/hubungkan KODE`` command (``/hubungkan@Bot KODE`` in groups), or None
    when the message is not that command ("" when the code is missing)."""
    if not text:
        return None
    first, _, rest = text.strip().partition(" ")
    if first.split("@", 1)[0].lower() != LINK_COMMAND:
        return None
    return rest.strip()


def _kind(update: Update) -> str:
    for name in (
        "message",
        "callback_query",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "my_chat_member",
    ):
        if getattr(update, name, None) is not None:
            return name
    return "other"


def secret_matches(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; no secret configured means every request is refused."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def _transport_of(request: Request, netra: Netra) -> TelegramTransport:
    """The app's Telegram transport (the one the sender uses), or one built from settings."""
    sender = getattr(request.app.state, "sender", None)
    found = sender.transports.get(CHANNEL) if sender is not None else None
    if isinstance(found, TelegramTransport):
        return found
    own = getattr(request.app.state, "telegram_transport", None)
    if own is None:
        own = TelegramTransport.from_settings(netra.settings)
        request.app.state.telegram_transport = own
    return own


def router(netra: Netra) -> APIRouter:
    api = APIRouter()
    secret = netra.settings.telegram_webhook_secret
    expected = secret.get_secret_value() if secret else None
    if expected is None:
        log.warning("TELEGRAM_WEBHOOK_SECRET is not set: the Telegram webhook refuses every call")
    handlers: dict[int, UpdateHandler] = {}

    @api.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), expected):
            log.warning("telegram webhook: missing or wrong secret token, refused")
            return Response(status_code=403)
        transport = _transport_of(request, netra)
        handler = handlers.get(id(transport))
        if handler is None:
            handler = handlers[id(transport)] = UpdateHandler(netra, transport)
        try:
            data = await request.json()
        except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
            data = None
        plain = plain_text_inbound(data)
        if plain is not None:  # most turns: no PTB objects needed to read them
            await run_plain(netra, plain)
            return Response(status_code=200)
        update = parse_update(data, transport.bot)
        if update is None:
            # 200, so Telegram does not retry a body it will never make readable.
            log.warning("telegram webhook: body is not a Telegram update, dropped")
            return Response(status_code=200)
        try:
            await handler.handle(update)
        except Exception as exc:
            if is_transient(exc):
                raise  # 5xx: Telegram retries, and the database will be back
            # Poison: the same body would fail the same way on every retry (see bot.poison).
            log.error(
                "telegram webhook: %s update dropped after %s", _kind(update), type(exc).__name__
            )
        return Response(status_code=200)

    return api


# --- polling (development) -------------------------------------------------------------------


async def poll(
    handler: UpdateHandler,
    stop: asyncio.Event,
    *,
    wake: Callable[[], None] = lambda: None,
    timeout: int = 25,
) -> None:
    """Fetch updates with ``getUpdates`` until ``stop``; an update's offset is confirmed only
    after its turn is committed, so a crash re-delivers it (and the engine dedups)."""
    bot = await handler.transport._ready()
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=timeout, allowed_updates=list(ALLOWED_UPDATES)
            )
            for update in updates:
                await handler.handle(update)
                offset = update.update_id + 1
                wake()
            failures = 0
        except TelegramError as exc:
            failures += 1
            delay = min(30.0, 2.0**failures)
            log.warning("telegram polling: %s, retrying in %.0fs", type(exc).__name__, delay)
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
            except TimeoutError:
                pass


def enable_polling(app: FastAPI, netra: Netra) -> None:
    """Run ``poll`` for the app's lifetime (``netra serve --telegram-polling``)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(the_app: FastAPI) -> AsyncIterator[Any]:
        async with inner(the_app) as state:
            sender = the_app.state.sender
            transport = sender.transports.get(CHANNEL)
            if not isinstance(transport, TelegramTransport):
                raise RuntimeError("Telegram polling needs TELEGRAM_BOT_TOKEN")
            stop = asyncio.Event()
            task = asyncio.create_task(
                poll(UpdateHandler(netra, transport), stop, wake=sender.wake)
            )
            log.info("Telegram channel: polling for updates (development mode)")
            try:
                yield state
            finally:
                stop.set()
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass

    app.router.lifespan_context = lifespan


# --- setup -----------------------------------------------------------------------------------


async def setup(settings: Settings, transport: TelegramTransport | None = None) -> str:
    """Set the command menu and the webhook; returns the webhook URL (no secret in it)."""
    if not settings.public_base_url:
        raise ValueError("PUBLIC_BASE_URL must be set (the https address Telegram will call)")
    if settings.telegram_webhook_secret is None:
        raise ValueError("TELEGRAM_WEBHOOK_SECRET must be set (1-256 of A-Z a-z 0-9 _ -)")
    secret = settings.telegram_webhook_secret.get_secret_value()
    if not (1 <= len(secret) <= 256) or not all(c.isalnum() or c in "_-" for c in secret):
        raise ValueError("TELEGRAM_WEBHOOK_SECRET may hold only A-Z a-z 0-9 _ - (1-256 chars)")
    own = transport is None
    transport = transport or TelegramTransport.from_settings(settings)
    bot = await transport._ready()
    url = settings.public_base_url.rstrip("/") + WEBHOOK_PATH
    try:
        for lang, commands in COMMANDS.items():
            await bot.set_my_commands(
                [BotCommand(name, text) for name, text in commands],
                language_code=None if lang == "id" else lang,
            )
        await bot.set_webhook(
            url=url,
            secret_token=secret,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )
    finally:
        if own:
            await transport.close()
    return url
