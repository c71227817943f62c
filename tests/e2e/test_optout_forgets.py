"""Opting out forgets the subscriber at that moment: their identity leaves the database in the
opt-out's own transaction, the confirmation still reaches them, and a broadcast already queued
for them is not sent. A subscriber who is also a reporter with an open report keeps the
identity the report needs.

Over real HTTP to the served app, with the fake Bot API and fake Twilio on loopback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.app import create_app
from bot.channels.telegram import RateLimiter, TelegramTransport
from bot.channels.whatsapp import TwilioTransport
from bot.runtime import Netra
from storage import broadcasts as store
from storage.models import (
    Broadcast,
    BroadcastDelivery,
    OutboxMessage,
    Reporter,
    Subscriber,
    Ticket,
)
from tests.bot.test_whatsapp import _raw_database
from tests.broadcasts.test_runner import approved, run_until_done, runner
from tests.e2e.test_channels import (  # noqa: F401  (fixtures: the fakes and their settings)
    PUBLIC,
    Driver,
    TelegramDriver,
    WhatsAppDriver,
    _settle,
    settings,
    telegram_api,
    twilio,
)
from tests.fakes.reporter import HAPPY_PATH
from tests.fakes.served_app import ServedApp
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakes.twilio_api import FakeTwilio
from tests.fakes.whatsapp_user import WhatsAppUser

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHAT = 7_300_000_517  # long enough that its digits cannot turn up in stored bytes by chance
REMINDER = "ASN wajib netral"  # in the queued broadcast's text


def _transports(netra: Netra, bot_api: FakeBotAPI) -> dict[str, Any]:
    return {
        "telegram": TelegramTransport(
            bot_api.token,
            bot_api.base_url,
            limiter=RateLimiter(chat_per_s=1000, chat_burst=1000),
        ),
        "whatsapp": TwilioTransport(netra.db, netra.settings),
    }


@pytest.fixture(params=["telegram", "whatsapp"])
def driver(  # noqa: F811
    request: pytest.FixtureRequest,
    netra: Netra,
    telegram_api: FakeBotAPI,  # noqa: F811
    twilio: FakeTwilio,  # noqa: F811
) -> Iterator[Driver]:
    """The channels whose replies travel in the outbox (the web chat answers in its response)."""
    app = create_app(netra, run_jobs=False, transports=_transports(netra, telegram_api))
    with ServedApp(app) as served:
        if request.param == "telegram":
            yield TelegramDriver(served, telegram_api, netra, chat=CHAT)
        else:
            user = WhatsAppUser(served, twilio, netra, "+6281299990011", public_base_url=PUBLIC)
            yield WhatsAppDriver(user, twilio)


def _subscribe(driver: Driver) -> None:
    driver.send("LANGGANAN")
    driver.send("lewati")  # region
    driver.send("lewati")  # language


def _stored_identity(netra: Netra, driver: Driver) -> tuple[int, str, str]:
    """The reporter's id, blind index and address ciphertext as the database holds them."""
    lookup = f"{driver.channel}:{driver.address}"
    with netra.session() as session:
        reporter = session.exec(select(Reporter).where(Reporter.lookup == lookup)).one()
        assert reporter.id is not None
        rid = reporter.id
    with netra.db.connect() as conn:
        raw_lookup, raw_address = conn.execute(
            text("SELECT lookup, address FROM reporter WHERE id = :id"), {"id": rid}
        ).one()
    return rid, str(raw_lookup), str(raw_address)


def _database_file_bytes(netra: Netra) -> bytes | None:
    """SQLite's file after a checkpoint (deleted cells are zeroed: secure_delete); None on PG."""
    if netra.db.dialect.name != "sqlite":
        return None
    path = netra.db.url.database
    assert path
    # Old page images in the write-ahead log would still hold the row: fold it into the file.
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    assert busy == 0
    return Path(path).read_bytes()


def _queued_broadcast(netra: Netra) -> int:
    """An approved broadcast to everyone, its recipients already written (to be sent later)."""
    broadcast_id = approved(netra, channels=("telegram", "whatsapp"))
    with netra.session() as session:
        broadcast = session.get(Broadcast, broadcast_id)
        assert broadcast is not None
        assert store.materialize(session, broadcast)
        session.commit()
        assert broadcast.total == 1
    return broadcast_id


