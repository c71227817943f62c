"""Sends approved broadcasts at the platforms' bulk rates, after conversation replies.

One batch per channel per round, the channels side by side: reserve up to one second of evenly
spaced send slots on the channel's schedule held in the database (``storage.ratebudget.reserve``:
processes interleave on one schedule, so the rate holds across every ``netra serve``), claim that
many recipients in open sending hours (``claimed``) and commit, then send each at its slot.

The sends run as a background delivery, and the next round claims while the last
``LEAD`` seconds of the batch are still going out. The schedule therefore never runs dry between
batches. Earlier, claiming after the last answer and the results' commit left a gap of tens of
milliseconds a second, which capped the rate at 85-90 %. The delivery marks each
``GROUP_SECONDS`` of recipients ``sending`` just before handing them over and writes the results
of the group before in the same transaction. A kill therefore leaves only the last one or two
groups uncertain (``unknown``), while whatever was only claimed is sent after the lease expires
(see ``storage.broadcasts``).

A 429 holds the shared schedule for ``retry_after`` (every process waits), stops this process's
remaining sends of the moment, and returns those recipients to the queue. A blocked bot or
unknown number marks the subscriber unreachable. Whenever conversation replies wait in the
outbox for a channel, its broadcast batch is skipped: a reporter mid-report never queues behind
reminders.

WhatsApp allows free text only within 24 hours of the person's last message; outside it a
broadcast goes out as its approved template (``ContentSid``) or, without one, is skipped for that
subscriber and counted, so the report says how many WhatsApp subscribers it could not reach.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine as Database
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.runtime import utcnow
from bot.transports import Transport, TransportError
from handlers.types import Reply
from storage import broadcasts as store
from storage import ratebudget
from storage.calendar import effective_calendar
from storage.db import run_in_transaction
from storage.models import Broadcast, OutboxMessage

log = logging.getLogger(__name__)

WHATSAPP_WINDOW = timedelta(hours=23, minutes=50)  # 24 h less a margin for clock and queueing
MAX_ATTEMPTS = 5
# Recipients written per round (None: all in one INSERT … SELECT). One statement measured best:
# 5.7 s for 1,000,000 on SQLite; chunks of 20,000 re-planned the ordered join each time.
MATERIALIZE_CHUNK: int | None = None
RECOVER_EVERY = 60.0  # seconds between looks for a dead process's unfinished claims
REPLY_PAUSE = 0.02  # seconds a broadcast batch waits while conversation replies are queued
# Seconds of late sends that may go out at once after a late wake-up: well within the fifth of
# the platform's rate kept for replies (NETRA_BROADCAST_RATE_SHARE 0.8).
CATCH_UP = 0.02
# Seconds before a batch's last slot at which the next batch is claimed: a round (due
# broadcasts, lock, reply check, reserve, claim: four commits) took up to ~0.2 s at load 10.
LEAD = 0.5
GROUP_SECONDS = 0.2  # sends marked ``sending`` per transaction: what a kill can leave unknown
# Sends awaiting an answer, in seconds of the rate. A platform that stalls for longer gets no
# more until it answers (what queued meanwhile would arrive together). It must stay well above
# the round trip, which to Telegram or Twilio from Indonesia is a few tenths of a second.
IN_FLIGHT_SECONDS = 1.0
MARK_AHEAD = 0.1  # seconds before a batch's first slot at which its first group is marked


def broadcast_rates(settings: Settings) -> dict[str, float]:
    """What each channel may spend on broadcasts: the platform rate times the broadcast share
    (the rest is kept for conversation replies)."""
    share = settings.broadcast_rate_share
    return {
        "telegram": settings.telegram_bulk_rate * share,
        "whatsapp": settings.twilio_whatsapp_mps * share,
        "local": settings.telegram_bulk_rate * share,
    }


@dataclass
class Round:
    """What one round did, for the caller's pacing and for tests."""

    sent: int = 0
    wait: float = 0.0  # seconds until the next token when the budget ran dry
    outcomes: dict[str, int] = field(default_factory=dict)


