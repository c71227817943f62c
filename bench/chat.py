"""Conversation throughput: Netra against a textbook PTB bot and a do-nothing ceiling, one run.

    python -m bench chat                                  # 50 and 200 reporters, every bot
    python -m bench chat --reporters 50 --bots ceiling netra-sqlite --seconds 10
    python -m bench chat --bots netra-postgresql netra-postgresql-x2   # two processes, one DB

Every program runs in its own process, so none of them steals the others' event loop:

- the **fake Bot API** (aiohttp): answers ``sendMessage`` like Telegram and streams the chat id
  of every delivered message to the load generator over one loopback TCP connection;
- the **bot under test**, one of: ``ceiling`` (an aiohttp webhook that parses the update and
  sends the turn's replies, nothing else), ``ptb`` (python-telegram-bot's textbook
  ``ConversationHandler`` with ``PicklePersistence``, updates fed from an aiohttp webhook as in
  PTB's custom-webhook example), ``netra-sqlite`` / ``netra-postgresql`` (``create_app`` with
  the production transports and rate limits, nothing lifted), ``netra-postgresql-x2`` (two
  Netra processes on one PostgreSQL, reporters split between them);
- the **load generator** (aiohttp, closed loop): each reporter posts one update, waits for the
  turn's *last* reply to reach the fake, then posts the next. A finished conversation starts
  again in a new chat. It prints its own CPU per message, to show it is not the bottleneck.

Every bot sends the same number of replies per turn as Netra does (learned once from a Netra
conversation), so "turn" means the same work everywhere. Printed per bot and reporter count:
turns/s, p50/p99 latency to the last reply of a turn, server CPU per turn (the bot's processes;
for PostgreSQL also every ``postgres`` process on the machine, which is noisy if others use it),
and the ratios to PTB and to the ceiling. Bots run interleaved (``--rounds``).
``BENCH_LOG_LEVEL=INFO`` lets Netra log at that level into the processes' log (batch
failures, retries), to explain a tail; it is ``WARNING`` otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECRET = "bench-secret"
TOKEN = "123456789:AAFakeTokenForBenchOnly-abcdefghijkl"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
REPLY_TIMEOUT = 30.0  # seconds a reporter waits for one turn's replies
PG_ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
BOTS = ("ceiling", "ptb", "netra-sqlite", "netra-postgresql")
ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def _happy_path() -> tuple[str, ...]:
    from tests.fakes.reporter import HAPPY_PATH

    return HAPPY_PATH


def _message_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """A private-chat text ``Update`` as Telegram posts it."""
    message: dict[str, Any] = {
        "message_id": update_id % 100_000,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Pelapor"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Pelapor", "language_code": "id"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


# --- the fake Bot API (own process) ----------------------------------------------------------


def serve_fake(port: int, sink_port: int) -> None:
    """Answer the Bot API; tell the load generator (``sink_port``) of every delivered message."""
    from aiohttp import web

    bot_user = {"id": 123456789, "is_bot": True, "first_name": "Netra", "username": "NetraBench"}
    state: dict[str, Any] = {"n": 0}

    async def params(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        out: dict[str, Any] = {}
        for key, value in form.items():
            try:
                out[key] = json.loads(value) if isinstance(value, str) else value
            except ValueError:
                out[key] = value
        return out

    async def method(request: web.Request) -> web.Response:
        name = request.match_info["method"]
        p = await params(request)
        result: Any = True
        if name == "getMe":
            result = bot_user
        elif name == "sendMessage":
            state["n"] += 1
            chat_id = int(p.get("chat_id", 0))
            result = {
                "message_id": state["n"],
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": bot_user,
                "text": str(p.get("text", "")),
            }
            state["writer"].write(b"%d\n" % chat_id)
        return web.json_response({"ok": True, "result": result})

    async def main() -> None:
        _, writer = await asyncio.open_connection("127.0.0.1", sink_port)
        state["writer"] = writer
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", method)
        app.router.add_get("/bot{token}/{method}", method)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


# --- the bots under test (own process each) --------------------------------------------------


def _health_routes(app: Any) -> None:
    from aiohttp import web

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)


def serve_ceiling(port: int, api: str, script: list[int]) -> None:
    """Do nothing but answer: parse the update, send the turn's replies, 200."""
    from aiohttp import ClientSession, TCPConnector, web

    async def main() -> None:
        session = ClientSession(connector=TCPConnector(limit=256))
        turns: dict[int, int] = {}
        url = f"{api}/bot{TOKEN}/sendMessage"

        async def hook(request: web.Request) -> web.Response:
            update = await request.json()
            chat = update["message"]["chat"]["id"]
            turn = turns.get(chat, 0)
            turns[chat] = turn + 1
            for _ in range(script[turn % len(script)]):
                async with session.post(url, json={"chat_id": chat, "text": "ok"}) as r:
                    await r.read()
            return web.Response()

        app = web.Application()
        app.router.add_post("/webhooks/telegram", hook)
        _health_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