def _run_broadcasts(netra: Netra, bot_api: FakeBotAPI, broadcast_id: int) -> Broadcast:
    return run_until_done(runner(netra, _transports(netra, bot_api)), netra, broadcast_id, 10)


def _everything_received(driver: Driver, bot_api: FakeBotAPI, fake_twilio: FakeTwilio) -> str:
    if driver.channel == "telegram":
        return "\n".join(bot_api.sent_texts(int(driver.address)))
    return "\n".join(m.body or "" for m in fake_twilio.sent_to(f"whatsapp:{driver.address}"))


def test_opting_out_forgets_the_subscriber_and_still_confirms(
    driver: Driver,
    netra: Netra,
    telegram_api: FakeBotAPI,  # noqa: F811
    twilio: FakeTwilio,  # noqa: F811
):
    _subscribe(driver)
    broadcast_id = _queued_broadcast(netra)
    _, lookup, address = _stored_identity(netra, driver)

    confirmation = "\n".join(driver.send("BERHENTI"))
    assert "tidak akan menerima pengumuman" in confirmation and "LANGGANAN" in confirmation

    _settle(netra)
    with netra.session() as session:
        assert session.exec(select(Reporter)).all() == []
        assert session.exec(select(Subscriber)).all() == []
        # The confirmation carried the address for itself only: gone once sent.
        assert session.exec(select(OutboxMessage)).all() == []
        assert session.exec(select(BroadcastDelivery)).all() == []
    raw = _raw_database(netra)
    for secret in (driver.address, lookup, address):
        assert secret not in raw
    stored = _database_file_bytes(netra)
    if stored is not None:
        for secret in (driver.address, lookup, address):
            assert secret.encode() not in stored

    done = _run_broadcasts(netra, telegram_api, broadcast_id)
    assert (done.sent, done.skipped) == (0, 1)
    assert REMINDER not in _everything_received(driver, telegram_api, twilio)

    # Writing again starts afresh, as a stranger would.
    welcome = "\n".join(driver.send("halo"))
    assert "Selamat datang di Netra" in welcome
    assert _stored_identity(netra, driver)[2] != address  # a new row, newly encrypted


@pytest.mark.parametrize("driver", ["telegram"], indirect=True)
def test_a_reporter_with_an_open_report_keeps_the_identity_it_needs(
    driver: Driver,
    netra: Netra,
    telegram_api: FakeBotAPI,  # noqa: F811
    twilio: FakeTwilio,  # noqa: F811
):
    for answer in HAPPY_PATH:
        driver.send(answer)
    _subscribe(driver)
    broadcast_id = _queued_broadcast(netra)
    rid, lookup, address = _stored_identity(netra, driver)

    confirmation = "\n".join(driver.send("STOP"))
    assert "tidak akan menerima pengumuman" in confirmation

    assert _stored_identity(netra, driver) == (rid, lookup, address)  # untouched
    with netra.session() as session:
        assert session.exec(select(Ticket.reporter_id)).one() == rid
        assert session.exec(select(Subscriber)).all() == []
        reporter = session.get(Reporter, rid)
        assert reporter is not None and not reporter.subscribed
    done = _run_broadcasts(netra, telegram_api, broadcast_id)
    assert (done.sent, done.skipped) == (0, 1)
    assert REMINDER not in _everything_received(driver, telegram_api, twilio)


@pytest.mark.parametrize("driver", ["telegram"], indirect=True)
def test_a_confirmation_that_cannot_be_delivered_does_not_keep_the_address(
    driver: Driver,
    netra: Netra,
    telegram_api: FakeBotAPI,  # noqa: F811
):
    _subscribe(driver)
    telegram_api.block(CHAT)  # the person blocked the bot right after writing
    driver.send("BERHENTI")
    _settle(netra)
    with netra.session() as session:
        assert session.exec(select(OutboxMessage)).all() == []  # given up, and gone with it
        assert session.exec(select(Reporter)).all() == []
    assert str(CHAT) not in _raw_database(netra)
