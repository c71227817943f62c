"""The interface every outbound channel implements (Telegram, WhatsApp, e-mail)."""

from __future__ import annotations

from typing import Any, Protocol


class TransportError(Exception):
    """A send failed. Only transient errors are retried; permanent ones stop at once.

    ``permanent``: the recipient can never get this message (blocked the bot, opted out, chat
    not found) and the reporter is marked unreachable. ``retry_after``: the platform asked us
    to wait (Telegram 429) — honoured instead of the usual backoff. ``held``: the message may
    not be sent now (WhatsApp's 24-hour window is closed) and is kept with status ``held``,
    neither retried nor failed, until the channel releases it. The message must never
    contain a chat id, phone number or token: it is stored and logged.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        held: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.held = held


class Transport(Protocol):
    """Sends one outbox payload (``Reply.to_payload()`` or a channel-specific dict).

    ``reply``: the message answers the recipient's own message (they set the pace), so a
    channel's own per-chat pacing does not hold it back; anything else is paced.
    """

    name: str

    async def send(self, address: str, payload: dict[str, Any], *, reply: bool = False) -> None: ...

    async def close(self) -> None: ...
