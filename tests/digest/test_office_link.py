"""``/hubungkan KODE`` from an office's Telegram group links it for the digest: no chat id typed
by hand, a code works once, and the group is never taken for a reporter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import func
from sqlmodel import select

from bot.app import create_app
from bot.channels.telegram import TelegramTransport
from bot.config import Settings
from bot.runtime import Netra, utcnow
from storage.models import Office, Reporter
from storage.office_links import new_link_code
from tests.fakes.served_app import ServedApp
from tests.fakes.telegram_api import FakeBotAPI, message_update

SECRET = "s3cret-webhook-token_for-tests"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
HOOK = "/webhooks/telegram"
GROUP = -100987654321
JAYAPURA = "91.71"


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        yield api


@pytest.fixture
def settings(settings: Settings, fake: FakeBotAPI) -> Settings:
    return settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(fake.token),
            "telegram_webhook_secret": SecretStr(SECRET),
            "telegram_api_base_url": fake.base_url,
        }
    )


def test_a_group_links_the_office_with_a_one_time_code(netra: Netra, fake: FakeBotAPI) -> None:
    with netra.session() as session:
        code = new_link_code(session, JAYAPURA, now=utcnow())
        session.commit()
    transports = {"telegram": TelegramTransport(fake.token, fake.base_url)}
    with ServedApp(create_app(netra, run_jobs=False, transports=transports)) as app:
        update = message_update(GROUP, f"/hubungkan@NetraTestBot {code.lower()}", chat_type="group")
        assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
        (reply,) = fake.wait_for_texts(GROUP, 1)
        assert "Bawaslu Kota Jayapura" in reply
        # Telegram retries the same update: nothing happens twice.
        assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
        # The code is spent: another chat cannot take the office with it.
        again = message_update(-100111, f"/hubungkan {code}", chat_type="group")
        assert app.post(HOOK, json=again, headers=HEADERS).status_code == 200
        (refused,) = fake.wait_for_texts(-100111, 1)
        assert "Kode tidak dikenal" in refused
        assert len(fake.sent_texts(GROUP)) == 1
    with netra.session() as session:
        office = session.get(Office, JAYAPURA)
        assert office is not None and office.telegram_chat_id == str(GROUP)
        assert session.exec(select(func.count()).select_from(Reporter)).one() == 0
