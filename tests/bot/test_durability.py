"""Conversation state lives in the database: restarts, second workers and races lose nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from sqlmodel import select

from bot.runtime import build
from handlers.types import Inbound
from storage.models import Evidence, InboundMessage, Ticket
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

ROOT = Path(__file__).resolve().parents[2]


def test_a_new_engine_over_the_same_database_continues_mid_conversation(
    netra, settings, fast_receipts
):
    first = ScriptedReporter(netra, "restart")
    for answer in HAPPY_PATH[:8]:
        first.says(answer)
    netra.db.dispose()  # the process "dies"

    restarted = build(settings, receipts=fast_receipts)
    second = ScriptedReporter(restarted, "restart")
    assert second.step() == "learned_date"
    assert "Kapan Anda mengetahui" in second.says("/bantuan")  # re-asks where it stood
    for answer in HAPPY_PATH[8:]:
        out = second.says(answer)
    assert "Kode laporan" in out
    restarted.db.dispose()


def test_a_second_worker_process_continues_the_same_conversation(netra, settings, key_strings):
    reporter = ScriptedReporter(netra, "two-workers")
    for answer in HAPPY_PATH[:6]:
        reporter.says(answer)
    assert reporter.step() == "region"
    script = (
        "import json,sys\n"
        "from bot.config import Settings\nfrom bot.runtime import build\n"
        "from handlers.types import Inbound\n"
        "netra = build(Settings(_env_file=None))\n"
        "out = netra.process(Inbound(channel='local', address='two-workers', text='Kota Malang',"
        " message_id='w2-1'))\n"
        "print(json.dumps([r.text for r in out.replies]))\n"
    )
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.effective_database_url,
        "NETRA_DATA_DIR": str(settings.data_dir),
        "NETRA_IDENTITY_KEYS": key_strings["identity_keys"],
        "NETRA_CONTENT_KEYS": key_strings["content_keys"],
        "NETRA_BLIND_INDEX_KEY": key_strings["blind_index_key"],
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    replies = json.loads(done.stdout.strip().splitlines()[-1])
    assert any("Kapan kejadiannya" in r for r in replies)
    # Back in the first process, the conversation is where the other worker left it.
    assert reporter.step() == "incident_date"


def test_concurrent_messages_of_one_reporter_lose_nothing(netra, settings, fast_receipts):
    reporter = ScriptedReporter(netra, "racer")
    for answer in HAPPY_PATH[:10]:
        reporter.says(answer)
    assert reporter.step() == "evidence"
    workers = [build(settings, receipts=fast_receipts) for _ in range(2)]  # two "processes"
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def send(i: int) -> None:
        try:
            start.wait()
            workers[i % 2].process(
                Inbound(
                    channel="local",
                    address="racer",
                    text=f"https://bukti.example/{i}",
                    message_id=f"race-{i}",
                )
            )
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    for answer in HAPPY_PATH[11:]:
        reporter.says(answer)
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        links = sorted(
            e.link for e in session.exec(select(Evidence).where(Evidence.ticket_id == ticket.id))
        )
    assert links == sorted(f"https://bukti.example/{i}" for i in range(8))
    for worker in workers:
        worker.db.dispose()


def test_the_same_message_delivered_twice_at_once_acts_once(netra, settings, fast_receipts):
    reporter = ScriptedReporter(netra, "twice")
    for answer in HAPPY_PATH[:10]:
        reporter.says(answer)
    workers = [build(settings, receipts=fast_receipts) for _ in range(2)]
    start = threading.Barrier(2)
    outcomes = []

    def send(worker) -> None:
        start.wait()
        outcomes.append(
            worker.process(
                Inbound(
                    channel="local",
                    address="twice",
                    text="https://satu.example/x",
                    message_id="dup-1",
                )
            )
        )

    threads = [threading.Thread(target=send, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(o.duplicate for o in outcomes) == [False, True]
    with netra.session() as session:
        assert len(session.exec(select(Evidence)).all()) == 1
        assert (
            len(
                session.exec(
                    select(InboundMessage).where(InboundMessage.platform_id == "dup-1")
                ).all()
            )
            == 1
        )
    for worker in workers:
        worker.db.dispose()
