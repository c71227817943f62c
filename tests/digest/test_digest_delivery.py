"""Digests reach the office: a real SMTP server and the fake Bot API on loopback receive them,
once; SMTP down then up; 5xx stops; a crash between claim and send; a restart after the send."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from bot.channels.email import EmailTransport
from bot.channels.telegram import TelegramTransport
from bot.digests import history, run_due_digests
from bot.runtime import Netra, build, utcnow
from bot.sender import OutboxSender
from storage.models import DigestRun, Office, OutboxMessage
from tests.digest.conftest import SECRETS, add_followup, at, config_of, make_reporter, make_ticket
from tests.fakes.smtp_server import SmtpInbox, free_port
from tests.fakes.telegram_api import FakeBotAPI

JAYAPURA = "91.71"
CHAT = -1001234567
MAIL = "kordiv.pp@jayapura.bawaslu.test, ketua@jayapura.bawaslu.test"
SEVEN_WIT = at("2024-10-09T22:00:00")  # 07.00 on the 10th in Jayapura


def _link(netra: Netra, *, chat: bool = True, mail: bool = True) -> None:
    with netra.session() as session:
        office = session.get(Office, JAYAPURA)
        assert office is not None
        office.telegram_chat_id = str(CHAT) if chat else None
        office.email = MAIL if mail else None
        session.add(office)
        session.commit()


def _deliver(netra: Netra, fake: FakeBotAPI, smtp_port: int) -> int:
    """One pass of the outbox sender with both transports, as ``netra serve`` runs it."""

    async def go() -> int:
        telegram = TelegramTransport(fake.token, fake.base_url)
        mail = EmailTransport(
            "127.0.0.1", smtp_port, sender="netra@bawaslu.test", starttls=False, timeout=5
        )
        sender = OutboxSender(netra, {"telegram": telegram, "email": mail})
        try:
            return await sender.run_once()
        finally:
            sender.close()
            await telegram.close()

    return asyncio.run(go())


def _seed_ticket(netra: Netra) -> str:
    with netra.session() as session:
        reporter = make_reporter(session, SEVEN_WIT)
        ticket = make_ticket(
            session,
            office=JAYAPURA,
            created_at=SEVEN_WIT - timedelta(hours=3),
            reporter=reporter,
            status="perlu_info",
        )
        add_followup(
            session, ticket, SEVEN_WIT - timedelta(hours=2), SEVEN_WIT - timedelta(hours=1)
        )
        session.commit()
        return ticket.code


def test_the_office_receives_its_digest_by_telegram_and_email_once(netra: Netra) -> None:
    code = _seed_ticket(netra)
    _link(netra)
    config = config_of(netra)
    with FakeBotAPI() as fake, SmtpInbox() as inbox:
        run_due_digests(netra.db, SEVEN_WIT + timedelta(minutes=1), config)
        assert _deliver(netra, fake, inbox.port) == 2
        texts = fake.sent_texts(CHAT)
        assert len(texts) == 1 and len(inbox.messages) == 1
        text = texts[0]
        assert "Bawaslu Kota Jayapura" in text and "10-10-2024" in text
        assert code in text and "Masa kampanye hari ke-" in text

        mail = inbox.messages[0]
        assert mail["Subject"] == "Ringkasan harian Netra — Bawaslu Kota Jayapura — 2024-10-10"
        assert sorted(inbox.recipients[0]) == sorted(a.strip() for a in MAIL.split(","))
        assert mail.get_content_type() == "multipart/alternative"
        parts = {p.get_content_type(): p.get_content() for p in mail.iter_parts()}
        assert set(parts) == {"text/plain", "text/html"}
        assert code in parts["text/plain"] and code in parts["text/html"]

        # What arrived holds no report text and nothing about the reporter.
        for delivered in (text, inbox.raw[0].decode("utf-8", "replace"), *parts.values()):
            for what, secret in SECRETS.items():
                assert secret.lower() not in delivered.lower(), what

        # The job runs again that day, and the sender too: nothing more goes out.
        assert run_due_digests(netra.db, SEVEN_WIT + timedelta(minutes=50), config) == 0
        assert _deliver(netra, fake, inbox.port) == 0
        assert len(fake.sent_texts(CHAT)) == 1 and len(inbox.messages) == 1
    with netra.session() as session:
        rows = history(session, JAYAPURA)
    assert sorted((r.run.channel, r.status) for r in rows) == [
        ("email", "sent"),
        ("telegram", "sent"),
    ]


def test_smtp_down_then_up_delivers_and_a_permanent_refusal_stops(netra: Netra) -> None:
    _link(netra, chat=False)
    config = config_of(netra)
    port = free_port()
    with FakeBotAPI() as fake:
        run_due_digests(netra.db, SEVEN_WIT, config)
        assert _deliver(netra, fake, port) == 1  # connection refused: nothing listens yet
        with netra.session() as session:
            (row,) = history(session, JAYAPURA)
            assert row.status == "pending" and row.error and "ConnectionRefused" in row.error
        with SmtpInbox(port) as inbox:
            assert _deliver(netra, fake, port) == 0  # backing off: not yet
            _backoff_passed(netra)
            inbox.answer = "451 4.3.0 mailbox busy, try later"
            assert _deliver(netra, fake, port) == 1
            with netra.session() as session:
                assert history(session, JAYAPURA)[0].status == "pending"
            inbox.answer = None
            _backoff_passed(netra)
            assert _deliver(netra, fake, port) == 1
            assert len(inbox.messages) == 1
            with netra.session() as session:
                assert history(session, JAYAPURA)[0].status == "sent"

            # The next day the server refuses for good (5xx): no retries, failure shown.
            inbox.answer = "550 5.1.1 mailbox unavailable"
            run_due_digests(netra.db, SEVEN_WIT + timedelta(days=1), config)
            assert _deliver(netra, fake, port) == 1
            _backoff_passed(netra)
            assert _deliver(netra, fake, port) == 0
            with netra.session() as session:
                latest = history(session, JAYAPURA)[0]
            assert latest.status == "failed" and latest.error and "550" in latest.error
            assert len(inbox.messages) == 1


def _backoff_passed(netra: Netra) -> None:
    """Move pending messages' next attempt to now: the backoff's wait has passed."""
    with netra.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.status) == "pending")
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()


def test_a_crash_between_claim_and_send_sends_once_after_restart(netra: Netra) -> None:
    _link(netra, mail=False)
    config = config_of(netra)
    with FakeBotAPI() as fake:
        # The process claims (and queues) the digest, then dies before its sender runs.
        assert run_due_digests(netra.db, SEVEN_WIT, config) > 0
        netra.db.dispose()
        assert fake.sent_texts() == []

        restarted = build(netra.settings)
        restarted.prepare_database()
        try:
            # The restarted process finds the claim taken and the message waiting.
            assert run_due_digests(restarted.db, SEVEN_WIT + timedelta(minutes=3), config) == 0
            assert _deliver(restarted, fake, free_port()) == 1
            assert len(fake.sent_texts(CHAT)) == 1
            # Restarting again after the send sends nothing more.
            assert run_due_digests(restarted.db, SEVEN_WIT + timedelta(minutes=50), config) == 0
            assert _deliver(restarted, fake, free_port()) == 0
            assert len(fake.sent_texts(CHAT)) == 1
            with restarted.session() as session:
                runs = session.exec(
                    select(DigestRun).where(DigestRun.office_code == JAYAPURA)
                ).all()
            assert [(r.channel, r.late) for r in runs] == [("telegram", False)]
        finally:
            restarted.db.dispose()
