"""Fault campaigns (run before a release: ``make chaos``).

R1: ``kill -9`` of the server under load, with one process or two on one PostgreSQL. R4: an
outage of a PostgreSQL instance this script starts itself (stopped, then started again), with
the server left running.

    python -m bench chaos                     # R1 on sqlite:1, postgresql:1, postgresql:2; R4
    python -m bench chaos --legs sqlite:1 --reporters 150 --kills 3
    python -m bench chaos --only kill --legs postgresql:2
    python -m bench chaos --only outage --outage-seconds 20

N reporters play the whole report conversation against ``/webhooks/telegram`` while a server
(its own process, as in ``bench.telegram``) is killed with SIGKILL at random moments and
started again on the same port. With two processes, updates reach them like through a load
balancer (each attempt to the next one) and either may be killed. Each reporter retries like
Telegram does: the *same* update (same ``update_id``) until it gets a 2xx.

At each kill the campaign notes the replies in flight: outbox rows leased to a sender and not
yet recorded as sent, read just after the kill. Those the killed process held are the ones sent
again only once their lease ran out (a live process records its own within moments), so at the
end the bound counts the noted rows sent after their lease's end, or never. Only those may reach
a reporter twice. At the end it prints,
per leg: tickets filed against reporters (lost or duplicated tickets), replies missing and
replies received twice (told apart by their text, so one cannot hide the other), the in-flight
bound, and a verdict: 0 lost, 0 duplicated tickets, 0 missing replies, duplicates <= bound.
The exit status is 1 when a verdict fails.

Loopback only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.telegram import (
    HEADERS,
    SECRET,
    Inbox,
    _free_port,
    _keys_env,
    _learn_script,
    _pg_database,
    _wait_healthy,
)
from tests.fakes.telegram_api import FakeBotAPI, message_update

SETTLE_SECONDS = 90.0  # after the load, how long replies may take to drain (leases expire)


@dataclass
class Figures:
    reporters: int = 0
    kills: int = 0
    retries: int = 0
    down: bool = False  # the database is stopped right now (R4)
    ok_while_down: int = 0  # 200s answered while the database was down: must stay 0
    errors_while_down: int = 0
    tickets: int = 0
    missing_replies: int = 0
    duplicate_replies: int = 0
    seconds: float = 0.0
    processes: int = 1
    # Outbox rows leased at each kill (id -> lease end): the killed sender's share of them is
    # what may be sent twice.
    leases: dict[int, datetime] = field(default_factory=dict)
    in_flight: int = 0  # the killed senders' unrecorded rows: the bound on duplicates

    @property
    def lost(self) -> int:
        return max(0, self.reporters - self.tickets)

    @property
    def duplicate_tickets(self) -> int:
        return max(0, self.tickets - self.reporters)

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.duplicate_tickets == 0
            and self.missing_replies == 0
            and self.duplicate_replies <= self.in_flight
        )


class TextInbox(Inbox):
    """Also keeps each chat's reply texts: a duplicate is a text received twice, a missing
    reply a text never received, so one cannot hide the other in a count."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[int, list[str]] = {}

    def on_send(self, chat_id: int, params: dict[str, Any]) -> None:
        self.texts.setdefault(chat_id, []).append(str(params.get("text", "")))
        super().on_send(chat_id, params)


