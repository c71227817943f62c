"""Delivers the outbox: claim due messages, send them, record each result as soon as it is known.

Runs as a task inside the app (and can run in several processes: claims are leases taken with
conditional UPDATEs). Replies committed by this process's turn batches are handed over at once
(``hand_off``: inserted already leased to this process, so no claim); the claim loop is the
path for everything else, woken when something needs it, and polls as the fallback: a process
killed with replies in hand leaves them leased, and any sender claims them when the lease ends.

Exactly once, as far as a sender can make it: each delivery is recorded moments after it is
made (a recorder task writes whatever has finished, in small batches, and retries the write
through a database outage), so a crash or an outage re-sends at most the messages in flight.
On shutdown (SIGTERM) the sender stops claiming, lets the sends in flight finish and records
them before it returns.

Pacing: a reply to the reporter's own message goes out at once (the transport keeps to the
per-chat pace and a 429's ``retry_after``); bulk rows draw from a token bucket in the database
(``storage.ratebudget``), so ``TELEGRAM_BULK_RATE`` holds however many processes send.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from bot.runtime import Netra, utcnow
from bot.transports import Transport, TransportError
from storage import outbox, ratebudget
from storage.db import run_in_transaction
from storage.models import OutboxMessage, Reporter

log = logging.getLogger(__name__)

# A reporter's rows after one that must be retried were not attempted: given back unchanged.
_NOT_ATTEMPTED = TransportError("not attempted")
Outcome = tuple[OutboxMessage, TransportError | None]
COALESCE = 0.003  # seconds


def bulk_rates(netra: Netra) -> dict[str, float]:
    """Bulk outbox messages per second per transport, shared by every process: the part of
    the platform's rate that broadcasts (their own schedule, ``bot.broadcasts``) leave free,
    so both together stay within the platform's limit."""
    settings = netra.settings
    free = 1.0 - settings.broadcast_rate_share
    return {
        "telegram": max(1.0, settings.telegram_bulk_rate * free),
        "whatsapp": max(1.0, settings.twilio_whatsapp_mps * free),
    }


