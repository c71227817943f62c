"""One rate budget for all processes: N processes never send N times the rate."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from storage import ratebudget
from storage.db import make_engine, run_in_transaction

T0 = datetime(2024, 11, 20, 8, 0, tzinfo=UTC)


def _take(engine, want: int, now: datetime, rate: float = 30, burst: float = 30):  # type: ignore[no-untyped-def]
    return run_in_transaction(
        engine,
        lambda s: ratebudget.take(
            s, name="telegram:bulk", want=want, rate=rate, burst=burst, now=now
        ),
    )


def test_a_new_budget_grants_its_burst_then_asks_to_wait(db_url: str) -> None:
    engine = make_engine(db_url)
    first = _take(engine, 50, T0)
    assert first.granted == 30
    assert first.retry_in > 0
    second = _take(engine, 5, T0)
    assert second.granted == 0
    assert abs(second.retry_in - 1 / 30) < 1e-6
    engine.dispose()


def test_tokens_come_back_at_the_configured_rate_and_never_beyond_the_burst(db_url: str) -> None:
    engine = make_engine(db_url)
    _take(engine, 30, T0)
    assert _take(engine, 100, T0 + timedelta(seconds=0.5)).granted == 15
    assert _take(engine, 100, T0 + timedelta(hours=1)).granted == 30
    engine.dispose()


def test_a_429_pause_makes_every_caller_wait_its_retry_after(db_url: str) -> None:
    engine = make_engine(db_url)
    run_in_transaction(
        engine,
        lambda s: ratebudget.pause(s, name="telegram:bulk", seconds=2, rate=30, burst=30, now=T0),
    )
    assert _take(engine, 10, T0 + timedelta(seconds=1.9)).granted == 0
    assert _take(engine, 10, T0 + timedelta(seconds=2.5)).granted == 10
    engine.dispose()


def test_concurrent_takers_together_stay_within_rate(db_url: str) -> None:
    """Four workers with their own connections, as four processes would be, share one rate."""
    rate, burst, seconds = 50.0, 10.0, 1.0
    granted: list[int] = []
    lock = threading.Lock()
    engines = [make_engine(db_url) for _ in range(4)]
    start = time.monotonic()

    def worker(engine) -> None:  # type: ignore[no-untyped-def]
        while time.monotonic() - start < seconds:
            grant = _take(engine, 3, datetime.now(UTC), rate=rate, burst=burst)
            with lock:
                granted.append(grant.granted)
            time.sleep(0.005)

    threads = [threading.Thread(target=worker, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    total = sum(granted)
    assert total <= burst + rate * elapsed + 1
    assert total > 0
    for engine in engines:
        engine.dispose()


def test_budgets_are_independent(db_url: str) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        a = ratebudget.take(session, name="telegram:bulk", want=30, rate=30, burst=30, now=T0)
        b = ratebudget.take(session, name="whatsapp:bulk", want=10, rate=10, burst=10, now=T0)
        session.commit()
    assert (a.granted, b.granted) == (30, 10)
    engine.dispose()
