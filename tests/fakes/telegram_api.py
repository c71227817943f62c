"""A fake Telegram Bot API on 127.0.0.1, for tests and benchmarks (no internet needed).

Point python-telegram-bot's real ``Bot`` at it with ``TELEGRAM_API_BASE_URL=fake.base_url`` (or
``TelegramTransport(token=fake.token, api_base_url=fake.base_url)``). It records every method
call, answers like Telegram does (``{"ok": true, "result": ...}``), serves files for ``getFile``,
and can be told to answer 429 with ``retry_after``, to fail, or to refuse a chat (blocked bot).

Typical use in a test::

    with FakeBotAPI() as fake:                       # serves in a background thread
        transport = TelegramTransport(token=fake.token, api_base_url=fake.base_url)
        ...                                          # post updates to the app under test
        fake.wait_for_texts(chat_id=111, count=2)    # blocks until two messages reached chat 111
        assert "Selamat datang" in fake.sent_texts(111)[0]
        fake.last_buttons(111)                       # [("setuju", "Setuju"), ...] of inline buttons

Scripting failures::

    fake.rate_limit(count=5, retry_after=1)   # the next 5 sendMessage calls get 429
    fake.fail("sendMessage", count=2)         # the next 2 get 500 (transient)
    fake.block(111)                            # chat 111 blocked the bot: 403 from now on
    fake.forget(111)                           # chat 111 no longer exists: 400 chat not found

Files (for photos, documents, voice notes)::

    file_id = fake.add_file(jpeg_bytes)                       # served through getFile + download
    file_id = fake.add_file(b"", size=25 * 1024 * 1024)       # claims 25 MB: getFile says too big

Updates for polling mode (``getUpdates``): ``fake.queue_update(update_dict)``.

Inside an asyncio program (the benchmark), ``await fake.serve(stop_event)`` runs the server in
the caller's own loop instead, and ``fake.on_send`` is called for every delivered message.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.ratelimit import SlidingWindow

DEFAULT_TOKEN = "123456789:AAFakeTokenForTestsOnly-abcdefghijkl"
TELEGRAM_FILE_LIMIT = 20 * 1024 * 1024
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Netra",
    "username": "NetraTestBot",
}


@dataclass
class Call:
    """One Bot API method call as the fake received it (JSON-encoded values decoded)."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    status: int = 200


@dataclass
class _File:
    data: bytes
    size: int
    path: str


