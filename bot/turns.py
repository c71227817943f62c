"""Group commit: turns that arrive together are run in one database transaction.

A turn's own work is a few milliseconds of Python; its commit is a round trip (PostgreSQL) or a
WAL write under the one write lock (SQLite), and every commit woke the outbox sender for one
more claim. So the webhooks' turns queue here, and a turn thread takes *all* that are waiting
(up to ``max_batch``) as one batch: each turn runs in its own SAVEPOINT, then one COMMIT, and
only then are their callers told, so every webhook still answers 2xx after its turn is durable.
No timer: a batch is whatever queued while the previous one ran, so a lone turn is not delayed.

A turn that raises is rolled back to its savepoint and does not poison the batch:
- a conflict or a transient database error (another worker wrote the same reporter first, a
  deadlock) is re-run alone afterwards through ``Netra.process``, which retries as before;
- any other error (a poison message) goes back to its own caller, exactly as if it had run
  alone, while the others commit.
If the COMMIT itself fails, nothing of the batch happened: every turn is re-run alone.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from handlers.types import Inbound, Outcome
from storage import outbox
from storage.db import ConcurrentUpdate
from storage.models import OutboxMessage

if TYPE_CHECKING:
    from bot.runtime import Netra

log = logging.getLogger(__name__)

# Errors after which the turn deserves its own transaction (with run_in_transaction's retries).
_RETRY_ALONE = (IntegrityError, ConcurrentUpdate, StaleDataError, DBAPIError)
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


class Courier(Protocol):
    """The outbox sender as the batcher sees it (``bot.sender.OutboxSender``)."""

    def handing(self) -> frozenset[int]: ...

    def hand_off(self, rows: list[OutboxMessage], *, poll: bool) -> None: ...


class TurnBatcher:
    """Queues turns from the event loop and runs them in batches on ``threads``.

    ``workers`` batches may run at once (PostgreSQL: their round trips overlap; SQLite: one
    writer, so the next batch only waits for the lock).
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
        while self._queue and self._running < self.workers:
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
            if pending.future.done():
                continue  # the caller went away (client disconnected)
            result = outcome.results[i] if outcome is not None else error
            if isinstance(result, BaseException):
                pending.future.set_exception(result)
            elif result is not None:
                pending.future.set_result(result)
        self._start(loop)

    # --- on a turn thread ----------------------------------------------------------------

    def run_batch(self, batch: list[Turn]) -> BatchResult:
        """Run ``batch`` (inbound message, outbox transport) in one transaction, as above."""
        netra = self.netra
        netra.engine.receipts.top_up()
        courier = self.courier
        hand_off = outbox.HandOff(self.courier_transports if courier else frozenset())
        results: list[Outcome | BaseException | None] = [None] * len(batch)
        alone: list[int] = []
        try:
            with Session(netra.db, expire_on_commit=False) as session:
                session.info[outbox.HAND_OFF] = hand_off
                if len(batch) == 1:  # nothing to share: no savepoint round trips
                    results[0] = netra.turn(session, *batch[0])
                else:
                    for i, (message, transport) in enumerate(batch):
                        mark = len(hand_off.rows)
                        try:
                            with session.begin_nested():
                                results[i] = netra.turn(session, message, transport)
                        except _RETRY_ALONE:
                            alone.append(i)
                            del hand_off.rows[mark:]
                        except Exception as exc:  # poison: its savepoint is gone, the rest go on
                            results[i] = exc
                            del hand_off.rows[mark:]
                if courier is not None:
                    outbox.keep_order(session, hand_off.rows, courier.handing())
                session.commit()
        except Exception as exc:
            if len(batch) > 1:
                log.info("a batch of %d turns failed (%s): each alone", len(batch), type(exc))
            return BatchResult([self._alone(p) for p in batch], poll=True)
        for i in alone:
            results[i] = self._alone(batch[i])
        return BatchResult(
            [r if r is not None else RuntimeError("lost") for r in results],
            hand_off.rows,
            poll=bool(alone),
        )

    def _alone(self, turn: Turn) -> Outcome | BaseException:
        message, transport = turn
        try:
            return self.netra.process(message, outbox_transport=transport)
        except Exception as exc:
            return exc
