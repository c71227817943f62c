"""Group commit: turns that arrive together are run in one database transaction.

A turn's own work is a few milliseconds of Python; its commit is a round trip (PostgreSQL) or a
WAL write under the one write lock (SQLite), and every commit woke the outbox sender for one
more claim. So the webhooks' turns queue here, and a turn thread takes *all* that are waiting
(up to ``max_batch``) as one batch: the turns run one after another in one transaction, one
COMMIT, and only then are their callers told, so every webhook still answers 2xx after its turn
is durable. No timer: a batch is whatever queued while the previous one ran, so a lone turn is
not delayed.

A turn that raises does not poison the batch. The transaction is rolled back and the batch is
run again without that turn (no SAVEPOINT per turn: it cost a tenth of the server's CPU, and
failures are rare); the failed turn is then run alone through ``Netra.process``, which gives it
exactly today's handling: a conflict or transient database error (another worker wrote the same
reporter first, a deadlock) is retried there, and any other error (a poison message) goes back
to its own caller while the others have committed. If the COMMIT itself fails, nothing of the
batch happened: every turn is run alone.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Protocol

from sqlmodel import Session

from handlers.types import Inbound, Outcome
from storage import outbox
from storage.models import OutboxMessage

if TYPE_CHECKING:
    from bot.runtime import Netra

log = logging.getLogger(__name__)

Turn = tuple[Inbound, str | None]  # a message and the outbox transport its replies go to


@dataclass
class _Pending:
    message: Inbound
    transport: str | None
    future: asyncio.Future[Outcome]


@dataclass
class BatchResult:
    """What one batch produced: each turn's outcome or error, and its committed outbox rows
    (those still leased are this process's to send; the others wait for the poller)."""

    results: list[Outcome | BaseException]
    queued: list[OutboxMessage] = field(default_factory=list)
    # A turn ran alone (``Netra.process``): its rows are unleased, the poller must look.
    poll: bool = False


def _settle(future: asyncio.Future[Outcome], result: Outcome | BaseException | None) -> None:
    if future.done():
        return  # the caller went away (client disconnected)
    if isinstance(result, BaseException):
        future.set_exception(result)
    elif result is not None:
        future.set_result(result)


class Courier(Protocol):
    """The outbox sender as the batcher sees it (``bot.sender.OutboxSender``)."""

    def handing(self) -> frozenset[int]: ...

    def hand_off(self, rows: list[OutboxMessage], *, poll: bool) -> None: ...


class TurnBatcher:
    """Queues turns from the event loop and runs them in batches on ``threads``.

    ``workers`` batches may run at once (PostgreSQL: their round trips overlap; SQLite: one
    writer, so the next batch only waits for the lock), a further one only when more turns
    wait than one batch takes (``_start``).
    """

    def __init__(
        self,
        netra: Netra,
        threads: ThreadPoolExecutor,
        *,
        workers: int,
        max_batch: int,
    ) -> None:
        self.netra = netra
        self.threads = threads
        self.workers = workers
        self.max_batch = max_batch
        # Set while the app's outbox sender runs: committed replies go straight to it.
        self.courier: Courier | None = None
        self.courier_transports: frozenset[str] = frozenset()
        self._queue: list[_Pending] = []
        self._running = 0

    async def submit(self, message: Inbound, transport: str | None) -> Outcome:
        """Run one turn in the next batch; returns after its batch committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._queue.append(_Pending(message, transport, future))
        self._start(loop)
        return await future

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        # A further batch beside a running one only when more turns wait than one batch takes:
        # overlapping transactions hide round trips, but splitting what one batch could run
        # costs each turn its share of a second batch's statements and GIL hand-overs.
        while self._queue and (
            self._running == 0
            or (self._running < self.workers and len(self._queue) >= self.max_batch)
        ):
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            self._running += 1
            turns = [(p.message, p.transport) for p in batch]
            task = loop.run_in_executor(self.threads, self.run_batch, turns)
            task.add_done_callback(partial(self._finished, loop, batch))

    def _finished(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[_Pending],
        done: asyncio.Future[BatchResult],
    ) -> None:
        self._running -= 1
        error = done.exception()
        outcome = done.result() if error is None else None
        if outcome is not None and self.courier is not None:
            self.courier.hand_off(outcome.queued, poll=outcome.poll)
        for i, pending in enumerate(batch):
            result = outcome.results[i] if outcome is not None else error
            own = pending.future.get_loop()
            if own is loop:
                _settle(pending.future, result)
            else:  # a caller on another event loop (tests with several clients)
                own.call_soon_threadsafe(_settle, pending.future, result)
        self._start(loop)

    # --- on a turn thread ----------------------------------------------------------------

    def run_batch(self, batch: list[Turn]) -> BatchResult:
        """Run ``batch`` (inbound message, outbox transport) in one transaction, as above."""
        self.netra.engine.receipts.top_up()
        together = list(range(len(batch)))
        alone: list[int] = []
        while together:
            failed, outcome = self._together(batch, together)
            if outcome is not None:
                break
            if failed is None:  # the commit (or the order check) failed: nobody is to blame
                alone += together
                together = []
            else:
                alone.append(failed)
                together.remove(failed)
        else:
            outcome = BatchResult([RuntimeError("not run")] * len(batch))
        for i in sorted(alone):
            outcome.results[i] = self._alone(batch[i])
        outcome.poll = bool(alone)
        return outcome

    def _together(
        self, batch: list[Turn], indexes: list[int]
    ) -> tuple[int | None, BatchResult | None]:
        """One transaction for the turns at ``indexes``: the result, or which turn raised
        (None when the commit itself failed); nothing of a failed attempt is kept."""
        courier = self.courier
        hand_off = outbox.HandOff(self.courier_transports if courier else frozenset())
        results: list[Outcome | BaseException] = [RuntimeError("not run")] * len(batch)
        current: int | None = None
        try:
            with Session(self.netra.db, expire_on_commit=False) as session:
                session.info[outbox.HAND_OFF] = hand_off
                prepared = self.netra.prepare(session, [batch[i][0] for i in indexes])
                for current in indexes:
                    message, transport = batch[current]
                    results[current] = self.netra.turn(
                        session, message, transport, prepared=prepared
                    )
                current = None
                self.netra.finish(session, prepared)
                outbox.write_queued(session)
                if courier is not None:
                    outbox.keep_order(session, hand_off.rows, courier.handing())
                session.commit()
        except Exception as exc:
            log.info("a batch of %d turns failed (%s)", len(indexes), type(exc).__name__)
            return current, None
        return None, BatchResult(results, hand_off.rows)

    def _alone(self, turn: Turn) -> Outcome | BaseException:
        message, transport = turn
        try:
            return self.netra.process(message, outbox_transport=transport)
        except Exception as exc:
            return exc