class Server:
    """The app under test in a child process; ``kill`` is SIGKILL, ``start`` reuses the port."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        cmd = [sys.executable, "-m", "bench.telegram", "--serve", "netra", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=out, stderr=out)
        await _wait_healthy(self.url, self.proc)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


async def _retrying_conversation(
    client: httpx.AsyncClient,
    servers: list[Server],
    chat: int,
    script: list[tuple[str, int]],
    figures: Figures,
) -> None:
    """Telegram's delivery: the same update until a 2xx, then the next message. With two
    servers each attempt goes to the next one, as through a load balancer."""
    for answer, _ in script:
        update = message_update(chat, answer)
        for attempt in range(600):
            down = figures.down
            server = servers[(chat + attempt) % len(servers)]
            try:
                response = await client.post(
                    f"{server.url}/webhooks/telegram", json=update, headers=HEADERS
                )
                if response.status_code == 200:
                    if down and figures.down:
                        figures.ok_while_down += 1
                    break
                if down:
                    figures.errors_while_down += 1
            except httpx.HTTPError:
                pass
            figures.retries += 1
            await asyncio.sleep(0.2)
        await asyncio.sleep(random.uniform(0.05, 0.3))  # a person typing


async def _killer(
    servers: list[Server], db_url: str, kills: int, figures: Figures, done: asyncio.Event
) -> None:
    for _ in range(kills):
        try:
            await asyncio.wait_for(done.wait(), random.uniform(2.0, 6.0))
            return
        except TimeoutError:
            pass
        server = random.choice(servers)
        server.kill()
        figures.kills += 1
        figures.leases.update(await asyncio.to_thread(_leased, db_url, datetime.now(UTC)))
        await server.start()


def _leased(db_url: str, at: datetime) -> dict[int, datetime]:
    """Outbox rows a sender had claimed and not recorded (sent or failed) at ``at``: those of
    the killed process, and with two processes also the live one's."""
    from sqlmodel import Session, col, select

    from storage.db import make_engine
    from storage.models import OutboxMessage

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(OutboxMessage.id, OutboxMessage.claimed_until).where(
                    col(OutboxMessage.status) == "pending",
                    col(OutboxMessage.claimed_until).is_not(None),
                    col(OutboxMessage.claimed_until) > at,
                )
            ).all()
            return {i: _utc(until) for i, until in rows if i is not None and until is not None}
    finally:
        engine.dispose()


def _in_flight_at_kills(db_url: str, leases: dict[int, datetime]) -> int:
    """Of the rows leased at a kill, those sent only after their lease ran out: the killed
    sender's (a live sender records its own within moments, long before its lease ends).
    A row never recorded as sent counts too, so this stays an upper bound."""
    from sqlmodel import Session, col, select

    from storage.db import make_engine
    from storage.models import OutboxMessage

    if not leases:
        return 0
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            sent = dict(
                session.exec(
                    select(OutboxMessage.id, OutboxMessage.sent_at).where(
                        col(OutboxMessage.id).in_(list(leases))
                    )
                ).all()
            )
    finally:
        engine.dispose()
    count = 0
    for row_id, until in leases.items():
        sent_at = sent.get(row_id)
        if sent_at is None or _utc(sent_at) >= until:
            count += 1
    return count


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _count_tickets(db_url: str) -> int:
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM ticket")).scalar_one())
    finally:
        engine.dispose()


class Postgres:
    """A throw-away PostgreSQL instance (initdb in a temp dir) this campaign may stop and start.

    As root, the server runs as the ``postgres`` user (it refuses to run as root).
    """

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "pg"
        self.port = _free_port()
        self.sudo = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.sudo, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.dir.mkdir(parents=True)
        if self.sudo:
            shutil.chown(self.dir.parent, "postgres")
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.dir), "-A", "trust", "-U", "postgres")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl", "-D", str(self.dir), "-o", options, "-l", str(self.dir / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir), "-m", "fast", "-w", "stop")


async def _outage(pg: Postgres, seconds: float, figures: Figures, done: asyncio.Event) -> None:
    try:
        await asyncio.wait_for(done.wait(), 4.0)
        return
    except TimeoutError:
        pass
    await asyncio.to_thread(pg.stop)
    figures.down = True
    await asyncio.sleep(seconds)
    await asyncio.to_thread(pg.start)
    figures.down = False