def _decode(value: str) -> Any:
    """PTB sends every non-string parameter JSON-encoded in a form field."""
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeBotAPI:
    """The Bot API endpoints Netra uses, recorded and scriptable. Thread-safe."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.on_send: Callable[[int, dict[str, Any]], None] | None = None
        self.delay = 0.0  # seconds every answer takes after the call is recorded (a slow API)
        self._lock = threading.Condition()
        self._files: dict[str, _File] = {}
        self._file_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._rate_limited: int = 0
        self.limit: SlidingWindow | None = None  # enforce_rate(): 429 above the platform's rate
        self._retry_after: int = 1
        self._failures: dict[str, list[int]] = {}
        self._blocked: set[int] = set()
        self._missing: set[int] = set()
        self._updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.commands: list[dict[str, Any]] = []
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._method, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )

    # --- lifecycle ---------------------------------------------------------------------------

    def _bind(self) -> socket.socket:
        if self._sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            sock.listen(1024)
            self._sock = sock
        return self._sock

    @property
    def port(self) -> int:
        return int(self._bind().getsockname()[1])

    @property
    def base_url(self) -> str:
        """The value for ``TELEGRAM_API_BASE_URL``."""
        return f"http://127.0.0.1:{self.port}"

    def _config(self) -> uvicorn.Config:
        return uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")

    def start(self) -> FakeBotAPI:
        """Serve in a background thread until ``stop()``."""
        sock = self._bind()
        self._server = uvicorn.Server(self._config())
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake Bot API did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def serve(self, stop: asyncio.Event) -> None:
        """Serve inside the caller's event loop until ``stop`` is set (for benchmarks)."""
        server = uvicorn.Server(self._config())
        task = asyncio.create_task(server.serve(sockets=[self._bind()]))
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        await stop.wait()
        server.should_exit = True
        await task

    # --- scripting ---------------------------------------------------------------------------

    def add_file(self, data: bytes, *, size: int | None = None, path: str | None = None) -> str:
        """Make a file downloadable; ``size`` overrides the size Telegram would report."""
        with self._lock:
            file_id = f"file-{next(self._file_ids)}"
            self._files[file_id] = _File(
                data=data, size=len(data) if size is None else size, path=path or f"docs/{file_id}"
            )
            return file_id

    def rate_limit(self, count: int, retry_after: int = 1) -> None:
        """The next ``count`` sendMessage calls answer 429 Too Many Requests."""
        with self._lock:
            self._rate_limited = count
            self._retry_after = retry_after

    def enforce_rate(self, per_second: float) -> SlidingWindow:
        """Answer 429 (retry_after 1) to sendMessage beyond ``per_second``, as Telegram does."""
        self.limit = SlidingWindow(per_second)
        return self.limit

    def fail(self, method: str, count: int = 1, status: int = 500) -> None:
        """The next ``count`` calls of ``method`` answer with HTTP ``status``."""
        with self._lock:
            self._failures.setdefault(method, []).extend([status] * count)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every send to ``chat_id`` answers 403 Forbidden."""
        with self._lock:
            self._blocked.add(int(chat_id))

    def forget(self, chat_id: int) -> None:
        """The chat no longer exists: every send answers 400 Bad Request: chat not found."""
        with self._lock:
            self._missing.add(int(chat_id))

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update for ``getUpdates`` (polling mode)."""
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()

    # --- inspection --------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Calls of one method that succeeded (status 200)."""
        with self._lock:
            return [c for c in self.calls if c.method == method and c.status == 200]

    def attempts(self, method: str) -> list[Call]:
        """Every call of one method, including those the fake refused."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Parameters of each delivered sendMessage, optionally to one chat, in order."""
        return [
            c.params
            for c in self.calls_to("sendMessage")
            if chat_id is None or int(c.params.get("chat_id", 0)) == int(chat_id)
        ]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts delivered to a chat (or to anyone), in order."""
        return [str(p.get("text", "")) for p in self.sent_messages(chat_id)]

    def last_buttons(self, chat_id: int) -> list[tuple[str, str]]:
        """(callback_data, label) of the inline buttons of the last message to a chat;
        for a reply keyboard, (label, label)."""
        messages = self.sent_messages(chat_id)
        if not messages:
            return []
        markup = messages[-1].get("reply_markup") or {}
        if "inline_keyboard" in markup:
            return [
                (b["callback_data"], b["text"]) for row in markup["inline_keyboard"] for b in row
            ]
        if "keyboard" in markup:
            return [
                (b if isinstance(b, str) else b["text"],) * 2
                for row in markup["keyboard"]
                for b in row
            ]
        return []

    def wait_for_texts(self, chat_id: int, count: int, timeout: float = 10.0) -> list[str]:
        """Block until ``count`` messages reached ``chat_id``; raise AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                texts = [
                    str(c.params.get("text", ""))
                    for c in self.calls
                    if c.method == "sendMessage"
                    and c.status == 200
                    and int(c.params.get("chat_id", 0)) == int(chat_id)
                ]
                if len(texts) >= count:
                    return texts
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"chat {chat_id} got {len(texts)} of {count} messages within {timeout}s: "
                        f"{texts!r}"
                    )
                self._lock.wait(min(left, 0.05))

    def reset(self) -> None:
        """Forget recorded calls and scripted failures (files stay)."""
        with self._lock:
            self.calls.clear()
            self._failures.clear()
            self._rate_limited = 0
            self._blocked.clear()
            self._missing.clear()

    # --- the endpoints -----------------------------------------------------------------------

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            return {k: _decode(v) for k, v in request.query_params.items()}
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.body()
            return json.loads(body) if body else {}
        form = await request.form()
        return {k: _decode(v) if isinstance(v, str) else v for k, v in form.items()}

    async def _method(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.path_params["method"]
        params = await self._params(request)
        if method == "getUpdates":
            return await self._get_updates(params)
        status, body = self._answer(method, params)
        if self.delay:
            await asyncio.sleep(self.delay)
        return JSONResponse(body, status_code=status)

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            status, body = self._scripted(method, params)
            if status == 200:
                body = {"ok": True, "result": self._result(method, params)}
            self.calls.append(Call(method, params, status=status))
            self._lock.notify_all()
        if status == 200 and method == "sendMessage" and self.on_send is not None:
            self.on_send(int(params.get("chat_id", 0)), params)
        return status, body

    def _scripted(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Failures the test asked for, in order of precedence."""
        failures = self._failures.get(method)
        if failures:
            status = failures.pop(0)
            return status, _error_body(status, "Internal Server Error")
        if method == "sendMessage":
            chat_id = int(params.get("chat_id", 0))
            if self._rate_limited > 0:
                self._rate_limited -= 1
                description = f"Too Many Requests: retry after {self._retry_after}"
                body = _error_body(429, description)
                body["parameters"] = {"retry_after": self._retry_after}
                return 429, body
            if self.limit is not None and not self.limit.allow():
                body = _error_body(429, "Too Many Requests: retry after 1")
                body["parameters"] = {"retry_after": 1}
                return 429, body
            if chat_id in self._blocked:
                return 403, _error_body(403, "Forbidden: bot was blocked by the user")
            if chat_id in self._missing:
                return 400, _error_body(400, "Bad Request: chat not found")
        if method == "getFile":
            found = self._files.get(str(params.get("file_id")))
            if found is None:
                return 400, _error_body(400, "Bad Request: invalid file_id")
            if found.size > TELEGRAM_FILE_LIMIT:
                return 400, _error_body(400, "Bad Request: file is too big")
        return 200, {}

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage":
            chat_id = int(params.get("chat_id", 0))
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        if method == "getMe":
            return BOT_USER
        if method == "getFile":
            found = self._files[str(params["file_id"])]
            return {
                "file_id": params["file_id"],
                "file_unique_id": f"u{params['file_id']}",
                "file_size": found.size,
                "file_path": found.path,
            }
        if method == "setWebhook":
            self.webhook = dict(params)
        elif method == "deleteWebhook":
            self.webhook = None
        elif method == "setMyCommands":
            self.commands = list(params.get("commands") or [])
        elif method == "getWebhookInfo":
            return {
                "url": (self.webhook or {}).get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        return True

    async def _get_updates(self, params: dict[str, Any]) -> Response:
        """Long polling: answer at once when updates wait, else after a short wait."""
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self.calls.append(Call("getUpdates", dict(params)))
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                return JSONResponse({"ok": True, "result": ready})
            await asyncio.sleep(0.02)

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.path_params["path"]
        with self._lock:
            self.calls.append(Call("download", {"path": path}))
            found = next((f for f in self._files.values() if f.path == path), None)
        if found is None:
            return _error(404, "Not Found")
        return Response(found.data, media_type="application/octet-stream")


def _error_body(status: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": status, "description": description}


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse(_error_body(status, description), status_code=status)


# --- Update JSON, as Telegram sends it ---------------------------------------------------------

_update_ids = itertools.count(500_000)


def next_update_id() -> int:
    return next(_update_ids)


def user(chat_id: int, first_name: str = "Pelapor") -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "id"}


def message_update(
    chat_id: int,
    text: str | None = None,
    *,
    update_id: int | None = None,
    chat_type: str = "private",
    **extra: Any,
) -> dict[str, Any]:
    """An ``Update`` with a ``message``; ``extra`` adds photo/document/voice/location fields."""
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = "Pelapor"
    else:
        chat["title"] = "Grup ASN"
    message: dict[str, Any] = {
        "message_id": next(_update_ids) % 100_000,
        "date": int(time.time()),
        "chat": chat,
        "from": user(abs(chat_id) if chat_type == "private" else 424242),
        **extra,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id or next_update_id(), "message": message}


def callback_update(chat_id: int, data: str, *, update_id: int | None = None) -> dict[str, Any]:
    """An ``Update`` for a tapped inline button carrying ``data``."""
    return {
        "update_id": update_id or next_update_id(),
        "callback_query": {
            "id": f"cq{next(_update_ids)}",
            "from": user(chat_id),
            "chat_instance": "ci-1",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Pelapor"},
                "from": BOT_USER,
                "text": "…",
            },
        },
    }
