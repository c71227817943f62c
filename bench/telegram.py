"""Load generator for the Telegram channel: N reporters talk to the webhook over loopback.

    python -m bench.telegram                      # SQLite and PostgreSQL, 50 and 200 reporters
    python -m bench.telegram --db sqlite --reporters 50 --pool 16

Each reporter plays the whole report conversation (tests.fakes.reporter.HAPPY_PATH): it posts
one real Update JSON to ``/webhooks/telegram`` and sends its next message as soon as the bot's
reply for that turn has reached the fake Bot API. The app under test runs in its own process
(uvicorn, one worker) and talks to the fake through python-telegram-bot's ``Bot``, as in
production. Printed: messages/s and p50/p99 latency from webhook POST to the turn's last reply,
for Netra and for a do-nothing bot (a webhook that sends one reply through the same client and
fake): the ceiling this machine allows. Telegram's rate limits are off here (the fake does not
enforce them; in production 30 messages/s overall caps any bot, see the report).

Loopback only; every wait is bounded (per reply and per run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response

from tests.fakes.reporter import HAPPY_PATH
from tests.fakes.telegram_api import FakeBotAPI, message_update

SECRET = "bench-secret"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
REPLY_TIMEOUT = 30.0  # seconds a reporter waits for one turn's replies
RUN_TIMEOUT = 600.0  # seconds one configuration may take
PG_ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


# --- the servers under test (run in a child process) ----------------------------------------


def _serve_netra(port: int, pool: int) -> None:
    import uvicorn

    from bot.app import create_app
    from bot.channels.telegram import RateLimiter, TelegramTransport
    from bot.config import Settings
    from bot.runtime import build

    settings = Settings()
    netra = build(settings)
    assert settings.telegram_bot_token is not None
    transport = TelegramTransport(
        settings.telegram_bot_token.get_secret_value(),
        settings.telegram_api_base_url,
        limiter=RateLimiter(chat_per_s=1e6, chat_burst=10**6),
        pool_size=pool,
    )
    app = create_app(netra, run_jobs=False, transports={"telegram": transport})
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def _serve_ceiling(port: int, pool: int) -> None:
    """The do-nothing bot: parse the update, send one reply through the same client, 200."""
    import uvicorn

    from bot.channels.telegram import RateLimiter, TelegramTransport

    transport = TelegramTransport(
        os.environ["TELEGRAM_BOT_TOKEN"],
        os.environ["TELEGRAM_API_BASE_URL"],
        limiter=RateLimiter(chat_per_s=1e6, chat_burst=10**6),
        pool_size=pool,
    )
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/webhooks/telegram")
    async def hook(request: Request) -> Response:
        update = await request.json()
        await transport.send(str(update["message"]["chat"]["id"]), {"text": "ok"})
        return Response(status_code=200)

    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


# --- the load generator -----------------------------------------------------------------------


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    messages: int = 0
    failures: int = 0
    seconds: float = 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


class Inbox:
    """Replies per chat as the fake receives them, awaited by the reporters (same loop)."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.waiters: dict[int, tuple[int, asyncio.Future[None]]] = {}

    def on_send(self, chat_id: int, params: dict[str, Any]) -> None:
        self.counts[chat_id] = self.counts.get(chat_id, 0) + 1
        waiting = self.waiters.get(chat_id)
        if waiting and self.counts[chat_id] >= waiting[0] and not waiting[1].done():
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_healthy(url: str, proc: subprocess.Popen[bytes], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("the server under test exited")
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server under test did not start")


async def _conversation(
    client: httpx.AsyncClient,
    inbox: Inbox,
    chat: int,
    script: list[tuple[str, int]],
    results: Results,
) -> None:
    expected = 0
    for answer, replies in script:
        expected += replies
        started = time.monotonic()
        try:
            response = await client.post(
                "/webhooks/telegram", json=message_update(chat, answer), headers=HEADERS
            )
            if response.status_code != 200:
                results.failures += 1
                return
            await inbox.until(chat, expected, REPLY_TIMEOUT)
        except (httpx.HTTPError, TimeoutError):
            results.failures += 1
            return
        results.latencies.append(time.monotonic() - started)
        results.messages += 1


async def _learn_script(
    client: httpx.AsyncClient, inbox: Inbox, chat: int
) -> list[tuple[str, int]]:
    """How many replies each turn gives (the conversation is deterministic), from one reporter."""
    script: list[tuple[str, int]] = []
    for answer in HAPPY_PATH:
        before = inbox.counts.get(chat, 0)
        await client.post("/webhooks/telegram", json=message_update(chat, answer), headers=HEADERS)
        await inbox.until(chat, before + 1, REPLY_TIMEOUT)
        await asyncio.sleep(0.3)  # let any further reply of this turn arrive
        script.append((answer, inbox.counts.get(chat, 0) - before))
    return script


async def run_one(kind: str, db_url: str | None, reporters: int, pool: int, log: Path) -> Results:
    fake = FakeBotAPI()
    inbox = Inbox()
    fake.on_send = inbox.on_send
    stop = asyncio.Event()
    fake_task = asyncio.create_task(fake.serve(stop))
    port = _free_port()
    env = os.environ | {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "NETRA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    if db_url:
        env["DATABASE_URL"] = db_url
    cmd = [sys.executable, "-m", "bench.telegram", "--serve", kind, "--port", str(port)]
    cmd += ["--pool", str(pool)]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    results = Results()
    try:
        await _wait_healthy(url, proc)
        limits = httpx.Limits(max_connections=reporters, max_keepalive_connections=reporters)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60.0) as client:
            if kind == "netra":
                script = await _learn_script(client, inbox, 9_000_000)
            else:
                script = [(answer, 1) for answer in HAPPY_PATH]
            chats = [10_000_000 + i for i in range(reporters)]
            started = time.monotonic()
            await asyncio.wait_for(
                asyncio.gather(*(_conversation(client, inbox, c, script, results) for c in chats)),
                RUN_TIMEOUT,
            )
            results.seconds = time.monotonic() - started
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        stop.set()
        await fake_task
    return results


def _keys_env() -> dict[str, str]:
    from storage.crypto import generate_key

    return {
        "NETRA_IDENTITY_KEYS": generate_key(),
        "NETRA_CONTENT_KEYS": generate_key(),
        "NETRA_BLIND_INDEX_KEY": generate_key(),
    }


def _pg_database() -> tuple[str, Any]:
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


async def main_async(args: argparse.Namespace) -> None:
    os.environ.update(_keys_env())
    workdir = Path(tempfile.mkdtemp(prefix="netra-bench-"))
    log = workdir / "servers.log"
    print(f"Telegram webhook benchmark (one uvicorn worker; logs: {log})")
    print(
        f"{'bot':<8}{'db':<12}{'reporters':>10}{'msgs':>7}{'msg/s':>9}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'fail':>6}{'ratio msg/s':>13}{'p99 ×':>8}"
    )
    for reporters in args.reporters:
        ceiling = await run_one("ceiling", None, reporters, args.pool, log)
        _print("ceiling", "-", reporters, ceiling, None)
        for db in args.db:
            drop = None
            if db == "sqlite":
                db_url = f"sqlite:///{workdir / f'netra-{reporters}.db'}"
            else:
                db_url, drop = _pg_database()
            try:
                netra = await run_one("netra", db_url, reporters, args.pool, log)
            finally:
                if drop is not None:
                    drop()
            _print("netra", db, reporters, netra, ceiling)


def _print(bot: str, db: str, reporters: int, r: Results, ceiling: Results | None) -> None:
    ratio = f"{r.rate / ceiling.rate:.2f}" if ceiling and ceiling.rate else ""
    p99x = f"{r.pct(99) / ceiling.pct(99):.1f}" if ceiling and ceiling.latencies else ""
    print(
        f"{bot:<8}{db:<12}{reporters:>10}{r.messages:>7}{r.rate:>9.1f}{r.pct(50):>9.1f}"
        f"{r.pct(99):>9.1f}{r.failures:>6}{ratio:>13}{p99x:>8}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.telegram", description=__doc__)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--reporters", nargs="+", type=int, default=[50, 200])
    parser.add_argument("--pool", type=int, default=128, help="HTTPXRequest connection pool")
    parser.add_argument("--serve", choices=["netra", "ceiling"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if any(n < 1 or n > 1000 for n in args.reporters):
        parser.error("--reporters must be between 1 and 1000")
    if args.serve == "netra":
        _serve_netra(args.port, args.pool)
    elif args.serve == "ceiling":
        _serve_ceiling(args.port, args.pool)
    else:
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
