"""Re-vote (PSU) regions per subscriber: a broadcast tied to a stage reaches each subscriber on
their region's date for that stage; unknown regions follow the national calendar. Sent through
the fake Bot API (rate-limited), each subscriber exactly once."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.runtime import Netra
from storage import broadcasts as store
from storage import calendar as cal
from storage.models import Broadcast, BroadcastDelivery
from tests.broadcasts.test_runner import (
    OPERATOR,
    bot_api,  # noqa: F401  (fixture)
    chats,
    run_until_done,
    runner,
    status,
    telegram,
)
from tests.fakes.subscribers import WIT, WITA, add_admins, add_subscribers, running_clock
from tests.fakes.telegram_api import FakeBotAPI

KEY = "pilkada-2024"
POLLING_MORNING = datetime(2024, 11, 27, 1, 0, tzinfo=UTC)  # 08.00 WIB, 09.00 WITA, 10.00 WIT
PSU_MORNING = POLLING_MORNING + timedelta(days=17)  # Kabupaten Bima votes again on 14 Dec


def _setup(netra: Netra) -> int:
    with netra.session() as session:
        # Kabupaten Bima votes again on 14 Dec; Papua Tengah voted early (a made-up case), so
        # its polling day is over by 27 Nov.
        for region, day in (("52.06", date(2024, 12, 14)), ("94", date(2024, 11, 20))):
            cal.set_override(
                session,
                KEY,
                region,
                day,
                known_region=lambda code: netra.regions.get(code) is not None,
                officer_id=None,
                now=POLLING_MORNING,
            )
        add_subscribers(session, ["501", "502"], timezone=WITA, region_code="52.06")
        add_subscribers(session, ["601"], timezone=WITA, region_code="52.72")  # Kota Bima
        add_subscribers(session, ["602"], timezone=WITA, region_code="52")  # NTB, kab/kota unknown
        add_subscribers(session, ["701"], timezone=None)  # region unknown: national calendar
        add_subscribers(session, ["901"], timezone=WIT, region_code="94.01")
        author, approver = add_admins(session)
        shipped = store.template("pagi_pemungutan")
        assert shipped is not None
        broadcast = store.create(
            session,
            officer_id=author,
            title=shipped.title_id,
            body_id=shipped.text_id,
            body_en=shipped.text_en,
            deadline=POLLING_MORNING + timedelta(hours=4),
            now=POLLING_MORNING - timedelta(days=1),
            operator=OPERATOR,
            channels=("telegram",),
            template_key=shipped.key,
            stage=shipped.stage,
        )
        plan = store.plan(
            store.audience_counts(session, broadcast),
            {"telegram": 24.0},
            deadline=broadcast.deadline,
            now=POLLING_MORNING - timedelta(days=1),
        )
        store.approve(session, broadcast, officer_id=approver, now=POLLING_MORNING, plan=plan)
        broadcast.planned_start = POLLING_MORNING
        session.add(broadcast)
        session.commit()
        assert broadcast.id is not None
        return broadcast.id


def _run_until_sent(netra: Netra, sender, broadcast_id: int, sent: int) -> Broadcast:  # type: ignore[no-untyped-def]
    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run_forever(stop))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and status(netra, broadcast_id).sent < sent:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # a moment more: nothing else may go out
        stop.set()
        await task
        for transport in sender.transports.values():
            await transport.close()

    asyncio.run(go())
    return status(netra, broadcast_id)


def test_a_polling_day_reminder_reaches_a_revote_region_on_its_own_polling_day(
    netra: Netra,
    bot_api: FakeBotAPI,  # noqa: F811
) -> None:
    limit = bot_api.enforce_rate(30)
    broadcast_id = _setup(netra)

    on_the_day = runner(netra, {"telegram": telegram(bot_api)}, running_clock(POLLING_MORNING))
    first = _run_until_sent(netra, on_the_day, broadcast_id, 3)
    # Kota Bima, the province-only and the unknown-region subscriber: on 27 November.
    assert sorted(chats(bot_api)) == [601, 602, 701]
    assert first.status == "running" and first.sent == 3
    # Papua Tengah's polling day was before: "today is polling day" would be false there.
    assert first.skipped == 1 and "already over" in (first.note or "")
    with netra.session() as session:
        count, first_date = store.waiting(session, broadcast_id)
        assert count == 2 and first_date == PSU_MORNING
        progress = store.progress(session, first, POLLING_MORNING + timedelta(minutes=1))
        assert progress.remaining == 2
        # The two waiting recipients cannot go before Bima's re-vote morning: the ETA says so,
        # instead of "a second from now" at the rate so far.
        assert progress.eta is not None and progress.eta >= PSU_MORNING
        assert progress.eta < PSU_MORNING + timedelta(hours=1)
        rows = session.exec(
            select(BroadcastDelivery.status).where(BroadcastDelivery.broadcast_id == broadcast_id)
        ).all()
        assert sorted(rows) == ["sent", "sent", "sent", "skipped", "waiting", "waiting"]

    on_psu_day = runner(netra, {"telegram": telegram(bot_api)}, running_clock(PSU_MORNING))
    done = run_until_done(on_psu_day, netra, broadcast_id)
    assert done.status == "done" and done.sent == 5 and done.skipped == 1
    counted = chats(bot_api)
    assert sorted(counted) == [501, 502, 601, 602, 701] and set(counted.values()) == {1}
    assert limit.rejected == 0
    text = bot_api.sent_messages()[-1]["text"]
    assert text.startswith(OPERATOR) and "Hari ini hari pemungutan suara" in text


def test_a_broadcast_not_tied_to_a_stage_reaches_everyone_at_once(
    netra: Netra,
    bot_api: FakeBotAPI,  # noqa: F811
) -> None:
    broadcast_id = _setup(netra)
    with netra.session() as session:
        broadcast = session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        broadcast.stage = None
        session.add(broadcast)
        session.commit()
    sender = runner(netra, {"telegram": telegram(bot_api)}, running_clock(POLLING_MORNING))
    done = run_until_done(sender, netra, broadcast_id)
    assert done.sent == 6 and sorted(chats(bot_api)) == [501, 502, 601, 602, 701, 901]