def serve_ptb(port: int, api: str, script: list[int], workdir: Path) -> None:
    """The textbook python-telegram-bot bot: ConversationHandler, PicklePersistence, defaults.

    Updates come in through an aiohttp webhook that puts them on ``application.update_queue``
    (PTB's custom-webhook example); each state replies with ``reply_text`` and moves on.
    """
    from aiohttp import web
    from telegram import Update
    from telegram.ext import (
        Application,
        CommandHandler,
        ContextTypes,
        ConversationHandler,
        MessageHandler,
        PicklePersistence,
        filters,
    )

    def step(index: int) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Any]:
        async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            assert update.message is not None and context.user_data is not None
            context.user_data[f"answer{index}"] = update.message.text
            for _ in range(script[index]):
                await update.message.reply_text(f"step {index}")
            return ConversationHandler.END if index + 1 == len(script) else index + 1

        return answer

    conversation = ConversationHandler(
        entry_points=[CommandHandler("mulai", step(0))],
        states={
            i: [MessageHandler(filters.TEXT & ~filters.COMMAND, step(i))]
            for i in range(1, len(script))
        },
        fallbacks=[],
        name="report",
        persistent=True,
    )
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{api}/bot")
        .persistence(PicklePersistence(filepath=str(workdir / "ptb.pickle")))
        .updater(None)
        .build()
    )
    application.add_handler(conversation)

    async def main() -> None:
        async def hook(request: web.Request) -> web.Response:
            update = Update.de_json(await request.json(), application.bot)
            await application.update_queue.put(update)
            return web.Response()

        app = web.Application()
        app.router.add_post("/webhooks/telegram", hook)
        _health_routes(app)
        runner = web.AppRunner(app, access_log=None)
        async with application:
            await application.start()
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            await asyncio.Event().wait()

    asyncio.run(main())


def serve_netra(port: int) -> None:
    """Netra as ``netra serve`` runs it: production transports and rate limits, one worker."""
    import uvicorn

    from bot.app import create_app, settle_heap
    from bot.config import Settings
    from bot.runtime import build

    app = create_app(build(Settings()), run_jobs=False)
    settle_heap()
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


