"""Delivers the outbox: claim due messages, send them, record the result.

Runs as a task inside the app (and can run in several processes: claims are leases taken with
conditional UPDATEs). A webhook that enqueues replies calls ``wake()`` so they go out at once
instead of at the next poll.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlmodel import Session

from bot.runtime import Netra, utcnow
from bot.transports import Transport, TransportError
from storage import outbox
from storage.db import run_in_transaction
from storage.models import OutboxMessage, Reporter

log = logging.getLogger(__name__)


class OutboxSender:
    def __init__(
        self, netra: Netra, transports: dict[str, Transport], *, batch: int = 50, poll: float = 1.0
    ) -> None:
        self.netra = netra
        self.transports = transports
        self.batch = batch
        self.poll = poll
        self._wake = asyncio.Event()
        # Its own threads: under a flood of inbound turns (which fill the default pool) replies
        # must still go out, or every reporter waits longer and sends more.
        self._db_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="outbox")

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._db_threads.shutdown(wait=True)

    async def run_once(self) -> int:
        """Send every claimable message once; returns how many were attempted."""
        attempted = 0
        for name, transport in self.transports.items():
            loop = asyncio.get_running_loop()
            claimed = await loop.run_in_executor(self._db_threads, self._claim, name)
            if not claimed:
                continue
            attempted += len(claimed)
            # Claims hold at most one message per reporter, so these can go out together.
            results = await asyncio.gather(
                *(self._send(transport, m) for m in claimed), return_exceptions=False
            )
            outcome = list(zip(claimed, results, strict=True))
            await loop.run_in_executor(self._db_threads, self._record, outcome)
        return attempted

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Cleared before the batch, not after: a wake-up that arrives while we send must
            # not be lost, or its replies would wait for the next poll.
            self._wake.clear()
            try:
                sent = await self.run_once()
            except Exception:  # never let one bad batch stop delivery for everyone
                log.exception("outbox batch failed")
                sent = 0
            if sent:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll)
            except TimeoutError:
                pass

    def _claim(self, transport: str) -> list[OutboxMessage]:
        return run_in_transaction(
            self.netra.db,
            lambda s: outbox.claim(s, transport=transport, now=utcnow(), limit=self.batch),
        )

    async def _send(self, transport: Transport, message: OutboxMessage) -> TransportError | None:
        try:
            await transport.send(message.address, message.payload)
            return None
        except TransportError as exc:
            return exc
        except Exception as exc:  # an unexpected client error is treated as transient
            log.warning("transport %s raised %s", transport.name, type(exc).__name__)
            return TransportError(type(exc).__name__)

    def _record(self, results: list[tuple[OutboxMessage, TransportError | None]]) -> None:
        def work(session: Session) -> None:
            now = utcnow()
            outbox.mark_all_sent(
                session, [m.id for m, error in results if error is None and m.id is not None], now
            )
            for message, error in results:
                if error is None:
                    continue
                message = session.merge(message)
                if error.held:
                    outbox.mark_failed(session, message, str(error), status="held")
                    log.info("outbox %s: held (%s)", message.id, error)
                elif error.permanent:
                    outbox.mark_failed(session, message, str(error))
                    self._unreachable(session, message.reporter_id)
                    log.info(
                        "outbox %s: permanent failure, reporter marked unreachable", message.id
                    )
                else:
                    delay = (
                        timedelta(seconds=error.retry_after)
                        if error.retry_after is not None
                        else outbox.backoff(message.attempts + 1)
                    )
                    outbox.mark_retry(session, message, now, str(error), delay)
                    log.info("outbox %s: will retry in %.0fs", message.id, delay.total_seconds())

        run_in_transaction(self.netra.db, work)

    @staticmethod
    def _unreachable(session: Session, reporter_id: int | None) -> None:
        if reporter_id is None:
            return
        reporter = session.get(Reporter, reporter_id)
        if reporter is not None:
            reporter.unreachable = True
            session.add(reporter)
