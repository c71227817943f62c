"""python-telegram-bot's ``Bot`` on aiohttp instead of httpx.

Profiled under load, PTB's default ``HTTPXRequest`` took about 30 % of the server's CPU per
conversation turn (httpx and httpcore layers per call, and a failed ``import sniffio`` inside
httpcore on every request). The ``Bot`` stays (its API, its error mapping); only the HTTP client
under it changes: one aiohttp session with a keep-alive pool, the body form-encoded as PTB's own
request class sends it only when files go with it. A body without files goes as one JSON object,
which the Bot API takes for every method except uploads: ``json.dumps`` of PTB's parameters is
one C call (5 µs for a step's message and keyboard), where the form PTB's own class sends
JSON-encodes each field and then ``urlencode``s the text byte by byte in Python (28 µs,
3 % of the server's CPU under load). aiohttp's ``FormData`` was dearer still: a multipart writer
and a uuid4 boundary for every message, a fifth of a broadcast send's CPU.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """A ``telegram.request.BaseRequest`` on one ``aiohttp.ClientSession`` (opened lazily)."""

    __slots__ = ("_pool", "_read", "_connect", "_session")

    def __init__(
        self, *, pool_size: int = 128, read_timeout: float = 10.0, connect_timeout: float = 5.0
    ) -> None:
        self._pool = pool_size
        self._read = read_timeout
        self._connect = connect_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool, ttl_dns_cache=300),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()
        assert self._session is not None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect, sock_read=read, connect=connect
        )
        body: Any = None
        headers: dict[str, str] | None = None
        if request_data is not None and request_data.contains_files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif request_data is not None and (params := request_data.parameters):
            body = json.dumps(params, ensure_ascii=False).encode()
            headers = JSON_HEADERS
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