# --- the load generator (own process) --------------------------------------------------------


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    turns: int = 0
    failures: int = 0
    seconds: float = 0.0
    loadgen_cpu_ms_per_turn: float = 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def rate(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0


class Inbox:
    """Replies per chat as the fake reports them, awaited by the reporters."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.waiters: dict[int, tuple[int, asyncio.Future[None]]] = {}

    def delivered(self, chat_id: int) -> None:
        count = self.counts[chat_id] = self.counts.get(chat_id, 0) + 1
        waiting = self.waiters.get(chat_id)
        if waiting and count >= waiting[0] and not waiting[1].done():
            waiting[1].set_result(None)

    async def until(self, chat_id: int, total: int, timeout: float) -> None:
        if self.counts.get(chat_id, 0) >= total:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters[chat_id] = (total, future)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            self.waiters.pop(chat_id, None)


async def _sink(inbox: Inbox, port: int, connected: asyncio.Event) -> asyncio.AbstractServer:
    async def on_client(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        connected.set()
        while line := await reader.readline():
            inbox.delivered(int(line))

    return await asyncio.start_server(on_client, "127.0.0.1", port)


async def loadgen(args: argparse.Namespace) -> None:
    """Closed loop for ``--seconds``; prints one JSON line of results (or the learned script)."""
    from aiohttp import ClientSession, TCPConnector

    inbox = Inbox()
    connected = asyncio.Event()
    server = await _sink(inbox, args.sink_port, connected)
    print("ready", flush=True)
    await asyncio.wait_for(connected.wait(), 60)
    # The orchestrator says "go" once the bot under test answers its health check.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    path = _happy_path()
    urls = [f"http://127.0.0.1:{p}/webhooks/telegram" for p in args.targets]
    ids = iter(range(1, 10**9))
    session = ClientSession(connector=TCPConnector(limit=0))
    results = Results()

    async def post(url: str, chat: int, text: str) -> bool:
        body = _message_update(next(ids), chat, text)
        async with session.post(url, json=body, headers=HEADERS) as response:
            await response.read()
            return response.status == 200

    if args.learn:
        chat, script = 9_000_000, []
        for text in path:
            before = inbox.counts.get(chat, 0)
            await post(urls[0], chat, text)
            await inbox.until(chat, before + 1, REPLY_TIMEOUT)
            await asyncio.sleep(1.5)  # any further reply of this turn (and the 1/s chat limit)
            script.append(inbox.counts.get(chat, 0) - before)
        print(json.dumps({"script": script}), flush=True)
        await session.close()
        return

    script: list[int] = json.loads(args.script)
    slow: list[tuple[float, int]] = []
    deadline = time.monotonic() + args.seconds

    async def reporter(index: int) -> None:
        url = urls[index % len(urls)]
        conversation = 0
        while time.monotonic() < deadline:
            chat = 10_000_000 + index * 10_000 + conversation
            conversation += 1
            expected = 0
            for text, replies in zip(path, script, strict=True):
                expected += replies
                started = time.monotonic()
                try:
                    if not await post(url, chat, text):
                        results.failures += 1
                        return
                    await inbox.until(chat, expected, REPLY_TIMEOUT)
                except (OSError, TimeoutError):
                    results.failures += 1
                    return
                done = time.monotonic()
                if done > deadline:
                    return
                results.latencies.append(done - started)
                results.turns += 1
                slow.append((done - started, len(slow) and path.index(text)))

    cpu = time.process_time()
    started = time.monotonic()
    await asyncio.gather(*(reporter(i) for i in range(args.reporters[0])))
    results.seconds = min(time.monotonic(), deadline) - started
    used = time.process_time() - cpu
    results.loadgen_cpu_ms_per_turn = used * 1000 / results.turns if results.turns else 0.0
    await session.close()
    server.close()
    if os.environ.get("BENCH_SLOW"):
        from collections import Counter

        worst = sorted(slow, reverse=True)[: max(1, len(slow) // 50)]
        print("slowest 2% by step:", Counter(step for _, step in worst), file=sys.stderr)
    latencies = sorted(results.latencies)
    print(
        json.dumps(
            {
                "turns": results.turns,
                "seconds": results.seconds,
                "failures": results.failures,
                "latencies": latencies,
                "loadgen_cpu_ms_per_turn": results.loadgen_cpu_ms_per_turn,
            }
        ),
        flush=True,
    )


# --- the orchestrator ------------------------------------------------------------------------


_handed_out: set[int] = set()


def _free_port() -> int:
    """A port free now and not handed out before in this run (the kernel may repeat one)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def _spawn(args: list[str], env: dict[str, str], log: Path, **kw: Any) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "bench", "chat", *args]
    with log.open("a") as out:
        return subprocess.Popen(cmd, env=env, stderr=out, text=True, **kw)


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_healthy(port: int, proc: subprocess.Popen[str], limit: float = 90.0) -> None:
    import urllib.request

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the bot under test exited (see the log)")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the bot under test did not start")


def _pg_database() -> tuple[str, Callable[[], None]]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"netra_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        make_url(PG_ADMIN).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    return url, drop