async def run(
    db_url: str,
    reporters: int,
    kills: int,
    log: Path,
    outage: tuple[Postgres, float] | None = None,
    processes: int = 1,
) -> Figures:
    fake = FakeBotAPI()
    inbox = TextInbox()
    fake.on_send = inbox.on_send
    stop = asyncio.Event()
    fake_task = asyncio.create_task(fake.serve(stop))
    env = os.environ | {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "NETRA_LOG_LEVEL": "WARNING",
        "DATABASE_URL": db_url,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    servers = [Server(env, _free_port(), log) for _ in range(processes)]
    figures = Figures(reporters=reporters, processes=processes)
    try:
        for server in servers:  # one after the other: the first one migrates the database
            await server.start()
        limits = httpx.Limits(max_connections=reporters, max_keepalive_connections=reporters)
        async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
            learner = 9_000_000
            client.base_url = httpx.URL(servers[0].url)
            script = await _learn_script(client, inbox, learner)
            chats = [20_000_000 + i for i in range(reporters)]
            done = asyncio.Event()
            if outage is not None:
                killer = asyncio.create_task(_outage(*outage, figures, done))
            else:
                killer = asyncio.create_task(_killer(servers, db_url, kills, figures, done))
            started = time.monotonic()
            await asyncio.gather(
                *(_retrying_conversation(client, servers, c, script, figures) for c in chats)
            )
            done.set()
            await killer
            figures.seconds = time.monotonic() - started
        expected = sum(replies for _, replies in script)
        await _drain(inbox, chats, expected)
        # The learner's own repeats (a prompt asked twice on purpose) are not duplicates.
        learned = inbox.texts.get(learner, [])
        repeats = len(learned) - len(set(learned))
        for chat in chats:
            texts = inbox.texts.get(chat, [])
            distinct = len(set(texts))
            figures.missing_replies += max(0, len(set(learned)) - distinct)
            figures.duplicate_replies += max(0, len(texts) - distinct - repeats)
        figures.tickets = _count_tickets(db_url) - 1  # the learner's own ticket
        figures.in_flight = _in_flight_at_kills(db_url, figures.leases)
    finally:
        for server in servers:
            server.stop()
        stop.set()
        await fake_task
    return figures


async def _drain(inbox: Inbox, chats: list[int], expected: int) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if all(inbox.counts.get(c, 0) >= expected for c in chats):
            await asyncio.sleep(2.0)  # late duplicates, if any, arrive now
            return
        await asyncio.sleep(0.5)


async def main_async(args: argparse.Namespace) -> bool:
    os.environ.update(_keys_env())
    workdir = Path(tempfile.mkdtemp(prefix="netra-chaos-"))
    log = workdir / "servers.log"
    ok = True
    print(f"R1: kill -9 under load, Telegram-like retries (logs: {log})")
    print(
        f"{'db:procs':<14}{'reporters':>10}{'kills':>6}{'tickets':>8}{'lost':>6}{'dup tix':>8}"
        f"{'missing':>8}{'dup replies':>12}{'in flight':>10}{'retries':>8}{'seconds':>8}  verdict"
    )
    if args.only in ("all", "kill"):
        for n, leg in enumerate(args.legs):
            db, _, procs = leg.partition(":")
            processes = int(procs or 1)
            drop = None
            if db == "sqlite":
                if processes != 1:
                    raise SystemExit("SQLite has one writer: one process only")
                db_url = f"sqlite:///{workdir / f'netra-chaos-{n}.db'}"
            else:
                db_url, drop = _pg_database()
            try:
                figures = await run(db_url, args.reporters, args.kills, log, processes=processes)
                ok = _print(f"{db}:{processes}", figures) and ok
            finally:
                if drop is not None:
                    drop()
    if args.only in ("all", "outage"):
        pg = Postgres(workdir)
        pg.init()
        try:
            print(f"R4: PostgreSQL stopped for {args.outage_seconds:.0f}s under load")
            figures = await run(pg.url, args.reporters, 0, log, (pg, args.outage_seconds))
            ok = _print("pg-outage", figures) and figures.ok_while_down == 0 and ok
            print(
                f"answers while the database was down: {figures.errors_while_down} errors, "
                f"{figures.ok_while_down} 200s (must be 0: no 200 without a commit)"
            )
        finally:
            try:
                pg.stop()
            except subprocess.CalledProcessError:
                pass
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return ok


def _print(db: str, f: Figures) -> bool:
    """One row of the table; True when the leg kept its promises."""
    print(
        f"{db:<14}{f.reporters:>10}{f.kills:>6}{f.tickets:>8}{f.lost:>6}{f.duplicate_tickets:>8}"
        f"{f.missing_replies:>8}{f.duplicate_replies:>12}{f.in_flight:>10}{f.retries:>8}"
        f"{f.seconds:>8.1f}  {'ok' if f.ok else 'FAIL'}",
        flush=True,
    )
    return f.ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench chaos", description=__doc__)
    parser.add_argument(
        "--legs",
        nargs="+",
        default=["sqlite:1", "postgresql:1", "postgresql:2"],
        help="database:processes for R1 (two processes need PostgreSQL)",
    )
    parser.add_argument("--reporters", type=int, default=150)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--only", choices=["all", "kill", "outage"], default="all")
    parser.add_argument("--outage-seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    if not asyncio.run(main_async(args)):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
