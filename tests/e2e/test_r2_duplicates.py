"""R2: every update delivered two or three times — concurrently and late — has exactly one
effect: one ticket per reporter, each reply sent once, each update recorded once."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import SecretStr
from sqlmodel import func, select

from bot.config import Settings
from storage.models import InboundMessage, Ticket
from tests.bot.test_telegram import HEADERS, HOOK, SECRET, served, settle
from tests.fakes.reporter import HAPPY_PATH
from tests.fakes.telegram_api import FakeBotAPI, message_update

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHATS = 8


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


def test_every_update_delivered_two_or_three_times_has_one_effect(netra, fake):
    rng = random.Random(10)
    reference_chat = 9100
    with served(netra, fake) as app:
        for text in HAPPY_PATH:  # one reporter once each: how many replies one delivery makes
            assert app.post(HOOK, json=message_update(reference_chat, text), headers=HEADERS)
        settle(netra)
        expected_replies = len(fake.sent_texts(reference_chat))

        chats = [9200 + i for i in range(CHATS)]
        late: list[dict] = []
        statuses: list[int] = []

        def deliver(update: dict, copies: int) -> None:
            with ThreadPoolExecutor(copies) as twins:  # the copies race each other
                statuses.extend(
                    twins.map(
                        lambda _: app.post(HOOK, json=update, headers=HEADERS).status_code,
                        range(copies),
                    )
                )

        def converse(chat: int) -> None:
            for text in HAPPY_PATH:
                update = message_update(chat, text)
                deliver(update, rng.choice((2, 3)))
                late.append(update)

        with ThreadPoolExecutor(CHATS) as pool:
            list(pool.map(converse, chats))
        rng.shuffle(late)
        for update in late:  # and once more, long after the conversation moved on
            statuses.append(app.post(HOOK, json=update, headers=HEADERS).status_code)
        settle(netra)

    assert set(statuses) == {200}
    with netra.session() as session:
        tickets = session.exec(select(func.count()).select_from(Ticket)).one()
        recorded = session.exec(select(func.count()).select_from(InboundMessage)).one()
    assert tickets == CHATS + 1
    assert recorded == (CHATS + 1) * len(HAPPY_PATH)
    for chat in chats:
        assert len(fake.sent_texts(chat)) == expected_replies, f"chat {chat}: duplicate effect"
    print(f"\nR2: {len(statuses)} deliveries of {CHATS * len(HAPPY_PATH)} updates, one effect each")
