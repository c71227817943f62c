"""What a channel hands the engine, and what the engine hands back: no platform types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Attachment:
    """A file the reporter sent, already downloaded by the channel adapter."""

    kind: str  # photo | document | video | voice
    content_type: str
    data: bytes
    filename: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One message from a reporter.

    ``address`` is the platform's identifier of the person (chat id, phone number, browser
    token): it is identity, so it is only ever stored encrypted and looked up by blind index.
    ``refused_media`` lets an adapter say a file could not be taken (``too_large``,
    ``unsupported``, or ``unavailable`` when fetching it failed) so the engine answers politely
    in the reporter's language.
    """

    channel: str
    address: str
    text: str | None = None
    attachments: tuple[Attachment, ...] = ()
    location: tuple[float, float] | None = None
    message_id: str | None = None
    profile_name: str | None = None
    refused_media: str | None = None


@dataclass(frozen=True)
class Choice:
    """An answer offered as a button (Telegram, web) or a numbered line (WhatsApp, terminal)."""

    key: str
    label: str


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    accepts_media: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [[c.key, c.label] for c in self.choices],
            "accepts_media": self.accepts_media,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Reply:
        return cls(
            text=str(payload["text"]),
            choices=tuple(Choice(str(k), str(v)) for k, v in payload.get("choices", [])),
            accepts_media=bool(payload.get("accepts_media", False)),
        )


@dataclass
class Outcome:
    """The result of one turn. A duplicate (platform retry) has no replies and no effect."""

    replies: list[Reply] = field(default_factory=list)
    reporter_id: int | None = None
    duplicate: bool = False
    lang: str = "id"
    ticket_code: str | None = None
