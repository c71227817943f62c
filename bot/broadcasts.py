"""Sends approved broadcasts at the platforms' bulk rates, after conversation replies.

One batch per channel per round: reserve up to one second of evenly spaced send slots on the
channel's schedule held in the database (``storage.ratebudget.reserve``: processes interleave on
one schedule, so the rate holds across every ``netra serve``), claim that many recipients in
open sending hours, mark them ``sending`` and commit, send each at its slot, and write the
results. A 429 holds the shared schedule for ``retry_after`` (every process waits) and returns
the recipient to the queue; a blocked bot or unknown number marks the subscriber
unreachable. Whenever conversation replies wait in the outbox for a channel, its broadcast batch
is skipped: a reporter mid-report never queues behind reminders.

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
CATCH_UP = 0.02  # seconds of late sends that may be caught up (more measured 429s at 1M)


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

    def close(self) -> None:
        self._db_threads.shutdown(wait=True)

    async def _db(self, work: Callable[[Session], Any]) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._db_threads, lambda: run_in_transaction(self.db, work)
        )

    # --- rounds --------------------------------------------------------------------------

    async def run_once(self) -> Round:
        """One batch per channel of every due broadcast."""
        result = Round()
        now = self.clock()
        ids: list[int] = await self._db(lambda s: [b.id for b in store.due(s, now)])
        for broadcast_id in ids:
            broadcast = await self._db(lambda s, i=broadcast_id: self._start(s, i))
            if broadcast is None:
                continue
            for channel in broadcast.channels.split(","):
                if channel not in self.transports:
                    continue
                done = await self._batch(broadcast, channel, result)
                result.sent += done
            await self._db(lambda s, i=broadcast_id: self._finish_if_done(s, i))
        return result

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                result = await self.run_once()
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
        if interrupted:
            log.warning(
                "broadcast %s: %d sends interrupted by a restart", broadcast_id, interrupted
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
            session, name=f"{channel}:broadcast", want=want, rate=rate, now=now
        )
        session.commit()  # release the schedule row at once: other processes reserve too
        claimed = store.claim(session, broadcast.id or 0, channel, zones, slots.granted, now)
        if not claimed:
            # Nothing reserved (another process holds the next second) or nobody left here.
            return [], (0.2 if slots.granted == 0 else self.poll), now
        # Slots of recipients not found are simply not used (a short gap, never a burst).
        return claimed, 0.0, slots.start

    async def _batch(self, broadcast: Broadcast, channel: str, result: Round) -> int:
        claimed, wait, first = await self._db(lambda s: self._claim(s, broadcast, channel))
        result.wait = max(result.wait, wait)
        if not claimed:
            return 0
        transport = self.transports[channel]
        rate = self.rates.get(channel, 1.0)
        loop = asyncio.get_running_loop()
        start = loop.time() + (first - self.clock()).total_seconds()  # the reserved first slot

        # One send per slot. A late event loop shifts the rest of the batch instead of firing the
        # overdue sends together: a burst would be answered 429 by the platform.
        tasks = []
        next_at = start
        for item in claimed:
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self._send(transport, broadcast, item)))
            next_at = max(next_at, loop.time() - CATCH_UP) + 1 / rate
        errors = await asyncio.gather(*tasks)
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
        for item, error in zip(claimed, errors, strict=True):
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
        for name, ids in outcomes.items():
            if ids:
                result.outcomes[name] = result.outcomes.get(name, 0) + len(ids)

        def write(session: Session) -> None:
            now = self.clock()
            if pause:
                ratebudget.hold(session, name=f"{channel}:broadcast", seconds=pause, now=now)
            store.record(session, broadcast.id or 0, outcomes, now=now, unreachable_reporters=gone)
            if outcomes["pending"]:
                store.give_up(session, broadcast.id or 0, channel, MAX_ATTEMPTS, now)
            if "skipped" in outcomes and outcomes["skipped"] and channel == "whatsapp":
                store.note_whatsapp_skips(session, broadcast.id or 0)

        await self._db(write)
        if pause:
            result.wait = max(result.wait, pause)
        return len(outcomes["sent"])

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
        if item.channel == "whatsapp" and self.clock() - item.last_inbound_at >= WHATSAPP_WINDOW:
            if not broadcast.whatsapp_content_sid:
                return "skipped"
            payload = {"content_sid": broadcast.whatsapp_content_sid}
        try:
            await transport.send(item.address, payload)
            return None
        except TransportError as exc:
            return exc
        except Exception as exc:  # an unexpected client error is treated as transient
            log.warning("broadcast transport %s raised %s", transport.name, type(exc).__name__)
            return TransportError(type(exc).__name__)
