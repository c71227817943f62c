"""Sends approved broadcasts at the platforms' bulk rates, after conversation replies.

One batch per channel per round: take tokens from the channel's database-held budget
(``storage.ratebudget``: the rate holds across every ``netra serve`` process), claim that many
recipients in open sending hours, mark them ``sending`` and commit, send them together, and write
the results. A 429 puts the shared budget in debt for ``retry_after`` (every process waits) and
returns the recipient to the queue; a blocked bot or unknown number marks the subscriber
unreachable. Whenever conversation replies wait in the outbox for a channel, its broadcast batch
is skipped: a reporter mid-report never queues behind reminders.

WhatsApp allows free text only within 24 hours of the person's last message; outside it a
broadcast goes out as its approved template (``ContentSid``) or, without one, is skipped for that
subscriber and counted, so the report says how many WhatsApp subscribers it could not reach.
"""

from __future__ import annotations

import asyncio
import logging
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
from storage.db import run_in_transaction
from storage.models import Broadcast, OutboxMessage

log = logging.getLogger(__name__)

WHATSAPP_WINDOW = timedelta(hours=23, minutes=50)  # 24 h less a margin for clock and queueing
MAX_ATTEMPTS = 5


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
        self.rates = {
            "telegram": settings.telegram_bulk_rate * settings.broadcast_rate_share,
            "whatsapp": settings.twilio_whatsapp_mps * settings.broadcast_rate_share,
            "local": settings.telegram_bulk_rate * settings.broadcast_rate_share,
        }
        self.batch = batch
        self.hours = (settings.broadcast_hours_start, settings.broadcast_hours_end)
        self._db_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="broadcast")

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
            store.materialize(session, broadcast)
            broadcast.status = "running"
            broadcast.started_at = now
            session.add(broadcast)
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
        if broadcast is None or broadcast.status != "running":
            return
        if store.remaining(session, broadcast_id) == 0:
            broadcast.status = "done"
            broadcast.finished_at = self.clock()
            session.add(broadcast)

    @staticmethod
    def _burst(rate: float) -> float:
        """A fifth of a second's worth: a 1-second window never sees more than rate × 1.2,
        which the share (default 0.8) keeps under the platform's limit."""
        return max(1.0, rate / 5)

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
    ) -> tuple[list[Any], float]:
        now = self.clock()
        zones = store.open_zones(now, *self.hours)
        if not zones or self._replies_waiting(session, channel, now):
            return [], self.poll
        rate = self.rates.get(channel, 1.0)
        burst = self._burst(rate)
        want = self.batch or max(1, int(burst))
        grant = ratebudget.take(
            session, name=f"{channel}:bulk", want=want, rate=rate, burst=burst, now=now
        )
        session.commit()  # release the budget row at once: other processes take tokens too
        claimed = store.claim(session, broadcast.id or 0, channel, zones, grant.granted, now)
        # Next round when a whole batch has refilled: fewer, fuller batches, same rate.
        wait = (want - grant.granted) / rate if grant.granted < want else 0.0
        if not claimed:
            return [], max(wait, grant.retry_in) or self.poll
        return claimed, wait

    async def _batch(self, broadcast: Broadcast, channel: str, result: Round) -> int:
        claimed, wait = await self._db(lambda s: self._claim(s, broadcast, channel))
        result.wait = max(result.wait, wait)
        if not claimed:
            return 0
        transport = self.transports[channel]
        errors = await asyncio.gather(*(self._send(transport, broadcast, c) for c in claimed))
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
                rate = self.rates.get(channel, 1.0)
                ratebudget.pause(
                    session,
                    name=f"{channel}:bulk",
                    seconds=pause,
                    rate=rate,
                    burst=self._burst(rate),
                    now=now,
                )
            store.record(session, broadcast.id or 0, outcomes, now=now, unreachable_reporters=gone)
            store.give_up(session, broadcast.id or 0, MAX_ATTEMPTS, now)
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