class OutboxSender:
    def __init__(
        self,
        netra: Netra,
        transports: dict[str, Transport],
        *,
        batch: int = 200,
        poll: float = 1.0,
        rates: dict[str, float] | None = None,
    ) -> None:
        self.netra = netra
        self.transports = transports
        self.batch = batch
        self.poll = poll
        self.rates = bulk_rates(netra) if rates is None else rates
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._done: list[Outcome] = []
        self._done_ready = asyncio.Event()
        self._next_poll = poll
        # Rows handed off by this process's turn batches (``hand_off``) until their result is
        # recorded, and per reporter the send that a newer one must wait for.
        self._handed: set[int] = set()
        self._handed_lock = threading.Lock()
        self._chains: dict[int, asyncio.Task[bool]] = {}
        # Its own threads: under a flood of inbound turns (which fill the default pool) replies
        # must still go out, or every reporter waits longer and sends more.
        self._db_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="outbox")

    def wake(self) -> None:
        self._wake.set()

    # --- hand-off from the turns that committed here -------------------------------------

    def handing(self) -> frozenset[int]:
        """Ids of handed-off rows not yet recorded (any thread may ask)."""
        with self._handed_lock:
            return frozenset(self._handed)

    def hand_off(self, rows: list[OutboxMessage], *, poll: bool) -> None:
        """Send committed rows that were inserted leased to this process, without a claim
        (a turn batch just committed them). Each reporter's rows go after the ones of theirs
        already in flight here; unleased rows (bulk, or given back by ``keep_order``) are the
        poller's, woken for them."""
        groups: dict[int | None, list[OutboxMessage]] = {}
        for m in rows:
            if m.claimed_until is None or m.id is None or m.transport not in self.transports:
                poll = True
            else:
                groups.setdefault(m.reporter_id, []).append(m)
        if poll:
            self.wake()
        for group in groups.values():
            self._launch(self.transports[group[0].transport], group)

    def _launch(self, transport: Transport, group: list[OutboxMessage]) -> None:
        """Send one reporter's rows (claimed or handed off) after their rows in flight here."""
        with self._handed_lock:
            self._handed.update(m.id for m in group if m.id is not None)
        reporter_id = group[0].reporter_id
        before = self._chains.get(reporter_id) if reporter_id is not None else None
        task = asyncio.create_task(self._send_after(before, transport, group))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        if reporter_id is not None:
            self._chains[reporter_id] = task
            task.add_done_callback(partial(self._unchain, reporter_id))

    def _unchain(self, reporter_id: int, task: asyncio.Task[bool]) -> None:
        if self._chains.get(reporter_id) is task:
            del self._chains[reporter_id]

    async def _send_after(
        self, before: asyncio.Task[bool] | None, transport: Transport, group: list[OutboxMessage]
    ) -> bool:
        """``group`` once ``before`` (the reporter's earlier rows) went out; if one of those
        must be retried, these wait with it (given back unsent, claimed later in order)."""
        if before is not None and not await asyncio.shield(before):
            for message in group:
                self._finished(message, _NOT_ATTEMPTED)
            return False
        return await self._send_group(transport, group)

    def close(self) -> None:
        self._db_threads.shutdown(wait=True)

    # --- the loop ------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim, send and record every claimable message once; returns how many were claimed."""
        claimed = await self._dispatch()
        await self._finish_in_flight()
        await self._flush()
        return claimed

    async def run_forever(self, stop: asyncio.Event) -> None:
        recorder = asyncio.create_task(self._record_forever(stop))
        while not stop.is_set():
            # Cleared before the claim, not after: a wake-up that arrives meanwhile must not be
            # lost, or its replies would wait for the next poll.
            self._wake.clear()
            self._next_poll = self.poll
            try:
                await self._dispatch()
            except Exception:  # never let one bad claim stop delivery for everyone
                log.exception("outbox claim failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._next_poll)
            except TimeoutError:
                continue
            # Under load every committed turn wakes us: let a few more commit, then claim them
            # together (one claim per few milliseconds, not one per turn).
            await asyncio.sleep(COALESCE)
        # Shutdown: nothing new is claimed; what is in flight finishes and is recorded.
        await self._finish_in_flight()
        self._done_ready.set()
        await recorder
        await self._flush()

    async def _dispatch(self) -> int:
        loop = asyncio.get_running_loop()
        claimed = 0
        for name, transport in self.transports.items():
            groups = await loop.run_in_executor(self._db_threads, self._claim, name)
            for group in groups:
                claimed += len(group)
                self._launch(transport, group)
        return claimed

    async def _finish_in_flight(self) -> None:
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    # --- claiming ------------------------------------------------------------------------

    def _claim(self, transport: str) -> list[list[OutboxMessage]]:
        """Leases on due rows, bulk ones only as far as the shared budget allows; grouped by
        reporter, in order (one group per row without a reporter)."""

        def work(session: Session) -> list[OutboxMessage]:
            now = utcnow()
            rows = outbox.claim(session, transport=transport, now=now, limit=self.batch)
            rate = self.rates.get(transport)
            bulk = [m for m in rows if not m.reply]
            if not bulk or rate is None:
                return rows
            grant = ratebudget.take(
                session, name=f"{transport}:bulk", want=len(bulk), rate=rate, burst=rate, now=now
            )
            if grant.granted == len(bulk):
                return rows
            self._next_poll = min(self.poll, max(0.05, grant.retry_in))
            refused = {m.id for m in bulk[grant.granted :]}
            # A reporter's rows after a refused one wait with it, so order holds.
            waiting: set[int | None] = set()
            kept: list[OutboxMessage] = []
            for m in rows:
                if m.id in refused or (m.reporter_id is not None and m.reporter_id in waiting):
                    waiting.add(m.reporter_id)
                    outbox.release(session, [m.id] if m.id is not None else [])
                else:
                    kept.append(m)
            return kept

        rows = run_in_transaction(self.netra.db, work)
        groups: dict[Any, list[OutboxMessage]] = {}
        for m in rows:
            key = m.reporter_id if m.reporter_id is not None else ("row", m.id)
            groups.setdefault(key, []).append(m)
        return list(groups.values())

    # --- sending -------------------------------------------------------------------------

    async def _send_group(self, transport: Transport, messages: list[OutboxMessage]) -> bool:
        """One reporter's rows, in order. After one that must be retried or was held, the rest
        wait until its result is recorded (the transport may decide on it, e.g. WhatsApp sends
        one template per window and holds what follows)."""
        for i, message in enumerate(messages):
            error = await self._send(transport, message)
            self._finished(message, error)
            if error is not None and not error.permanent:
                for rest in messages[i + 1 :]:
                    self._finished(rest, _NOT_ATTEMPTED)
                return False
        return True

    async def _send(self, transport: Transport, message: OutboxMessage) -> TransportError | None:
        try:
            await transport.send(message.address, message.payload, reply=message.reply)
            return None
        except TransportError as exc:
            return exc
        except (ValueError, TypeError) as exc:  # an address or payload no platform accepts
            # The exception's text may quote the address (``int('…')``): its type only.
            log.warning(
                "transport %s refused outbox %s (%s)",
                transport.name,
                message.id,
                type(exc).__name__,
            )
            return TransportError(type(exc).__name__, permanent=True)
        except Exception as exc:  # an unexpected client error is treated as transient
            log.warning("transport %s raised %s", transport.name, type(exc).__name__)
            return TransportError(type(exc).__name__)

    def _finished(self, message: OutboxMessage, error: TransportError | None) -> None:
        self._done.append((message, error))
        self._done_ready.set()

    # --- recording -----------------------------------------------------------------------

    async def _record_forever(self, stop: asyncio.Event) -> None:
        while not (stop.is_set() and not self._in_flight):
            await self._done_ready.wait()
            self._done_ready.clear()
            await self._flush()

    async def _flush(self) -> None:
        """Record everything finished so far, retrying through a database outage: a delivery
        that is not recorded would be sent again when its lease runs out."""
        loop = asyncio.get_running_loop()
        delay = 0.1
        while self._done:
            batch, self._done = self._done, []
            try:
                await loop.run_in_executor(self._db_threads, self._record, batch)
            except Exception:
                self._done = batch + self._done
                log.warning("outbox: recording %d results failed, retrying", len(batch))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            delay = 0.1
            with self._handed_lock:
                self._handed.difference_update(m.id for m, _ in batch if m.id is not None)
            if any(error is not None for _, error in batch):
                self.wake()  # a reporter's next rows are claimable now

    def _record(self, results: list[Outcome]) -> None:
        rates = self.rates

        def work(session: Session) -> None:
            now = utcnow()
            outbox.mark_all_sent(
                session, [m.id for m, error in results if error is None and m.id is not None], now
            )
            outbox.release(
                session,
                [m.id for m, error in results if error is _NOT_ATTEMPTED and m.id is not None],
            )
            for message, error in results:
                if error is None or error is _NOT_ATTEMPTED:
                    continue
                message = session.merge(message)
                _record_failure(session, message, error, now, rates, self._unreachable)

        run_in_transaction(self.netra.db, work)

    @staticmethod
    def _unreachable(session: Session, reporter_id: int | None) -> None:
        if reporter_id is None:
            return
        reporter = session.get(Reporter, reporter_id)
        if reporter is not None:
            reporter.unreachable = True
            session.add(reporter)


def _record_failure(
    session: Session,
    message: OutboxMessage,
    error: TransportError,
    now: Any,
    rates: dict[str, float],
    unreachable: Callable[[Session, int | None], None],
) -> None:
    if error.held:
        outbox.mark_failed(session, message, str(error), status="held")
        log.info("outbox %s: held (%s)", message.id, error)
    elif error.permanent:
        outbox.mark_failed(session, message, str(error))
        unreachable(session, message.reporter_id)
        log.info("outbox %s: permanent failure, reporter marked unreachable", message.id)
    elif error.retry_after is not None:
        # The platform asked us to wait: not a failure, and bulk waits in every process.
        outbox.mark_retry(
            session,
            message,
            now,
            str(error),
            timedelta(seconds=error.retry_after),
            counted=False,
        )
        rate = rates.get(message.transport)
        if rate is not None and not message.reply and error.retry_after > 0:
            ratebudget.pause(
                session,
                name=f"{message.transport}:bulk",
                seconds=error.retry_after,
                rate=rate,
                burst=rate,
                now=now,
            )
        log.info("outbox %s: rate limited, retry in %.0fs", message.id, error.retry_after)
    elif message.attempts + 1 >= outbox.MAX_ATTEMPTS:
        outbox.mark_failed(session, message, f"gave up after {outbox.MAX_ATTEMPTS}: {error}")
        log.warning("outbox %s: failed %d times, given up", message.id, outbox.MAX_ATTEMPTS)
    else:
        delay = outbox.backoff(message.attempts + 1)
        outbox.mark_retry(session, message, now, str(error), delay)
        log.info("outbox %s: will retry in %.0fs", message.id, delay.total_seconds())
