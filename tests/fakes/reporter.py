"""A scripted reporter for driving the engine the way a channel adapter would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from bot.runtime import Netra
from handlers.types import Attachment, Inbound, Reply
from storage.db import run_in_transaction

_ids = itertools.count(1)


@dataclass
class ScriptedReporter:
    netra: Netra
    address: str
    channel: str = "local"
    transcript: list[Reply] = field(default_factory=list)

    def send(
        self,
        text: str | None = None,
        *,
        attachments: tuple[Attachment, ...] = (),
        message_id: str | None = None,
        location: tuple[float, float] | None = None,
        at: datetime | None = None,
    ) -> list[Reply]:
        """Send one message; ``at`` runs the turn at another time (idle and expiry tests)."""
        message = Inbound(
            channel=self.channel,
            address=self.address,
            text=text,
            attachments=attachments,
            location=location,
            message_id=message_id or f"m{next(_ids)}",
        )
        if at is None:
            replies = self.netra.process(message).replies
        else:
            replies = run_in_transaction(
                self.netra.db, lambda s: self.netra.engine.handle(s, message, at)
            ).replies
        self.transcript.extend(replies)
        return replies

    def says(self, text: str | None = None, **kwargs: object) -> str:
        """Send and return everything the bot answered, joined: handy for assertions."""
        return "\n".join(r.text for r in self.send(text, **kwargs))  # type: ignore[arg-type]

    @property
    def last(self) -> Reply:
        return self.transcript[-1]

    def draft(self) -> dict[str, object]:
        """The reporter's saved draft, decrypted (what a restart would continue from)."""
        from sqlmodel import select

        from storage.models import Conversation, Reporter

        with self.netra.session() as session:
            reporter = session.exec(
                select(Reporter).where(Reporter.lookup == f"{self.channel}:{self.address}")
            ).one()
            conversation = session.get(Conversation, reporter.id)
            return dict(conversation.state) if conversation else {}

    def step(self) -> str | None:
        from sqlmodel import select

        from storage.models import Conversation, Reporter

        with self.netra.session() as session:
            reporter = session.exec(
                select(Reporter).where(Reporter.lookup == f"{self.channel}:{self.address}")
            ).first()
            if reporter is None:
                return None
            conversation = session.get(Conversation, reporter.id)
            return conversation.step if conversation else None


# Answers that take a reporter from /mulai to a submitted ticket, step by step.
HAPPY_PATH: tuple[str, ...] = (
    "/mulai",
    "setuju",
    "medsos",  # the category, by its key (as a tapped button sends it)
    "Camat Sape, Pemerintah Kabupaten Bima",
    "kabkota",
    "lewati",
    "Kab. Bima",
    "kemarin",
    "sama",
    "Camat hadir di kampanye pasangan calon nomor 2 dan mengajak warga memilihnya.",
    "https://example.org/rekaman",
    "selesai",
    "Dua staf kecamatan",
    "bupati",  # the race
    "PNS",  # employment status
    "melihat langsung",  # how the reporter knows
    "ya",  # witnesses willing
    "Aula Kantor Camat Sape",  # the place
    "kirim",
)
