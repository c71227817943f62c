"""Reminder broadcast benchmark: a million subscribers, a rate-enforcing fake Bot API, and
reporters talking to the bot at the same time.

    python -m bench broadcast                                   # 1,000,000 subscribers, SQLite
    python -m bench broadcast --subscribers 100000 --rate 300 --seconds 30 --db postgresql
    python -m bench broadcast --channel whatsapp --rate 100     # through the fake Twilio

Subscribers are bulk-inserted (encrypted like real ones) before the server starts. The server
under test is ``netra serve``'s app in its own process (uvicorn, one worker): webhook, outbox
sender and broadcast runner, talking to the fake through python-telegram-bot's ``Bot``. The fake
answers 429 to every message beyond ``--rate`` in any one-second window, as Telegram does, so
the benchmark scales Telegram's 30/s up by configuring a higher ``TELEGRAM_BULK_RATE``.

``--channel whatsapp``: the subscribers are on WhatsApp and the broadcast goes through Twilio's
real client to the fake Twilio, which answers 429 (error 20429) beyond ``--rate`` messages a
second (Twilio's MPS, 10 by default, scaled up through ``TWILIO_WHATSAPP_MPS``). Half the
subscribers wrote within 24 hours (free text), half did not (the approved ``ContentSid``
template). The conversation load stays on Telegram.

Two phases of ``--seconds`` each, with the same conversation load (``--talkers`` reporters, each
sending ``/bantuan`` and waiting for the reply): idle (no broadcast), then during the broadcast.
Printed: insert and recipient-writing times, broadcast messages/s in steady state and as a % of
the broadcast's configured rate (platform rate × NETRA_BROADCAST_RATE_SHARE), 429s, the server's
RSS over the run, and conversation-reply p50/p99 idle vs during the broadcast.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.telegram import (
    HEADERS,
    SECRET,
    _free_port,
    _keys_env,
    _pg_database,
    _wait_healthy,
)
from tests.fakes.telegram_api import FakeBotAPI, message_update
from tests.fakes.twilio_api import ACCOUNT_SID as TWILIO_SID
from tests.fakes.twilio_api import AUTH_TOKEN as TWILIO_TOKEN
from tests.fakes.twilio_api import FakeTwilio

BASE_CHAT = 5_000_000_000  # subscribers' chat ids start here; talkers are below
SHARE = 0.8
CONTENT_SID = "HX" + "b" * 32  # the broadcast's approved WhatsApp template


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    failures: int = 0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


class Counter:
    """Replies per talker chat (awaited) and broadcast deliveries (counted with timestamps)."""

    def __init__(self) -> None:
        self.replies: dict[int, int] = {}
        self.broadcast: list[float] = []
        self.waiters: dict[int, tuple[int, asyncio.Future[None]]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    def on_send(self, chat_id: int, params: dict[str, Any]) -> None:
        if chat_id >= BASE_CHAT:
            self.broadcast.append(time.monotonic())
            return
        self.replies[chat_id] = self.replies.get(chat_id, 0) + 1
        waiting = self.waiters.get(chat_id)
        if waiting and self.replies[chat_id] >= waiting[0] and not waiting[1].done():
            waiting[1].set_result(None)

    async def until(self, chat_id: int, total: int, timeout: float = 30.0) -> None:
        if self.replies.get(chat_id, 0) >= total:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters[chat_id] = (total, future)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            self.waiters.pop(chat_id, None)


# --- the server under test (child process) -----------------------------------------------------


def _serve(port: int) -> None:
    import uvicorn

    from bot.app import create_app
    from bot.channels.telegram import RateLimiter, TelegramTransport
    from bot.channels.whatsapp import TwilioTransport, missing_settings
    from bot.config import Settings
    from bot.runtime import build
    from bot.transports import Transport

    settings = Settings()
    netra = build(settings)
    assert settings.telegram_bot_token is not None
    transports: dict[str, Transport] = {
        "telegram": TelegramTransport(
            settings.telegram_bot_token.get_secret_value(),
            settings.telegram_api_base_url,
            limiter=RateLimiter(chat_per_s=1e6, chat_burst=10**6),
        )
    }
    if not missing_settings(settings):
        transports["whatsapp"] = TwilioTransport(netra.db, settings)
    app = create_app(netra, run_jobs=False, transports=transports)
    profile = os.environ.get("BENCH_PROFILE")  # a file for the server's cProfile statistics
    if not profile:
        uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
        return
    import cProfile

    cProfile.runctx(
        "uvicorn.run(app, host='127.0.0.1', port=port, access_log=False, log_level='warning')",
        globals(),
        {"uvicorn": uvicorn, "app": app, "port": port},
        profile,
    )


# --- set-up in the parent ----------------------------------------------------------------------


def _address(channel: str, i: int) -> str:
    return f"+62{BASE_CHAT + i}" if channel == "whatsapp" else str(BASE_CHAT + i)


def _prepare(db_url: str, subscribers: int, channel: str) -> tuple[float, int]:
    """Migrate, bulk-insert subscribers, and create an approved broadcast not yet due."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, text

    from bot.config import Settings
    from bot.runtime import build
    from storage import broadcasts as store
    from storage.models import Reporter, Subscriber
    from tests.fakes.subscribers import add_admins

    netra = build(Settings(DATABASE_URL=db_url, _env_file=None))  # type: ignore[call-arg]
    netra.prepare_database()
    now = datetime.now(UTC)
    started = time.monotonic()
    chunk = 10_000
    with netra.db.begin() as conn:
        for first in range(0, subscribers, chunk):
            ids = range(first + 1, min(subscribers, first + chunk) + 1)
            conn.execute(
                insert(Reporter),
                [
                    {
                        "id": i,
                        "lookup": f"{channel}:{_address(channel, i)}",
                        "channel": channel,
                        "address": _address(channel, i),
                        "lang": "en" if i % 10 == 0 else "id",
                        "created_at": now,
                        # On WhatsApp half are outside the 24-hour window: the template path.
                        "last_inbound_at": now - timedelta(days=3 * (i % 2)),
                        "unreachable": False,
                        "subscribed": True,
                    }
                    for i in ids
                ],
            )
            zones = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", None)
            conn.execute(
                insert(Subscriber),
                [
                    {
                        "reporter_id": i,
                        "channel": channel,
                        "timezone": zones[i % 4],
                        "lang": "en" if i % 10 == 0 else "id",
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('reporter', 'id'), {subscribers + 1})")
            )
    inserted = time.monotonic() - started
    with netra.session() as session:
        author, approver = add_admins(session, now)
        broadcast = store.create(
            session,
            officer_id=author,
            title="bench",
            body_id="{operator}: ASN wajib netral. Laporkan dalam {days} hari. {stop}",
            body_en="{operator}: Civil servants must stay neutral. {stop}",
            deadline=now + timedelta(days=30),
            now=now,
            operator=netra.settings.operator_name,
            channels=(channel,),
            whatsapp_content_sid=CONTENT_SID if channel == "whatsapp" else None,
        )
        plan = store.plan(
            {(channel, None): 1}, {channel: 1.0}, deadline=broadcast.deadline, now=now
        )
        store.approve(session, broadcast, officer_id=approver, now=now, plan=plan)
        broadcast.planned_start = now + timedelta(days=365)  # started by the benchmark
        session.commit()
        assert broadcast.id is not None
        broadcast_id = broadcast.id
    netra.db.dispose()
    return inserted, broadcast_id


def _start_broadcast(db_url: str, broadcast_id: int) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, update

    from storage.models import Broadcast

    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)  # type: ignore[arg-type]
            .values(planned_start=datetime.now(UTC) - timedelta(seconds=1))
        )
    engine.dispose()


