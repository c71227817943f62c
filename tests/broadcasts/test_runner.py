"""Broadcast sending against the fake Bot API and fake Twilio, both enforcing their rate limits."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlmodel import select

from bot.broadcasts import BroadcastRunner
from bot.channels.telegram import RateLimiter, TelegramTransport
from bot.channels.whatsapp import TwilioTransport
from bot.config import Settings
from bot.runtime import Netra, utcnow
from bot.transports import Transport
from storage import broadcasts as store
from storage import outbox
from storage.models import Broadcast, Reporter
from tests.fakes.subscribers import (
    MIDDAY,
    WIB,
    WIT,
    WITA,
    add_admins,
    add_subscribers,
    running_clock,
)
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

OPERATOR = "Bawaslu RI melalui Netra"
BODY_ID = "{operator}: ASN wajib netral. Laporkan pelanggaran dalam {days} hari. {stop}"
BODY_EN = "{operator}: Civil servants must stay neutral. Report within {days} days. {stop}"


@pytest.fixture
def bot_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, twilio: FakeTwilio) -> Settings:
    return settings.model_copy(
        update={
            "telegram_bulk_rate": 30.0,
            "twilio_whatsapp_mps": 10.0,
            "broadcast_rate_share": 0.8,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_whatsapp_from": "whatsapp:+14155238886",
            "twilio_api_base_url": twilio.base_url,
        }
    )


def telegram(fake: FakeBotAPI) -> TelegramTransport:
    # The per-process limiter is generous here: the shared budget is what is under test.
    return TelegramTransport(fake.token, fake.base_url, limiter=RateLimiter(1000, 1000))


def approved(
    netra: Netra,
    *,
    now: datetime = MIDDAY,
    content_sid: str | None = None,
    channels: tuple[str, ...] = ("telegram",),
    regions: tuple[str, ...] = (),
) -> int:
    with netra.session() as session:
        author, approver = add_admins(session)
        broadcast = store.create(
            session,
            officer_id=author,
            title="Pengingat",
            body_id=BODY_ID,
            body_en=BODY_EN,
            deadline=now + timedelta(days=1),
            now=now,
            operator=OPERATOR,
            channels=channels,
            regions=regions,
            whatsapp_content_sid=content_sid,
        )
        rates = {"telegram": 24.0, "whatsapp": 8.0}
        plan = store.plan(
            store.audience_counts(session, broadcast),
            rates,
            deadline=now,
            now=now - timedelta(days=1),
        )
        store.approve(session, broadcast, officer_id=approver, now=now, plan=plan)
        broadcast.planned_start = now  # start at once in tests
        session.add(broadcast)
        session.commit()
        assert broadcast.id is not None
        return broadcast.id


def run_until_done(
    runner: BroadcastRunner, netra: Netra, broadcast_id: int, timeout: float = 30.0
) -> Broadcast:
    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run_forever(stop))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if status(netra, broadcast_id).status == "done":
                break
        stop.set()
        await task
        for transport in runner.transports.values():
            await transport.close()

    asyncio.run(go())
    return status(netra, broadcast_id)


def status(netra: Netra, broadcast_id: int) -> Broadcast:
    with netra.session() as session:
        found = session.get(Broadcast, broadcast_id)
        assert found is not None
        return found


def runner(
    netra: Netra,
    transports: dict[str, Transport],
    clock: Callable[[], datetime] | None = None,
    **kwargs: object,
) -> BroadcastRunner:
    return BroadcastRunner(
        netra.db,
        netra.settings,
        transports,
        clock=clock or running_clock(MIDDAY),
        poll=0.05,
        **kwargs,  # type: ignore[arg-type]
    )


def chats(fake: FakeBotAPI) -> collections.Counter[int]:
    return collections.Counter(int(p["chat_id"]) for p in fake.sent_messages())


def test_every_subscriber_gets_it_once_within_the_platform_rate(netra, bot_api):
    limit = bot_api.enforce_rate(30)
    with netra.session() as session:
        add_subscribers(session, [str(1000 + i) for i in range(60)])
        session.commit()
    broadcast_id = approved(netra)
    started = time.monotonic()
    done = run_until_done(runner(netra, {"telegram": telegram(bot_api)}), netra, broadcast_id)
    elapsed = time.monotonic() - started
    assert done.status == "done" and done.sent == 60 and done.failed == 0
    assert set(chats(bot_api).values()) == {1} and len(chats(bot_api)) == 60
    assert limit.rejected == 0  # never above the platform's limit
    assert elapsed > 60 / 30  # 24/s broadcast share: more than two seconds for 60
    text = bot_api.sent_messages()[0]["text"]
    assert text.startswith(OPERATOR) and text.endswith("Kirim BERHENTI untuk berhenti.")


def test_a_429_storm_waits_and_loses_nothing(netra, bot_api):
    with netra.session() as session:
        add_subscribers(session, [str(2000 + i) for i in range(20)])
        session.commit()
    broadcast_id = approved(netra)
    bot_api.rate_limit(15, retry_after=1)
    done = run_until_done(runner(netra, {"telegram": telegram(bot_api)}), netra, broadcast_id)
    assert done.status == "done" and done.sent == 20
    assert set(chats(bot_api).values()) == {1} and len(chats(bot_api)) == 20
    refused = [c for c in bot_api.attempts("sendMessage") if c.status == 429]
    assert 0 < len(refused) <= 15


def test_blocked_subscribers_are_counted_unreachable(netra, bot_api):
    with netra.session() as session:
        ids = add_subscribers(session, [str(3000 + i) for i in range(10)])
        session.commit()
    bot_api.block(3001)
    bot_api.forget(3002)
    broadcast_id = approved(netra)
    done = run_until_done(runner(netra, {"telegram": telegram(bot_api)}), netra, broadcast_id)
    assert done.sent == 8 and done.unreachable == 2 and done.status == "done"
    with netra.session() as session:
        gone = session.exec(select(Reporter.id).where(Reporter.unreachable)).all()
    assert sorted(gone) == sorted(ids[1:3])


def test_sending_hours_follow_each_subscribers_time_zone(netra, bot_api):
    with netra.session() as session:
        add_subscribers(session, ["4001"], timezone=WIB)
        add_subscribers(session, ["4002"], timezone=WITA)
        add_subscribers(session, ["4003"], timezone=WIT)
        add_subscribers(session, ["4004"], timezone=None)  # unknown region: WIB-safe window
        session.commit()
    # 23:30 UTC: 06:30 WIB (too early), 07:30 WITA, 08:30 WIT.
    early = datetime(2024, 11, 19, 23, 30, tzinfo=MIDDAY.tzinfo)
    broadcast_id = approved(netra, now=early)
    first = runner(netra, {"telegram": telegram(bot_api)}, clock=running_clock(early))
    for _ in range(3):
        asyncio.run(first.run_once())
    assert set(chats(bot_api)) == {4002, 4003}
    # 11:30 UTC: 18:30 WIB, 19:30 WITA, 20:30 WIT (too late); the unknown zone waits for the
    # hours open everywhere, so it got nothing at 23:30 and still gets nothing now.
    late = datetime(2024, 11, 20, 11, 30, tzinfo=MIDDAY.tzinfo)
    second = runner(netra, {"telegram": telegram(bot_api)}, clock=running_clock(late))
    for _ in range(3):
        asyncio.run(second.run_once())
    assert set(chats(bot_api)) == {4001, 4002, 4003}
    next_morning = running_clock(datetime(2024, 11, 21, 2, 0, tzinfo=MIDDAY.tzinfo))
    run_until_done(
        runner(netra, {"telegram": telegram(bot_api)}, next_morning), netra, broadcast_id
    )
    assert set(chats(bot_api)) == {4001, 4002, 4003, 4004}


@pytest.mark.parametrize("content_sid", [None, "HX" + "1" * 32])
def test_whatsapp_outside_the_window_needs_an_approved_template(netra, twilio, content_sid):
    # Twilio's transport checks the window on the real clock: run this one in real time, with
    # sending hours open all day so the test does not depend on when it runs.
    netra.settings = netra.settings.model_copy(
        update={"broadcast_hours_start": 0, "broadcast_hours_end": 24}
    )
    now = utcnow()
    with netra.session() as session:
        add_subscribers(
            session, ["+628111"], channel="whatsapp", last_inbound_at=now - timedelta(hours=1)
        )
        add_subscribers(
            session, ["+628222"], channel="whatsapp", last_inbound_at=now - timedelta(days=3)
        )
        session.commit()
    broadcast_id = approved(netra, now=now, channels=("whatsapp",), content_sid=content_sid)
    transport = TwilioTransport(netra.db, netra.settings)
    done = run_until_done(runner(netra, {"whatsapp": transport}, clock=utcnow), netra, broadcast_id)
    inside = twilio.sent_to("whatsapp:+628111")
    outside = twilio.sent_to("whatsapp:+628222")
    assert len(inside) == 1 and inside[0].body and inside[0].content_sid is None
    if content_sid is None:
        assert outside == [] and done.skipped == 1 and done.sent == 1
        assert done.note is not None and "ContentSid" in done.note
    else:
        assert (
            len(outside) == 1 and outside[0].content_sid == content_sid and outside[0].body is None
        )
        assert done.sent == 2 and done.skipped == 0


def test_nothing_is_sent_before_a_second_admin_approves(netra, bot_api):
    with netra.session() as session:
        add_subscribers(session, ["5001"])
        author, approver = add_admins(session)
        broadcast = store.create(
            session,
            officer_id=author,
            title="x",
            body_id=BODY_ID,
            body_en=BODY_EN,
            deadline=MIDDAY + timedelta(days=1),
            now=MIDDAY,
            operator=OPERATOR,
        )
        plan = store.plan(
            {("telegram", WIB): 1}, {"telegram": 24.0}, deadline=broadcast.deadline, now=MIDDAY
        )
        with pytest.raises(store.BroadcastError, match="second admin"):
            store.approve(session, broadcast, officer_id=author, now=MIDDAY, plan=plan)
        session.commit()
        broadcast_id = broadcast.id
    draft_runner = runner(netra, {"telegram": telegram(bot_api)})
    asyncio.run(draft_runner.run_once())
    assert bot_api.sent_messages() == []
    with netra.session() as session:
        broadcast = session.get(Broadcast, broadcast_id)
        store.approve(session, broadcast, officer_id=approver, now=MIDDAY, plan=plan)
        broadcast.planned_start = MIDDAY
        session.commit()
    run_until_done(runner(netra, {"telegram": telegram(bot_api)}), netra, broadcast_id)
    assert list(chats(bot_api)) == [5001]


def test_conversation_replies_go_first(netra, bot_api):
    with netra.session() as session:
        add_subscribers(session, [str(6000 + i) for i in range(5)])
        reply = outbox.enqueue(
            session,
            transport="telegram",
            address="777",
            payload={"text": "reply", "choices": [], "accepts_media": False},
            now=MIDDAY - timedelta(minutes=1),
        )
        session.commit()
        reply_id = reply.id
    broadcast_id = approved(netra)
    blocked = runner(netra, {"telegram": telegram(bot_api)})
    for _ in range(3):
        asyncio.run(blocked.run_once())
    assert bot_api.sent_messages() == []  # a reply waits: reminders hold back
    with netra.session() as session:
        outbox.mark_all_sent(session, [reply_id], MIDDAY)
        session.commit()
    run_until_done(runner(netra, {"telegram": telegram(bot_api)}), netra, broadcast_id)
    assert len(chats(bot_api)) == 5


def test_two_runners_share_one_rate(netra, bot_api):
    """Two runners with their own database connections (as two processes) stay under the
    platform's limit together: the budget lives in the database."""
    from storage.db import make_engine

    limit = bot_api.enforce_rate(30)
    with netra.session() as session:
        add_subscribers(session, [str(7000 + i) for i in range(72)])
        session.commit()
    broadcast_id = approved(netra)
    other_db = make_engine(netra.settings.effective_database_url)
    clock = running_clock(MIDDAY)
    first = runner(netra, {"telegram": telegram(bot_api)}, clock=clock)
    second = BroadcastRunner(
        other_db, netra.settings, {"telegram": telegram(bot_api)}, clock=clock, poll=0.05
    )

    async def both() -> float:
        stop = asyncio.Event()
        started = time.monotonic()
        tasks = [asyncio.create_task(r.run_forever(stop)) for r in (first, second)]
        while status(netra, broadcast_id).status != "done" and time.monotonic() - started < 30:
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        stop.set()
        await asyncio.gather(*tasks)
        return elapsed

    elapsed = asyncio.run(both())
    other_db.dispose()
    assert set(chats(bot_api).values()) == {1} and len(chats(bot_api)) == 72
    # Two event loops on a loaded machine may jitter a send or two into the next second; two
    # budgets would have sent at twice the rate, far over the limit.
    assert limit.rejected <= 2
    assert elapsed >= 72 / 24 - 1.2  # one 24/s budget (plus its one-second burst), not two
