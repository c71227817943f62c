"""The outbox sender against a recording transport: order, retries, permanent failures."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import select

from bot.runtime import utcnow
from bot.sender import OutboxSender
from bot.transports import TransportError
from storage import outbox
from storage.models import OutboxMessage, Reporter


class RecordingTransport:
    """A stand-in platform: records what arrives, fails as scripted."""

    name = "fake"

    def __init__(self, failures: list[TransportError] | None = None) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.failures = failures or []

    async def send(self, address: str, payload: dict[str, Any], *, reply: bool = False) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append((address, payload["text"]))

    async def close(self) -> None:
        pass


def _reporter(netra, address: str) -> int:
    with netra.session() as session:
        now = utcnow()
        reporter = Reporter(
            lookup=f"fake:{address}",
            channel="fake",
            address=address,
            created_at=now,
            last_inbound_at=now,
        )
        session.add(reporter)
        session.commit()
        assert reporter.id is not None
        return reporter.id


def _enqueue(netra, reporter_id: int, address: str, texts: list[str]) -> None:
    with netra.session() as session:
        for text in texts:
            outbox.enqueue(
                session,
                transport="fake",
                address=address,
                payload={"text": text},
                now=utcnow(),
                reporter_id=reporter_id,
            )
        session.commit()


def _drain(sender: OutboxSender, rounds: int = 10) -> None:
    for _ in range(rounds):
        asyncio.run(sender.run_once())


def test_messages_to_one_reporter_arrive_in_order(netra):
    rid = _reporter(netra, "chat-1")
    _enqueue(netra, rid, "chat-1", ["satu", "dua", "tiga"])
    transport = RecordingTransport()
    _drain(OutboxSender(netra, {"fake": transport}))
    assert transport.delivered == [("chat-1", "satu"), ("chat-1", "dua"), ("chat-1", "tiga")]


def test_transient_failure_is_retried_not_lost(netra):
    rid = _reporter(netra, "chat-2")
    _enqueue(netra, rid, "chat-2", ["halo"])
    transport = RecordingTransport([TransportError("timeout", retry_after=0)])
    _drain(OutboxSender(netra, {"fake": transport}))
    assert transport.delivered == [("chat-2", "halo")]


def test_permanent_failure_stops_and_marks_reporter_unreachable(netra):
    rid = _reporter(netra, "chat-3")
    _enqueue(netra, rid, "chat-3", ["halo", "lagi"])
    transport = RecordingTransport([TransportError("bot blocked", permanent=True)])
    _drain(OutboxSender(netra, {"fake": transport}))
    with netra.session() as session:
        statuses = [
            m.status for m in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
        assert statuses == ["failed", "sent"]
        assert session.get(Reporter, rid).unreachable
