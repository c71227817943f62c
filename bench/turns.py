"""The turn path alone: CPU per turn of a turn batch, without HTTP or sending.

    python -m bench turns                       # SQLite and PostgreSQL, 32 reporters
    python -m bench turns --db sqlite --reporters 8 --rounds 5

Reporters walk the happy path together, one message each per batch, through
``TurnBatcher.run_batch`` as the webhooks' batches run it (dedup, lock and load, the steps,
conversation save, outbox rows, commit). Printed per database: CPU of the batch thread per
turn (the receipt stock's own thread is not counted, an inline hash is), wall time per turn,
and the SQL statements per batch. ``bench/chat.py`` measures the whole server; this isolates
the part a change to the engine or storage moves, with far less noise.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import create_engine, event

PG_ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _database(kind: str) -> tuple[str, Any]:
    if kind == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='netra-turns-')}/netra.db", lambda: None
    name = f"netra_bench_turns_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return f"{base}/{name}", drop


def run(kind: str, reporters: int, rounds: int) -> None:
    from storage.crypto import generate_key

    url, drop = _database(kind)
    os.environ.update(
        DATABASE_URL=url,
        NETRA_IDENTITY_KEYS=generate_key(),
        NETRA_CONTENT_KEYS=generate_key(),
        NETRA_BLIND_INDEX_KEY=generate_key(),
        NETRA_LOG_LEVEL="WARNING",
    )
    from bot.config import Settings
    from bot.runtime import build
    from handlers.types import Inbound
    from tests.fakes.reporter import HAPPY_PATH

    netra = build(Settings())
    try:
        netra.prepare_database()
        statements: Counter[str] = Counter()
        event.listen(
            netra.db,
            "before_cursor_execute",
            lambda _c, _cur, sql, *_rest: statements.update([" ".join(sql.split()[:3])]),
        )
        sent = 0

        def walk(first_chat: int) -> tuple[int, int]:
            nonlocal sent
            turns = batches = 0
            for text in HAPPY_PATH:
                batch = []
                for r in range(reporters):
                    sent += 1
                    message = Inbound(
                        channel="telegram",
                        address=str(first_chat + r),
                        text=text,
                        message_id=str(sent),
                        profile_name="Pelapor",
                    )
                    batch.append((message, "telegram"))
                results = netra.batcher.run_batch(batch).results
                failed = [r for r in results if isinstance(r, BaseException)]
                if failed:
                    raise RuntimeError(f"a turn failed: {failed[0]!r}")
                turns += len(batch)
                batches += 1
            return turns, batches

        walk(10_000_000)  # warm: caches, compiled statements, a full receipt stock
        time.sleep(1.0)
        statements.clear()
        cpu, wall = time.thread_time(), time.perf_counter()
        turns = batches = 0
        for k in range(rounds):
            t, b = walk(20_000_000 + k * 100_000)
            turns, batches = turns + t, batches + b
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        per_batch = sum(statements.values()) / batches
        print(
            f"{kind:<11}{reporters:>10}{turns:>7}{cpu / turns * 1000:>13.3f}"
            f"{wall / turns * 1000:>13.3f}{per_batch:>16.1f}",
            flush=True,
        )
    finally:
        netra.db.dispose()
        drop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench turns", description=__doc__)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--reporters", type=int, default=32, help="turns per batch")
    parser.add_argument("--rounds", type=int, default=3, help="happy paths per reporter")
    args = parser.parse_args(argv)
    print(
        f"{'database':<11}{'reporters':>10}{'turns':>7}{'cpu ms/turn':>13}"
        f"{'wall ms/turn':>13}{'SQL per batch':>16}"
    )
    for kind in args.db:
        run(kind, args.reporters, args.rounds)


if __name__ == "__main__":
    main()
