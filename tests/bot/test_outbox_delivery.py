"""The outbox sender against the fake Bot API: replies at once, bulk under one shared budget,
429s honoured without counting as failures, unsendable rows given up, a graceful stop that
records what it sent (nothing sent twice)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.channels.telegram import RateLimiter, TelegramTransport
from bot.runtime import Netra, utcnow
from bot.sender import OutboxSender
from handlers.types import Reply
from storage import outbox
from storage.models import OutboxMessage
from tests.fakes.telegram_api import FakeBotAPI

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def fake() -> Any:
    with FakeBotAPI() as api:
        yield api


def _transport(fake: FakeBotAPI) -> TelegramTransport:
    return TelegramTransport(
        fake.token, fake.base_url, limiter=RateLimiter(chat_per_s=1000, chat_burst=1000)
    )


def _enqueue(netra: Netra, chats: list[int], *, reply: bool, text: str = "halo") -> None:
    with netra.session() as session:
        for chat in chats:
            outbox.enqueue(
                session,
                transport="telegram",
                address=str(chat),
                payload=Reply(f"{text} {chat}").to_payload(),
                now=utcnow(),
                reply=reply,
            )
        session.commit()


def _rows(netra: Netra) -> list[OutboxMessage]:
    with netra.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def _make_due(netra: Netra) -> None:
    """Skip the backoff wait (the clock is real; the test does not sleep for minutes)."""
    with netra.session() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        session.commit()


async def _run_senders(senders: list[OutboxSender], until: Any, limit: float) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run_forever(stop)) for s in senders]
    for s in senders:
        s.wake()
    deadline = time.monotonic() + limit
    while not until() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    for s in senders:
        s.wake()
    await asyncio.gather(*tasks)


def test_replies_go_out_at_once_while_bulk_keeps_one_budget_across_processes(netra, fake):
    """Two senders (as two ``netra serve`` processes) share 10 bulk messages/s; 25 replies to
    25 reporters are not held back by it."""
    bulk_chats = list(range(5000, 5025))
    reply_chats = list(range(6000, 6025))
    _enqueue(netra, bulk_chats, reply=False)
    _enqueue(netra, reply_chats, reply=True)
    rates = {"telegram": 10.0}
    transports = [_transport(fake), _transport(fake)]
    senders = [OutboxSender(netra, {"telegram": t}, rates=rates, poll=0.1) for t in transports]
    started = time.monotonic()

    async def go() -> None:
        await _run_senders(senders, lambda: len(fake.sent_messages()) >= 50, limit=20)
        for t in transports:
            await t.close()

    asyncio.run(go())
    for s in senders:
        s.close()
    calls = fake.calls_to("sendMessage")
    at = {int(c.params["chat_id"]): c.at - started for c in calls}
    assert sorted(at) == sorted(bulk_chats + reply_chats)  # each exactly once
    assert len(calls) == 50
    assert max(at[c] for c in reply_chats) < 1.0
    bulk_times = sorted(at[c] for c in bulk_chats)
    # A full bucket of 10, then 10 per second, whichever sender asks: 25 take at least 1.5 s.
    assert bulk_times[-1] >= 1.4
    for i, t in enumerate(bulk_times):
        assert i + 1 <= 10 + 10 * t + 1


def test_a_429_is_waited_out_and_not_counted_as_a_failure(netra, fake):
    _enqueue(netra, [7001], reply=True)
    fake.rate_limit(count=1, retry_after=1)
    transport = _transport(fake)
    sender = OutboxSender(netra, {"telegram": transport})

    async def go() -> None:
        await sender.run_once()
        (row,) = _rows(netra)
        assert row.status == "pending" and row.attempts == 0
        assert row.next_attempt_at.replace(tzinfo=None) >= (
            utcnow() + timedelta(seconds=0.5)
        ).replace(tzinfo=None)
        assert await sender.run_once() == 0  # not before retry_after
        await asyncio.sleep(1.1)
        await sender.run_once()
        await transport.close()

    asyncio.run(go())
    sender.close()
    (row,) = _rows(netra)
    assert row.status == "sent" and row.attempts == 1
    assert fake.sent_texts(7001) == ["halo 7001"]


def test_a_row_that_always_fails_is_given_up_after_the_attempt_cap(netra, fake):
    _enqueue(netra, [7002], reply=True)
    fake.fail("sendMessage", count=outbox.MAX_ATTEMPTS + 5, status=500)
    transport = _transport(fake)
    sender = OutboxSender(netra, {"telegram": transport})

    async def go() -> None:
        for _ in range(outbox.MAX_ATTEMPTS + 3):
            _make_due(netra)
            await sender.run_once()
        await transport.close()

    asyncio.run(go())
    sender.close()
    (row,) = _rows(netra)
    assert row.status == "failed" and row.attempts == outbox.MAX_ATTEMPTS
    assert len(fake.attempts("sendMessage")) == outbox.MAX_ATTEMPTS


def test_an_address_no_platform_accepts_fails_at_once(netra, fake):
    with netra.session() as session:
        outbox.enqueue(
            session,
            transport="telegram",
            address="not-a-chat",
            payload=Reply("halo").to_payload(),
            now=utcnow(),
        )
        session.commit()
    transport = _transport(fake)
    sender = OutboxSender(netra, {"telegram": transport})

    async def go() -> None:
        await sender.run_once()
        await transport.close()

    asyncio.run(go())
    sender.close()
    (row,) = _rows(netra)
    assert row.status == "failed"


def test_a_two_reply_turn_goes_out_in_one_claim_and_in_order(netra, fake):
    with netra.session() as session:
        from storage.models import Reporter

        now = utcnow()
        reporter = Reporter(
            lookup="telegram:7003",
            channel="telegram",
            address="7003",
            created_at=now,
            last_inbound_at=now,
        )
        session.add(reporter)
        session.flush()
        for text in ("pertama", "kedua", "ketiga"):
            outbox.enqueue(
                session,
                transport="telegram",
                address="7003",
                payload=Reply(text).to_payload(),
                now=now,
                reporter_id=reporter.id,
                reply=True,
            )
        session.commit()
    transport = _transport(fake)
    sender = OutboxSender(netra, {"telegram": transport})

    async def go() -> int:
        claimed = await sender.run_once()
        await transport.close()
        return claimed

    assert asyncio.run(go()) == 3
    sender.close()
    assert fake.sent_texts(7003) == ["pertama", "kedua", "ketiga"]


def test_stopping_lets_sends_in_flight_finish_and_records_them(netra, fake):
    """SIGTERM mid-batch: what went out is recorded as sent, so a restart sends nothing twice."""
    chats = list(range(8000, 8040))
    _enqueue(netra, chats, reply=True)
    fake.delay = 0.3  # a slow platform: the stop arrives while sends are in flight
    transport = _transport(fake)
    sender = OutboxSender(netra, {"telegram": transport})

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run_forever(stop))
        while not fake.attempts("sendMessage"):
            await asyncio.sleep(0.01)
        stop.set()
        sender.wake()
        await task
        await transport.close()

    asyncio.run(go())
    sent_first = len(fake.sent_messages())
    assert sent_first == len(chats)
    assert all(r.status == "sent" for r in _rows(netra))
    fake.delay = 0.0
    second = _transport(fake)
    restarted = OutboxSender(netra, {"telegram": second})

    async def again() -> int:
        claimed = await restarted.run_once()
        await second.close()
        return claimed

    assert asyncio.run(again()) == 0
    sender.close()
    restarted.close()
    assert len(fake.sent_messages()) == len(chats)
