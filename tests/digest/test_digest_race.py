"""Two app processes run the digest job at the same moment on one PostgreSQL database: every
office's digest is claimed, and queued, exactly once."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from multiprocessing.synchronize import Barrier

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.config import Settings
from bot.digests import DigestConfig, run_due_digests
from bot.runtime import Netra
from storage.db import make_engine
from storage.models import DigestRun, Office, OutboxMessage
from tests.digest.conftest import at

SEVEN_WIT = at("2024-10-09T22:00:00")


def _process(url: str, settings: Settings, barrier: Barrier, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """One ``netra serve`` process's digest job (keys are inherited through fork)."""
    engine = make_engine(url)
    config = DigestConfig.from_settings(settings)
    barrier.wait(timeout=30)
    try:
        queue.put(run_due_digests(engine, SEVEN_WIT + timedelta(minutes=2), config))
    finally:
        engine.dispose()


def test_two_processes_racing_send_each_digest_once(netra: Netra, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the race is between processes sharing one PostgreSQL database")
    with netra.session() as session:
        wit = [o.code for o in session.exec(select(Office)) if o.timezone == "Asia/Jayapura"]
        for code in wit:
            office = session.get(Office, code)
            assert office is not None
            office.telegram_chat_id = str(-1000 - len(code))
            office.email = f"pp@{code}.bawaslu.test"
            session.add(office)
        session.commit()
    netra.db.dispose()

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    queue: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    workers = [
        context.Process(target=_process, args=(db_url, netra.settings, barrier, queue))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    claimed = [queue.get(timeout=5) for _ in workers]

    assert sum(claimed) == len(wit)  # each office claimed by exactly one of the two
    with netra.session() as session:
        runs = session.exec(select(func.count()).select_from(DigestRun)).one()
        messages = session.exec(
            select(OutboxMessage.transport, func.count()).group_by(OutboxMessage.transport)
        ).all()
    assert runs == 2 * len(wit)  # telegram + email per office
    assert dict(messages) == {"telegram": len(wit), "email": len(wit)}