@dataclass
class Run:
    bot: str
    reporters: int
    turns: int
    seconds: float
    failures: int
    p50: float
    p99: float
    server_cpu_ms: float
    db_cpu_ms: float | None
    loadgen_cpu_ms: float

    @property
    def rate(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        from storage.crypto import generate_key

        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="netra-bench-"))
        self.log = self.workdir / "processes.log"
        self.env = os.environ | {
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "NETRA_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            "NETRA_IDENTITY_KEYS": generate_key(),
            "NETRA_CONTENT_KEYS": generate_key(),
            "NETRA_BLIND_INDEX_KEY": generate_key(),
        }

    def run(self, bot: str, reporters: int, script: list[int] | None) -> Run | list[int]:
        """One bot under one load; with ``script`` None, learn Netra's replies per turn."""
        fake_port, sink_port = _free_port(), _free_port()
        api = f"http://127.0.0.1:{fake_port}"
        env = self.env | {"TELEGRAM_API_BASE_URL": api}
        drops: list[Callable[[], None]] = []
        procs: list[subprocess.Popen[str]] = []
        processes = 2 if bot.endswith("-x2") else 1
        ports = [_free_port() for _ in range(processes)]
        gen_args = ["--loadgen", "--sink-port", str(sink_port), "--reporters", str(reporters)]
        gen_args += ["--targets", *map(str, ports), "--seconds", str(self.args.seconds)]
        if script is None:
            gen_args.append("--learn")
        else:
            gen_args += ["--script", json.dumps(script)]
        gen = _spawn(gen_args, env, self.log, stdout=subprocess.PIPE, stdin=subprocess.PIPE)
        try:
            assert gen.stdout is not None
            if gen.stdout.readline().strip() != "ready":
                raise RuntimeError("the load generator did not start")
            procs.append(
                _spawn(
                    ["--serve-fake", str(fake_port), "--sink-port", str(sink_port)], env, self.log
                )
            )
            if bot.startswith("netra"):
                if "postgresql" in bot:
                    url, drop = _pg_database()
                    drops.append(drop)
                else:
                    url = f"sqlite:///{self.workdir / f'netra-{uuid.uuid4().hex[:8]}.db'}"
                env = env | {"DATABASE_URL": url}
                for port in ports:
                    procs.append(_spawn(["--serve", "netra", "--port", str(port)], env, self.log))
                    _wait_healthy(port, procs[-1])  # one at a time: the first one migrates
            else:
                extra = ["--script", json.dumps(script or [1])]
                procs.append(
                    _spawn(
                        ["--serve", bot, "--port", str(ports[0]), "--api", api, *extra],
                        env | {"BENCH_WORKDIR": str(self.workdir)},
                        self.log,
                    )
                )
                _wait_healthy(ports[0], procs[-1])
            bots = procs[1:]
            pg = _postgres_pids() if "postgresql" in bot else []
            cpu = _cpu_seconds([p.pid for p in bots])
            pg_before = {pid: _cpu_seconds([pid]) for pid in pg}
            assert gen.stdin is not None
            gen.stdin.write("go\n")
            gen.stdin.flush()
            line = gen.stdout.readline()
            cpu = _cpu_seconds([p.pid for p in bots]) - cpu
            # Per backend: one started during the run counts whole, one that exited is lost.
            db_cpu = (
                sum(_cpu_seconds([pid]) - pg_before.get(pid, 0.0) for pid in _postgres_pids())
                if pg
                else 0.0
            )
            gen.wait(timeout=60)
            if not line:
                raise RuntimeError("the load generator failed (see the log)")
            out = json.loads(line)
            if script is None:
                return list(out["script"])
            lat = out["latencies"]

            def pct(p: float) -> float:
                return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000 if lat else 0.0

            turns = int(out["turns"]) or 1
            return Run(
                bot,
                reporters,
                out["turns"],
                out["seconds"],
                out["failures"],
                pct(50),
                pct(99),
                cpu * 1000 / turns,
                db_cpu * 1000 / turns if pg else None,
                out["loadgen_cpu_ms_per_turn"],
            )
        finally:
            for proc in [gen, *reversed(procs)]:
                _stop(proc)
            for drop in drops:
                drop()


