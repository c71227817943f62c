"""Bodies that fail the same way on every retry answer 200 (a 5xx is retried forever)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.config import Settings
from storage.models import Reporter
from tests.bot.test_telegram import HEADERS, HOOK, SECRET, count, served, settle
from tests.fakes.telegram_api import FakeBotAPI, callback_update, message_update

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


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
            "public_base_url": "https://netra.example.org",
        }
    )


def _post_raw(app, body: str):
    return app.post(
        HOOK, content=body.encode(), headers=HEADERS | {"Content-Type": "application/json"}
    )


def test_message_without_chat_is_dropped_with_200(netra, fake):
    update = message_update(8101, "halo")
    del update["message"]["chat"]
    with served(netra, fake) as app:
        assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
    assert count(netra, Reporter) == 0


@pytest.mark.parametrize("text", [5, 1.5, ["a"], {"x": 1}, True, None])
def test_text_of_the_wrong_type_is_answered_not_retried(netra, fake, text):
    chat = 8102
    update = message_update(chat, "halo")
    update["message"]["text"] = text
    with served(netra, fake) as app:
        assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
        settle(netra)
    assert fake.sent_texts(chat), "the reporter is answered"


def test_callback_data_that_is_an_object_is_answered(netra, fake):
    chat = 8103
    update = callback_update(chat, "x")
    update["callback_query"]["data"] = {"evil": [1, 2]}
    with served(netra, fake) as app:
        assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
        settle(netra)
    assert fake.sent_texts(chat)


def test_json_nested_five_thousand_deep_is_dropped_with_200(netra, fake):
    body = '{"update_id": 5, "message": ' + "[" * 5000 + "]" * 5000 + "}"
    with served(netra, fake) as app:
        assert _post_raw(app, body).status_code == 200
        deep_text = json.dumps(message_update(8104, "x"))[:-2] + ', "x": ' + "[" * 5000
        assert _post_raw(app, deep_text + "]" * 5000 + "}}").status_code == 200


def test_lone_surrogate_in_text_is_replaced_and_answered(netra, fake, caplog):
    chat = 8105
    body = json.dumps(message_update(chat, "/mulai"))
    with served(netra, fake) as app, caplog.at_level(logging.INFO):
        assert _post_raw(app, body).status_code == 200
        lone = json.dumps(message_update(chat, "abc")).replace("abc", "\\ud800 tolong")
        assert _post_raw(app, lone).status_code == 200
        settle(netra)
    assert len(fake.sent_texts(chat)) >= 2
    assert str(chat) not in caplog.text


def test_update_id_that_is_not_an_integer_is_dropped(netra, fake):
    for bad in ("7", True, None, 1.0):
        update = message_update(8106, "halo")
        update["update_id"] = bad
        with served(netra, fake) as app:
            assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
    assert count(netra, Reporter) == 0


def test_text_whose_turn_always_fails_is_dropped_not_retried(netra, fake, caplog, monkeypatch):
    """A plain text update goes the short way (no PTB objects); if its turn fails the same way
    on every try, it is answered 200 like any other poison body, and later messages go on."""
    chat = 8107
    real = netra.engine.handle

    def handle(session, message, now, **kw):  # type: ignore[no-untyped-def]
        if message.text == "meledak":
            raise ValueError("a body no retry will ever make readable")
        return real(session, message, now, **kw)

    monkeypatch.setattr(netra.engine, "handle", handle)
    with served(netra, fake) as app, caplog.at_level(logging.INFO):
        assert (
            app.post(HOOK, json=message_update(chat, "/mulai"), headers=HEADERS).status_code == 200
        )
        update = message_update(chat, "meledak")
        assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
        assert (
            app.post(HOOK, json=message_update(chat, "setuju"), headers=HEADERS).status_code == 200
        )
        settle(netra)
    assert "text update dropped after ValueError" in caplog.text
    assert str(chat) not in caplog.text
    assert len(fake.sent_texts(chat)) >= 2, "the turns before and after it are answered"
