"""The Telegram webhook's common case, served in front of FastAPI.

Most updates are a reporter's plain private text message. For those, FastAPI's stack (its
middlewares, the router's walk over every dashboard route, ``Request``, the endpoint wrapper)
cost about a tenth of the server's CPU per turn (``bench/chat.py``, py-spy). This plain ASGI
layer reads such an update, checks the secret, runs the turn and answers 200 once the turn is
committed, exactly as the route does. Anything else — another path, a missing or wrong secret
(the route refuses and logs it), a body that is not a plain text update, a body too big to be
one — goes on to FastAPI untouched, its body replayed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from bot.channels.telegram import WEBHOOK_PATH, plain_text_inbound, run_plain, secret_matches
from bot.runtime import Netra

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_SECRET_HEADER = b"x-telegram-bot-api-secret-token"
# A plain text update is at most 4,096 characters of text plus a few fields: far below this.
_PLAIN_MAX_BYTES = 64 * 1024
_OK_HEADERS = [(b"content-length", b"0")]


class TelegramWebhookFastPath:
    """ASGI middleware; install it before the security headers so they still apply."""

    def __init__(self, app: ASGIApp, netra: Netra) -> None:
        self.app = app
        self.netra = netra
        secret = netra.settings.telegram_webhook_secret
        self.expected = secret.get_secret_value() if secret else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != WEBHOOK_PATH
            or scope["method"] != "POST"
            or not secret_matches(self._secret(scope), self.expected)
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more, last = 0, True, None
        while more and size <= _PLAIN_MAX_BYTES:
            last = await receive()
            if last["type"] != "http.request":  # the client went away
                await self.app(scope, _replay(chunks, last, receive), send)
                return
            chunk = last.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = last.get("more_body", False)
        inbound = None
        if not more:
            try:
                inbound = plain_text_inbound(json.loads(b"".join(chunks)))
            except (ValueError, RecursionError):
                inbound = None
        if inbound is None:
            await self.app(scope, _replay(chunks, last if more else None, receive), send)
            return
        await run_plain(self.netra, inbound)
        await send({"type": "http.response.start", "status": 200, "headers": _OK_HEADERS})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    def _secret(scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == _SECRET_HEADER:
                return bytes(value).decode("latin-1")
        return None


def _replay(chunks: list[bytes], pending: Message | None, receive: Receive) -> Receive:
    """A ``receive`` that gives back what was read (as one message), then reads on."""
    body = b"".join(chunks)
    more = pending is not None and (
        pending["type"] != "http.request" or pending.get("more_body", False)
    )
    queue: list[Message] = [{"type": "http.request", "body": body, "more_body": more}]
    if pending is not None and pending["type"] != "http.request":
        queue.append(pending)  # the disconnect comes after the body

    async def replayed() -> Message:
        if queue:
            return queue.pop(0)
        return await receive()

    return replayed