def _print_table(runs: list[Run]) -> None:
    print(
        f"\n{'bot':<22}{'reporters':>9}{'turns':>7}{'turns/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'fail':>5}{'cpu ms/turn':>12}{'+pg ms':>8}{'gen ms':>8}{'×ptb':>7}{'×ceil':>7}"
        f"{'p99÷ptb':>8}"
    )
    by_key: dict[tuple[str, int], list[Run]] = {}
    for run in runs:
        by_key.setdefault((run.bot, run.reporters), []).append(run)

    def mean_rate(bot: str, n: int) -> float | None:
        found = by_key.get((bot, n))
        return sum(r.rate for r in found) / len(found) if found else None

    for run in runs:
        ptb, ceil = mean_rate("ptb", run.reporters), mean_rate("ceiling", run.reporters)
        ptb_p99 = [r.p99 for r in by_key.get(("ptb", run.reporters), [])]
        x_ptb = f"{run.rate / ptb:.2f}" if ptb else ""
        x_ceil = f"{run.rate / ceil:.2f}" if ceil else ""
        p99_ratio = f"{run.p99 / (sum(ptb_p99) / len(ptb_p99)):.2f}" if ptb_p99 else ""
        db = f"{run.db_cpu_ms:.2f}" if run.db_cpu_ms is not None else ""
        print(
            f"{run.bot:<22}{run.reporters:>9}{run.turns:>7}{run.rate:>9.1f}{run.p50:>9.1f}"
            f"{run.p99:>9.1f}{run.failures:>5}{run.server_cpu_ms:>12.2f}{db:>8}"
            f"{run.loadgen_cpu_ms:>8.3f}{x_ptb:>7}{x_ceil:>7}{p99_ratio:>8}",
            flush=True,
        )


def orchestrate(args: argparse.Namespace) -> None:
    bench = Bench(args)
    print(f"Conversation benchmark, every program in its own process (log: {bench.log})")
    learned = bench.run("netra-sqlite", 1, None)
    assert isinstance(learned, list)
    print(f"replies per turn (learned from Netra): {learned}", flush=True)
    runs: list[Run] = []
    for round_ in range(args.rounds):
        for reporters in args.reporters:
            for bot in args.bots:
                try:
                    run = bench.run(bot, reporters, learned)
                except RuntimeError as exc:  # e.g. another program took a port: once more
                    print(f"{bot} × {reporters}: {exc}; running it again", flush=True)
                    run = bench.run(bot, reporters, learned)
                assert isinstance(run, Run)
                runs.append(run)
                print(
                    f"round {round_ + 1}: {bot} × {reporters}: {run.rate:.1f} turns/s, "
                    f"p99 {run.p99:.0f} ms",
                    flush=True,
                )
    _print_table(runs)
    print(
        "\ncpu ms/turn: the bot's process(es); +pg ms: all postgres processes on the machine; "
        "gen ms: the load generator's own CPU per turn; ×ptb/×ceil: turns/s ratios; "
        "p99÷ptb: below 1 is better than PTB."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench chat", description=__doc__)
    parser.add_argument("--bots", nargs="+", default=list(BOTS))
    parser.add_argument("--reporters", nargs="+", type=int, default=[50, 200])
    parser.add_argument("--seconds", type=float, default=15.0, help="load per bot and count")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved repetitions")
    # internal: the child processes
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--serve-fake", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--loadgen", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--learn", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--sink-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--targets", nargs="+", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--script", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fake:
        serve_fake(args.serve_fake, args.sink_port)
    elif args.loadgen:
        asyncio.run(loadgen(args))
    elif args.serve == "netra":
        serve_netra(args.port)
    elif args.serve == "ceiling":
        serve_ceiling(args.port, args.api, json.loads(args.script))
    elif args.serve == "ptb":
        serve_ptb(args.port, args.api, json.loads(args.script), Path(os.environ["BENCH_WORKDIR"]))
    else:
        unknown = set(args.bots) - set(BOTS) - {"netra-postgresql-x2"}
        if unknown:
            parser.error(f"unknown bots: {', '.join(sorted(unknown))}")
        orchestrate(args)


if __name__ == "__main__":
    main()