class BroadcastRunner:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        transports: dict[str, Transport],
        *,
        clock: Callable[[], datetime] = utcnow,
        batch: int | None = None,
        poll: float = 1.0,
    ) -> None:
        self.db = db
        self.settings = settings
        self.transports = transports
        self.clock = clock
        self.poll = poll
        self.rates = broadcast_rates(settings)
        self.batch = batch
        self.hours = (settings.broadcast_hours_start, settings.broadcast_hours_end)
        self._db_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="broadcast")
        self._recovered: dict[int, float] = {}
        self._deliveries: set[asyncio.Task[None]] = set()
        self._held_until: dict[str, float] = {}  # loop time: a 429 stops this process's sends
        self._pace: dict[str, float] = {}  # loop time of this process's next send per channel
        self._in_flight = {
            channel: asyncio.Semaphore(max(1, round(rate * IN_FLIGHT_SECONDS)))
            for channel, rate in self.rates.items()
        }

    def close(self) -> None:
        self._db_threads.shutdown(wait=True)

    async def _db(self, work: Callable[[Session], Any]) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._db_threads, lambda: run_in_transaction(self.db, work)
        )

    # --- rounds --------------------------------------------------------------------------

    async def run_once(self) -> Round:
        """One batch per channel of every due broadcast, its results written before returning."""
        result = await self._round()
        await self.settle()
        return result

    async def settle(self) -> None:
        """Wait for the deliveries still sending (the end of a batch, at most about a second)."""
        while self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)

    async def _round(self) -> Round:
        """Claim one batch per channel and start sending it; return once the next may be
        claimed (``LEAD`` seconds before the batch's last slot)."""
        result = Round()
        now = self.clock()
        ids: list[int] = await self._db(lambda s: [b.id for b in store.due(s, now)])
        for broadcast_id in ids:
            broadcast = await self._db(partial(self._start, broadcast_id=broadcast_id))
            if broadcast is None:
                continue
            channels = [c for c in broadcast.channels.split(",") if c in self.transports]
            claimed = await asyncio.gather(*(self._batch(broadcast, c, result) for c in channels))
            result.sent += sum(claimed)
            if not sum(claimed):  # a round that found recipients is not the last
                await self._db(partial(self._finish_if_done, broadcast_id=broadcast_id))
        return result

    async def run_forever(self, stop: asyncio.Event) -> None:
        try:
            await self._loop(stop)
        finally:
            await self.settle()  # a stopping process finishes and records what it handed over

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                result = await self._round()
            except Exception:  # one bad round must not end broadcasting for good
                log.exception("broadcast round failed")
                result = Round(wait=self.poll)
            if result.sent and not result.wait:
                continue
            pause = min(self.poll, result.wait) if result.wait else self.poll
            try:
                await asyncio.wait_for(stop.wait(), timeout=max(pause, 0.005))
            except TimeoutError:
                pass

    # --- steps ---------------------------------------------------------------------------

    def _start(self, session: Session, broadcast_id: int) -> Broadcast | None:
        """Lock the broadcast, write its recipients once, and recover a dead process's batch."""
        broadcast = session.exec(
            select(Broadcast).where(col(Broadcast.id) == broadcast_id).with_for_update()
        ).first()
        if broadcast is None or broadcast.status not in store.ACTIVE:
            return None
        now = self.clock()
        if not broadcast.materialized:
            calendar = effective_calendar(session, self.settings.election_calendar)
            store.materialize(session, broadcast, MATERIALIZE_CHUNK, calendar=calendar, now=now)
            if broadcast.status != "running":
                broadcast.status = "running"
                broadcast.started_at = now
            session.add(broadcast)
        # A dead process's claims are looked for now and then, not every round: the query
        # walks the broadcast's recipients.
        last = self._recovered.get(broadcast_id)
        if last is not None and time.monotonic() - last < RECOVER_EVERY:
            session.flush()
            session.expunge(broadcast)
            return broadcast
        self._recovered[broadcast_id] = time.monotonic()
        store.release_waiting(session, broadcast_id, now)  # re-vote regions whose date has come
        interrupted = store.recover_interrupted(session, broadcast_id, now)
        if interrupted.requeued or interrupted.unknown:
            log.warning(
                "broadcast %s: a stopped process left %d claimed (queued again) and %d "
                "handed over unconfirmed (counted unknown)",
                broadcast_id,
                interrupted.requeued,
                interrupted.unknown,
            )
        session.flush()
        session.expunge(broadcast)
        return broadcast

    def _finish_if_done(self, session: Session, broadcast_id: int) -> None:
        broadcast = session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.status != "running" or not broadcast.materialized:
            return
        if not store.has_remaining(session, broadcast_id, broadcast.channels.split(",")):
            broadcast.status = "done"
            broadcast.finished_at = self.clock()
            session.add(broadcast)

    def _replies_waiting(self, session: Session, channel: str, now: datetime) -> bool:
        return (
            session.exec(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.transport == channel,
                    OutboxMessage.status == "pending",
                    col(OutboxMessage.next_attempt_at) <= now,
                )
                .limit(1)
            ).first()
            is not None
        )

    def _claim(
        self, session: Session, broadcast: Broadcast, channel: str
    ) -> tuple[list[Any], float, datetime]:
        now = self.clock()
        zones = store.open_zones(now, *self.hours)
        if not zones:
            return [], self.poll, now
        if self._replies_waiting(session, channel, now):
            return [], REPLY_PAUSE, now  # replies leave within milliseconds: look again soon
        rate = self.rates.get(channel, 1.0)
        want = self.batch or max(1, int(rate))  # one second's worth, paced over that second
        slots = ratebudget.reserve(
            session, name=f"{channel}:broadcast", want=want, rate=rate, now=now, horizon=1 + LEAD
        )
        session.commit()  # release the schedule row at once: other processes reserve too
        claimed = store.claim(session, broadcast.id or 0, channel, zones, slots.granted, now)
        if not claimed:
            # Nothing reserved (another process holds the next second) or nobody left here.
            return [], (0.2 if slots.granted == 0 else self.poll), now
        # Slots of recipients not found are simply not used (a short gap, never a burst).
        return claimed, 0.0, slots.start

    async def _batch(self, broadcast: Broadcast, channel: str, result: Round) -> int:
        """Claim a batch and start its delivery; return the number claimed once the next batch
        may be claimed (``LEAD`` before this one's last slot)."""
        claimed, wait, first = await self._db(lambda s: self._claim(s, broadcast, channel))
        result.wait = max(result.wait, wait)
        if not claimed:
            return 0
        loop = asyncio.get_running_loop()
        start = loop.time() + (first - self.clock()).total_seconds()  # the reserved first slot
        task = asyncio.create_task(self._deliver(broadcast, channel, claimed, start, result))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)
        last_slot = start + (len(claimed) - 1) / self.rates.get(channel, 1.0)
        ahead = last_slot - LEAD - loop.time()
        if ahead > 0:
            await asyncio.wait({task}, timeout=ahead)
        return len(claimed)

    async def _deliver(
        self,
        broadcast: Broadcast,
        channel: str,
        claimed: list[store.Claimed],
        start: float,
        result: Round,
    ) -> None:
        """Send a claimed batch one slot at a time, a group at a time: each group is marked
        ``sending`` (with the previous group's results) in one commit before it goes out."""
        transport = self.transports[channel]
        rate = self.rates.get(channel, 1.0)
        loop = asyncio.get_running_loop()
        size = max(1, round(rate * GROUP_SECONDS))
        groups = [claimed[i : i + size] for i in range(0, len(claimed), size)]
        finished: list[tuple[store.Claimed, TransportError | str | None]] = []

        def checkpoint(ids: list[int]) -> Callable[[Session], set[int]]:
            done, finished[:] = finished[:], []

            def work(session: Session) -> set[int]:
                self._write(session, broadcast, channel, done, result)
                return store.mark_sending(session, ids, self.clock())

            return work

        in_flight = self._in_flight[channel]

        async def send(item: store.Claimed) -> None:
            try:
                error = await self._send(transport, broadcast, item)
            finally:
                in_flight.release()
            if isinstance(error, TransportError) and error.retry_after is not None:
                held = loop.time() + error.retry_after
                self._held_until[channel] = max(self._held_until.get(channel, 0.0), held)
            finished.append((item, error))

        tasks: list[asyncio.Task[None]] = []
        next_at = max(start, self._pace.get(channel, 0.0))
        # The first group is marked just ahead of its first slot, not when the batch is claimed;
        # each next group while the one before goes out, so no send waits for a commit. What is
        # marked when the process dies (at most two groups) is what a kill leaves unknown.
        ahead = next_at - MARK_AHEAD - loop.time()
        if ahead > 0:
            await asyncio.sleep(ahead)
        marking = asyncio.ensure_future(self._db(checkpoint([i.delivery_id for i in groups[0]])))
        for number, group in enumerate(groups):
            # Rows not moved were taken back after this process stalled past its lease: the
            # process that took them sends them.
            allowed: set[int] = await marking
            if number + 1 < len(groups):
                ids = [i.delivery_id for i in groups[number + 1]]
                marking = asyncio.ensure_future(self._db(checkpoint(ids)))
            for item in (i for i in group if i.delivery_id in allowed):
                # A batch whose reserved start lies ahead of the channel's pace waits for it
                # before taking it. Taken early (the first group is marked ``MARK_AHEAD``
                # before), it moved the pace past the slots still due to the batch before,
                # which then queued behind it: about 0.09 s of every second went unused.
                ahead = next_at - loop.time()
                if next_at > self._pace.get(channel, 0.0) and ahead > 0:
                    await asyncio.sleep(ahead)
                # The slot is taken on the channel's pace before sleeping, so this process's
                # deliveries (a batch's tail and the next one's head) interleave instead of
                # sending at the same moments. A late event loop shifts the rest of the batch
                # instead of firing the overdue sends together: a burst would be answered 429.
                slot = max(next_at, self._pace.get(channel, 0.0), loop.time() - CATCH_UP)
                next_at = self._pace[channel] = slot + 1 / rate
                delay = slot - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                await in_flight.acquire()
                if loop.time() < self._held_until.get(channel, 0.0):
                    # A 429 came back: the platform refuses everything for a while.
                    in_flight.release()
                    finished.append((item, TransportError("held", retry_after=0.0)))
                    continue
                tasks.append(asyncio.create_task(send(item)))
        await asyncio.gather(*tasks)
        await self._db(checkpoint([]))

    def _write(
        self,
        session: Session,
        broadcast: Broadcast,
        channel: str,
        done: list[tuple[store.Claimed, TransportError | str | None]],
        result: Round,
    ) -> None:
        """Record a group's results: sent, skipped, unreachable (and the subscriber marked),
        a transient failure (one more attempt) or a 429 (back in the queue, not an attempt)."""
        outcomes: dict[str, list[int]] = {
            "sent": [],
            "failed": [],
            "unreachable": [],
            "skipped": [],
            "pending": [],
            "requeue": [],  # 429: back in the queue, not an attempt (nothing is lost)
        }
        gone: list[int] = []
        pause = 0.0
        for item, error in done:
            if error is None:
                outcomes["sent"].append(item.delivery_id)
            elif error == "skipped" or (isinstance(error, TransportError) and error.held):
                outcomes["skipped"].append(item.delivery_id)
            elif isinstance(error, TransportError) and error.permanent:
                outcomes["unreachable"].append(item.delivery_id)
                gone.append(item.reporter_id)
            elif isinstance(error, TransportError) and error.retry_after is not None:
                outcomes["requeue"].append(item.delivery_id)
                pause = max(pause, error.retry_after)
            else:
                outcomes["pending"].append(item.delivery_id)
        if not done:
            return
        for name, ids in outcomes.items():
            if ids:
                result.outcomes[name] = result.outcomes.get(name, 0) + len(ids)
        now = self.clock()
        if pause:
            ratebudget.hold(session, name=f"{channel}:broadcast", seconds=pause, now=now)
            result.wait = max(result.wait, pause)
        store.record(session, broadcast.id or 0, outcomes, now=now, unreachable_reporters=gone)
        if outcomes["pending"]:
            store.give_up(session, broadcast.id or 0, channel, MAX_ATTEMPTS, now)
        if outcomes["skipped"] and channel == "whatsapp":
            store.note_whatsapp_skips(session, broadcast.id or 0)

    async def _send(
        self, transport: Transport, broadcast: Broadcast, item: store.Claimed
    ) -> TransportError | str | None:
        text = store.render(
            broadcast.body_en if item.lang == "en" else broadcast.body_id,
            item.lang,
            operator=self.settings.operator_name,
            days=self.settings.reporting_window_days,
        )
        payload: dict[str, Any] = Reply(text).to_payload()
        if item.channel == "whatsapp":
            if self.clock() - item.last_inbound_at >= WHATSAPP_WINDOW:
                if not broadcast.whatsapp_content_sid:
                    return "skipped"
                payload = {"content_sid": broadcast.whatsapp_content_sid}
            else:
                # Checked here, with a margin, from the claimed row: the transport need not look
                # the subscriber up again (a query per message, most of a send's CPU).
                payload["window_checked"] = True
        try:
            await transport.send(item.address, payload)
            return None
        except TransportError as exc:
            return exc
        except Exception as exc:  # an unexpected client error is treated as transient
            log.warning("broadcast transport %s raised %s", transport.name, type(exc).__name__)
            return TransportError(type(exc).__name__)
