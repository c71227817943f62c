"""Group commit: turns that arrive together share one transaction, and one bad turn spoils none.

The batch is run the way the webhooks run it (``TurnBatcher``), on both databases; the poisoned
turn is one whose engine call raises, as a body that can never be handled does.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from bot.runtime import Netra, utcnow
from bot.sender import OutboxSender
from bot.turns import BatchResult, TurnBatcher
from handlers.types import Inbound, Outcome
from storage import outbox
from storage.models import Conversation, InboundMessage, OutboxMessage, Reporter
from tests.bot.test_sender import RecordingTransport

POISON = "poisoned-chat"


def _message(address: str, n: int, text: str = "/mulai") -> Inbound:
    return Inbound(channel="local", address=address, text=text, message_id=f"{address}-{n}")


@contextmanager
def _commits(netra: Netra) -> Iterator[list[int]]:
    seen: list[int] = []

    def on_commit(_conn: Any) -> None:
        seen.append(1)

    event.listen(netra.db, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(netra.db, "commit", on_commit)


@pytest.fixture
def poisoned(netra: Netra, monkeypatch: pytest.MonkeyPatch) -> Netra:
    """Turns of ``POISON`` raise inside the engine, after their reporter was written."""
    real = netra.engine.handle

    def handle(session: Any, message: Inbound, now: Any, **kw: Any) -> Outcome:
        outcome = real(session, message, now, **kw)
        if message.address == POISON:
            raise ValueError("a body no retry will ever make readable")
        return outcome

    monkeypatch.setattr(netra.engine, "handle", handle)
    return netra


def _queued_to(netra: Netra) -> list[str]:
    with netra.session() as session:
        return sorted(m.address for m in session.exec(select(OutboxMessage)))


def test_one_poisoned_turn_leaves_the_rest_of_its_batch_committed(poisoned):
    netra = poisoned
    addresses = ["satu", "dua", POISON, "tiga", "empat"]
    batch = [(_message(a, 1), "local") for a in addresses]
    with _commits(netra) as commits:
        result = netra.batcher.run_batch(batch)
    assert len(commits) == 1, "the four good turns share one commit"
    poison = result.results[2]
    assert isinstance(poison, ValueError), "the poisoned turn's own caller gets its error"
    good = [r for i, r in enumerate(result.results) if i != 2]
    assert all(isinstance(r, Outcome) and r.replies and not r.duplicate for r in good)
    # Nothing of the poisoned turn is stored: no reporter, no dedup mark, no reply queued.
    with netra.session() as session:
        assert len(session.exec(select(Reporter)).all()) == 4
        assert len(session.exec(select(Conversation)).all()) == 4
        assert len(session.exec(select(InboundMessage)).all()) == 4  # stored as keyed hashes
    queued = _queued_to(netra)
    assert POISON not in queued and set(queued) == {"satu", "dua", "tiga", "empat"}


def test_a_retry_of_the_batch_answers_the_committed_turns_once(poisoned, monkeypatch):
    netra = poisoned
    addresses = ["satu", POISON, "dua"]
    netra.batcher.run_batch([(_message(a, 1), "local") for a in addresses])
    before = _queued_to(netra)
    monkeypatch.undo()  # the platform retries every update; the poison is gone now
    again = netra.batcher.run_batch([(_message(a, 1), "local") for a in addresses])
    outcomes = [r for r in again.results if isinstance(r, Outcome)]
    assert [o.duplicate for o in outcomes] == [True, False, True]
    after = _queued_to(netra)
    assert sorted(after) == sorted([*before, *[POISON] * (len(after) - len(before))])
    assert after.count("satu") == before.count("satu"), "no second reply to a committed turn"


def test_a_retry_in_the_same_batch_as_its_original_acts_once(netra):
    """Telegram re-posts an update whose answer was slow: both copies may land in one batch.
    The first is answered, the copy is a duplicate, and an earlier message is not re-run."""
    netra.batcher.run_batch([(_message("tiga", 1), "local")])
    first = _queued_to(netra).count("tiga")
    batch = [
        (_message("tiga", 1), "local"),  # a retry of the message already committed
        (_message("empat", 1), "local"),
        (_message("empat", 1), "local"),  # its twin, in the same batch
    ]
    outcomes = netra.batcher.run_batch(batch).results
    assert [o.duplicate for o in outcomes if isinstance(o, Outcome)] == [True, False, True]
    queued = _queued_to(netra)
    assert queued.count("tiga") == first and queued.count("empat") >= 1
    with netra.session() as session:
        assert len(session.exec(select(InboundMessage)).all()) == 2


def test_two_messages_of_one_reporter_in_one_batch_act_as_if_sent_apart(netra):
    """The batch loads its reporters together; a reporter's second message in the same batch
    must still see what their first one changed, for a known reporter and a new one."""
    steps = ["/mulai", "setuju", "medsos", "Camat Sape"]

    def step_of(address: str) -> str | None:
        with netra.session() as session:
            reporter = session.exec(select(Reporter)).all()
            ids = [r.id for r in reporter if r.address == address]
            return session.get(Conversation, ids[0]).step

    for i, text in enumerate(steps):  # the reference: one message per batch
        netra.batcher.run_batch([(_message("apart", i, text), "local")])
    netra.batcher.run_batch([(_message("known", 0, steps[0]), "local")])
    together = netra.batcher.run_batch(
        [(_message("known", i, text), "local") for i, text in enumerate(steps[1:], 1)]
        + [(_message("new", i, text), "local") for i, text in enumerate(steps)]
    )
    assert all(isinstance(r, Outcome) and not r.duplicate for r in together.results)
    assert not together.poll, "one transaction for the batch, no turn re-run alone"
    assert step_of("apart") is not None
    assert step_of("known") == step_of("new") == step_of("apart")
    assert _queued_to(netra).count("known") == _queued_to(netra).count("apart")


def test_an_opt_out_after_a_cancel_in_the_same_batch_acts_as_if_sent_apart(netra):
    """A batch writes its turns' drafts together at the end; an opt-out decides whether the
    person is forgotten from their draft, so it must see the cancel just before it."""

    def known(address: str) -> bool:
        with netra.session() as session:
            return any(r.address == address for r in session.exec(select(Reporter)))

    for address in ("apart", "together"):
        netra.batcher.run_batch([(_message(address, 0), "local")])  # a draft is open
        assert known(address)
    texts = ["batal", "/berhenti"]
    for i, text in enumerate(texts, 1):
        netra.batcher.run_batch([(_message("apart", i, text), "local")])
    together = netra.batcher.run_batch(
        [(_message("together", i, text), "local") for i, text in enumerate(texts, 1)]
    )
    assert not together.poll, "both turns committed in the batch, none re-run alone"
    assert not known("apart"), "no draft and no report: the opted-out identity is forgotten"
    assert not known("together")


def test_webhooks_arriving_together_each_get_their_own_outcome(netra):
    """Twenty reporters at once, two of them sending twice: every turn acts once, in order."""

    async def flood() -> list[Outcome]:
        turns = [
            netra.process_async(_message(f"r{i}", 1), outbox_transport="local") for i in range(20)
        ]
        # The second message of two reporters, arriving while the first may be in flight.
        turns += [
            netra.process_async(_message(f"r{i}", 2, "1"), outbox_transport="local") for i in (3, 7)
        ]
        return list(await asyncio.gather(*turns))

    with _commits(netra) as commits:
        outcomes = asyncio.run(flood())
    assert all(not o.duplicate and o.replies for o in outcomes)
    assert len(commits) < len(outcomes), "turns that arrived together shared commits"
    with netra.session() as session:
        assert len(session.exec(select(Reporter)).all()) == 20
        assert len(session.exec(select(InboundMessage)).all()) == 22


def test_replies_handed_off_by_a_killed_process_go_out_after_the_lease(netra):
    """A process that committed replies leased to itself and died before sending them: the
    rows are sent by any sender once the lease runs out (nothing is lost on kill -9)."""
    transport = RecordingTransport()
    sender = OutboxSender(netra, {"fake": transport})
    netra.batcher.courier_transports = frozenset({"fake"})
    netra.batcher.courier = sender  # rows are inserted leased; the "process" dies before sending
    netra.batcher.run_batch([(_message("hilang", 1), "fake"), (_message("lagi", 1), "fake")])
    netra.batcher.courier = None
    with netra.session() as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert rows and all(m.claimed_until is not None for m in rows)
    asyncio.run(sender.run_once())
    assert transport.delivered == [], "within the lease, nobody else sends them"
    with netra.session() as session:  # the lease ran out
        for m in session.exec(select(OutboxMessage)).all():
            m.claimed_until = utcnow() - timedelta(seconds=1)
            session.add(m)
        session.commit()
    asyncio.run(OutboxSender(netra, {"fake": transport}).run_once())
    assert sorted(a for a, _ in transport.delivered) == sorted(m.address for m in rows)


def test_a_reply_waits_behind_an_earlier_message_of_the_same_reporter(netra):
    """A reporter with a queued follow-up (not this process's): the new reply is not handed
    off over its head but given back to the claim loop, which sends both in order."""
    netra.process(_message("urut", 1), outbox_transport="fake")
    with netra.session() as session:
        reporter = session.exec(select(Reporter)).one()
        for m in session.exec(select(OutboxMessage)):
            session.delete(m)
        outbox.enqueue(
            session,
            transport="fake",
            address="urut",
            payload={"text": "pertanyaan petugas"},
            now=utcnow() + timedelta(seconds=5),  # waiting for its turn under the budget
            reporter_id=reporter.id,
        )
        session.commit()
    transport = RecordingTransport()
    sender = OutboxSender(netra, {"fake": transport})
    netra.batcher.courier_transports = frozenset({"fake"})
    netra.batcher.courier = sender
    netra.batcher.run_batch([(_message("urut", 2, "1"), "fake")])
    netra.batcher.courier = None
    with netra.session() as session:
        fresh = session.exec(select(OutboxMessage).where(col(OutboxMessage.reply).is_(True))).all()
    assert fresh and all(m.claimed_until is None for m in fresh), "given back, not handed off"


class _GatedBatcher(TurnBatcher):
    """Batches that wait for a gate, so what the webhooks queue meanwhile can be watched."""

    def __init__(self, netra: Netra, threads: ThreadPoolExecutor, max_batch: int) -> None:
        super().__init__(netra, threads, workers=2, max_batch=max_batch)
        self.gate = threading.Event()
        self.started: list[list[str]] = []

    def run_batch(self, batch: list[tuple[Inbound, str | None]]) -> BatchResult:
        self.started.append([m.address for m, _ in batch])
        self.gate.wait(10)
        return BatchResult([Outcome(replies=[]) for _ in batch])


async def _until(condition: Any) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)


def test_a_second_batch_runs_beside_the_first_only_when_more_wait_than_one_takes(netra):
    """Turns that one batch can take wait for it (splitting them would cost each a share of a
    second transaction); a queue longer than a batch starts the second at once."""
    with ThreadPoolExecutor(max_workers=2) as threads:
        batcher = _GatedBatcher(netra, threads, max_batch=3)

        async def scenario() -> list[list[str]]:
            first = asyncio.ensure_future(batcher.submit(_message("a", 1), None))
            await _until(lambda: batcher.started)
            few = [asyncio.ensure_future(batcher.submit(_message(c, 1), None)) for c in "bc"]
            await asyncio.sleep(0.1)
            assert batcher.started == [["a"]], "two waiting turns fit one batch: they wait"
            more = [asyncio.ensure_future(batcher.submit(_message(c, 1), None)) for c in "de"]
            await _until(lambda: len(batcher.started) == 2)
            assert batcher.started == [["a"], ["b", "c", "d"]], "four waiting: a second batch"
            batcher.gate.set()
            await asyncio.gather(first, *few, *more)
            return batcher.started

        assert asyncio.run(scenario()) == [["a"], ["b", "c", "d"], ["e"]]