def _broadcast_status(db_url: str, broadcast_id: int) -> tuple[str, bool]:
    from sqlalchemy import create_engine, select

    from storage.models import Broadcast

    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        row = conn.execute(
            select(Broadcast.status, Broadcast.materialized).where(Broadcast.id == broadcast_id)  # type: ignore[arg-type]
        ).one()
    engine.dispose()
    return str(row[0]), bool(row[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (to tell a starved server from a slow design)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# --- load --------------------------------------------------------------------------------------


async def _talk(
    client: httpx.AsyncClient, counter: Counter, chat: int, seconds: float, phase: Phase
) -> None:
    expected = counter.replies.get(chat, 0)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            response = await client.post(
                "/webhooks/telegram", json=message_update(chat, "/bantuan"), headers=HEADERS
            )
            if response.status_code != 200:
                phase.failures += 1
                continue
            expected += 1
            await counter.until(chat, expected)
        except (httpx.HTTPError, TimeoutError):
            phase.failures += 1
            expected = counter.replies.get(chat, 0)
            continue
        phase.latencies.append(time.monotonic() - started)
        await asyncio.sleep(1.0)  # a person types: about one message a second each


async def run(args: argparse.Namespace) -> None:
    os.environ.update(_keys_env())
    workdir = Path(tempfile.mkdtemp(prefix="netra-bench-broadcast-"))
    drop = None
    if args.db == "sqlite":
        db_url = f"sqlite:///{workdir / 'netra.db'}"
    else:
        db_url, drop = _pg_database()
    try:
        await _run(args, db_url, workdir)
    finally:
        if drop is not None:
            drop()


async def _run(args: argparse.Namespace, db_url: str, workdir: Path) -> None:
    print(
        f"Broadcast benchmark: {args.subscribers:,} {args.channel} subscribers, {args.db}, fake "
        f"limit {args.rate}/s, broadcast share {SHARE}, {args.talkers} talkers, "
        f"{args.seconds}s phases; load average {_load()}"
    )
    inserted, broadcast_id = _prepare(db_url, args.subscribers, args.channel)
    print(
        f"bulk insert: {inserted:.1f} s ({args.subscribers / inserted:,.0f} subscribers/s)",
        flush=True,
    )
    fake = FakeBotAPI()
    twilio = FakeTwilio()
    whatsapp = args.channel == "whatsapp"
    # The platform under test enforces --rate; the other only carries the conversation.
    limit = twilio.enforce_rate(args.rate) if whatsapp else fake.enforce_rate(args.rate)
    counter = Counter()
    fake.on_send = counter.on_send
    stop = asyncio.Event()
    fake_task = asyncio.create_task(fake.serve(stop))
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_BULK_RATE": str(300 if whatsapp else args.rate),
        "TWILIO_WHATSAPP_MPS": str(args.rate if whatsapp else 10),
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "PUBLIC_BASE_URL": "https://netra.example",  # for inbound signatures; none posted here
        "NETRA_BROADCAST_RATE_SHARE": str(SHARE),
        "NETRA_BROADCAST_HOURS_START": "0",
        "NETRA_BROADCAST_HOURS_END": "24",
        "NETRA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    log = workdir / "server.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.broadcast", "--serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    rss: list[float] = []
    twilio.__enter__()
    try:
        await _wait_healthy(url, proc)
        rss.append(_rss_mb(proc.pid))
        async with httpx.AsyncClient(base_url=url, timeout=60.0) as client:
            talkers = list(range(1, args.talkers + 1))
            idle = Phase()
            await asyncio.gather(*(_talk(client, counter, c, args.seconds, idle) for c in talkers))
            rss.append(_rss_mb(proc.pid))
            _start_broadcast(db_url, broadcast_id)
            started = time.monotonic()
            while True:
                status, materialized = await asyncio.to_thread(
                    _broadcast_status, db_url, broadcast_id
                )
                if status == "running" or time.monotonic() - started > 600:
                    break
                await asyncio.sleep(0.5)
            materialize = time.monotonic() - started
            print(
                f"recipients written (INSERT … SELECT), broadcast running: {materialize:.1f} s",
                flush=True,
            )
            await asyncio.sleep(3)  # ramp-up
            rejected_before = limit.rejected
            twilio_before = len(twilio.messages)
            during = Phase()
            window_start = time.monotonic()
            cpu_start = _cpu_seconds(proc.pid)

            async def sample() -> None:
                while time.monotonic() - window_start < args.seconds:
                    rss.append(_rss_mb(proc.pid))
                    await asyncio.sleep(1)

            await asyncio.gather(
                sample(),
                *(_talk(client, counter, c, args.seconds, during) for c in talkers),
            )
            window_end = time.monotonic()
            cpu = _cpu_seconds(proc.pid) - cpu_start
            load = _load()
            if whatsapp:
                window_messages = twilio.messages[twilio_before:]
                sent = len(window_messages)
                templated = sum(1 for m in window_messages if m.content_sid == CONTENT_SID)
            else:
                sent = sum(1 for t in counter.broadcast if window_start <= t <= window_end)
            _, materialized = await asyncio.to_thread(_broadcast_status, db_url, broadcast_id)
            print(f"all recipients written by the end of the window: {materialized}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        stop.set()
        await fake_task
        twilio.__exit__()
    seconds = window_end - window_start
    rate = sent / seconds
    configured = args.rate * SHARE
    print(
        f"broadcast sent in window: {sent:,} in {seconds:.1f} s = {rate:.1f}/s "
        f"({100 * rate / configured:.1f}% of the broadcast rate {configured:.0f}/s, "
        f"{100 * rate / args.rate:.1f}% of the platform limit {args.rate}/s)"
    )
    if not whatsapp:
        # Per 5 s: a dip at the start only is a one-off (e.g. SQLite folding the recipients'
        # write-ahead log back), a dip throughout is the sending loop.
        steps = [
            sum(1 for t in counter.broadcast if start <= t < start + 5) / 5
            for start in (window_start + 5 * k for k in range(int(seconds // 5)))
        ]
        print("broadcast rate per 5 s: " + " ".join(f"{r:.0f}" for r in steps))
    if whatsapp:
        print(
            f"WhatsApp in the window: {sent - templated:,} free text (inside 24 h), "
            f"{templated:,} as the approved template (ContentSid, outside 24 h)"
        )
    print(
        f"server CPU in the window: {cpu:.1f} s ({100 * cpu / seconds:.0f}% of one CPU, "
        f"{1000 * cpu / max(1, sent):.2f} ms per broadcast message); load average {load}"
    )
    print(
        f"429 answers: {limit.rejected} in total, {limit.rejected - rejected_before} in the window"
    )
    print(
        f"server RSS MB: start {rss[0]:.0f}, after idle {rss[1]:.0f}, "
        f"during min {min(rss[2:]):.0f} max {max(rss[2:]):.0f} last {rss[-1]:.0f}"
    )
    print(
        f"conversation replies idle:   n={len(idle.latencies)} p50 {idle.pct(50):.1f} ms "
        f"p99 {idle.pct(99):.1f} ms, failures {idle.failures}"
    )
    print(
        f"conversation replies during: n={len(during.latencies)} p50 {during.pct(50):.1f} ms "
        f"p99 {during.pct(99):.1f} ms, failures {during.failures} "
        f"(p99 × {during.pct(99) / idle.pct(99):.2f} of idle)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench broadcast", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--channel", choices=["telegram", "whatsapp"], default="telegram")
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--rate", type=int, default=300, help="fake Bot API limit, messages/s")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--talkers", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.port)
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
