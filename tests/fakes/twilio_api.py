"""A fake Twilio on 127.0.0.1: the Messages API and the media host, for tests (no internet).

Point the real twilio ``Client`` at it with ``TWILIO_API_BASE_URL=fake.base_url``; the media
origin then defaults to the same address. It checks the account's Basic auth like Twilio does,
records every message create (To, From, Body, ContentSid, ContentVariables), can fail the next
creates with given Twilio error codes (whose messages quote the number, as Twilio's do), and
serves media files, optionally through a redirect or without a Content-Length::

    with FakeTwilio() as fake:
        url = fake.add_media(jpeg_bytes, "image/jpeg")
        fake.fail(21610)                               # the next create: recipient opted out
        fake.wait_for_messages("whatsapp:+62811", 2)   # blocks until two reached that number
"""

from __future__ import annotations

import base64
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.ratelimit import SlidingWindow

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "fake-twilio-auth-token-for-tests"
ERROR_STATUS = {21211: 400, 21610: 400, 21614: 400, 63016: 400, 63003: 400, 20429: 429}


@dataclass(frozen=True)
class SentMessage:
    """One Messages API create as the fake received it."""

    to: str
    from_: str
    body: str | None
    content_sid: str | None
    content_variables: str | None


@dataclass
class _Media:
    data: bytes
    size: int
    content_type: str
    redirect: bool
    declare_length: bool


class FakeTwilio:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[SentMessage] = []
        self.media_requests: list[str] = []
        self._failures: list[int] = []
        self.limit: SlidingWindow | None = None  # enforce_rate(): 429 above the sender's MPS
        self._media: dict[str, _Media] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        prefix = f"/2010-04-01/Accounts/{account_sid}"
        self.app = Starlette(
            routes=[
                Route(f"{prefix}/Messages.json", self._create, methods=["POST"]),
                Route(f"{prefix}/Messages/{{mm}}/Media/{{me}}", self._media_get, methods=["GET"]),
                Route("/cdn/{me}", self._cdn_get, methods=["GET"]),
            ]
        )
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeTwilio:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake Twilio did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    # --- scripting ---------------------------------------------------------------------------

    def enforce_rate(self, per_second: float) -> SlidingWindow:
        """Refuse creates beyond ``per_second`` with error 20429 (HTTP 429), as Twilio does."""
        self.limit = SlidingWindow(per_second)
        return self.limit

    def fail(self, *codes: int) -> None:
        """The next creates fail with these Twilio error codes, one each, in order."""
        with self._lock:
            self._failures.extend(codes)

    def add_media(
        self,
        data: bytes = b"",
        content_type: str = "image/jpeg",
        *,
        size: int | None = None,
        redirect: bool = False,
        declare_length: bool = True,
    ) -> str:
        """A media URL like Twilio's; ``size`` serves that many zero bytes instead of ``data``."""
        me = f"ME{next(self._ids):032d}"
        self._media[me] = _Media(
            data, len(data) if size is None else size, content_type, redirect, declare_length
        )
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages/MM1/Media/{me}"

    def sent_to(self, to: str) -> list[SentMessage]:
        with self._lock:
            return [m for m in self.messages if m.to == to]

    def wait_for_messages(self, to: str, count: int, timeout: float = 10.0) -> list[SentMessage]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.sent_to(to)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages, got {len(found)}: {found}")
            time.sleep(0.02)

    # --- endpoints ---------------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    async def _create(self, request: Request) -> Response:
        if not self._authorised(request):
            return _error(20003, "Authenticate", 401)
        form = await request.form()
        to = str(form.get("To") or "")
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is None and self.limit is not None and not self.limit.allow():
            failure = 20429
        if failure is not None:
            # Twilio's own messages quote the recipient: Netra must never store or log them.
            return _error(
                failure, f"Unable to deliver to {to} (scripted)", ERROR_STATUS.get(failure, 400)
            )
        message = SentMessage(
            to=to,
            from_=str(form.get("From") or ""),
            body=_opt(form.get("Body")),
            content_sid=_opt(form.get("ContentSid")),
            content_variables=_opt(form.get("ContentVariables")),
        )
        with self._lock:
            self.messages.append(message)
        sid = f"SM{next(self._ids):032d}"
        return JSONResponse(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": message.to,
                "from": message.from_,
                "body": message.body,
                "status": "queued",
                "num_media": "0",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
            status_code=201,
        )

    async def _media_get(self, request: Request) -> Response:
        me = request.path_params["me"]
        with self._lock:
            self.media_requests.append(me)
        if not self._authorised(request):
            return _error(20003, "Authenticate", 401)
        media = self._media.get(me)
        if media is None:
            return _error(20404, "Not found", 404)
        if media.redirect:
            return RedirectResponse(f"{self.base_url}/cdn/{me}", status_code=307)
        return _serve(media)

    async def _cdn_get(self, request: Request) -> Response:
        media = self._media.get(request.path_params["me"])
        if media is None:
            return Response(status_code=404)
        return _serve(media)


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _serve(media: _Media) -> Response:
    if media.data:
        body: Iterator[bytes] = iter([media.data])
    else:
        body = _zeros(media.size)
    headers = {"content-length": str(media.size)} if media.declare_length else {}
    return StreamingResponse(body, media_type=media.content_type, headers=headers)


def _zeros(size: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        n = min(chunk, size - sent)
        sent += n
        yield b"\0" * n


def _error(code: int, message: str, status: int) -> Response:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )
