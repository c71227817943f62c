"""In real headless Chromium: an officer asks a Telegram reporter a question through the fake Bot
API, sees the answer arrive on the ticket, and reveals a sealed identity with the passphrase."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.channels.telegram import RateLimiter, TelegramTransport
from bot.config import Settings
from tests.fakes.dashboard import login, make_officer, serve
from tests.fakes.identity import (
    ADDRESS,
    NAME,
    NIK,
    OFFICE,
    PASSPHRASE,
    PHONE,
    give_office_key,
    submit,
)
from tests.fakes.reporter import ScriptedReporter
from tests.fakes.telegram_api import FakeBotAPI, message_update

CHAT_ID = 7712340001
SECRET = "followup-webhook-secret_for-tests"
QUESTION = "Jam berapa camat berpidato di panggung kampanye?"
ANSWER = "Sekitar pukul sepuluh pagi, setelah lagu kebangsaan."


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


def test_follow_up_over_telegram_and_identity_reveal_in_the_browser(netra, fake, page):
    give_office_key(netra)
    reporter = ScriptedReporter(netra, str(CHAT_ID), channel="telegram")
    submit(reporter)
    reporter.says("Ya, lampirkan identitas")
    for value in (NAME, NIK, ADDRESS, PHONE, "segel"):
        reporter.says(value)
    code = reporter.transcript[-1].text.split("laporan ")[1].split(" ")[0]

    limiter = RateLimiter(chat_per_s=1000, chat_burst=1000)
    transports = {"telegram": TelegramTransport(fake.token, fake.base_url, limiter=limiter)}
    with serve(netra, transports=transports) as served:
        base = served.base_url
        login(page, base, make_officer(netra, OFFICE))
        page.goto(f"{base}/dashboard/tickets/{code}")
        assert NIK not in page.content()

        # The officer asks; the reporter's Telegram chat receives it, without the officer
        # ever seeing who or where the reporter is.
        page.fill("#followup-form textarea[name=question]", QUESTION)
        page.click("#followup-form button[type=submit]")
        page.wait_for_url(f"{base}/dashboard/tickets/{code}?fu=sent")
        [received] = fake.wait_for_texts(chat_id=CHAT_ID, count=1)
        assert QUESTION in received and code in received
        assert str(CHAT_ID) not in page.content()

        # The reporter answers in Telegram (a real webhook update) and the answer shows up.
        update = message_update(CHAT_ID, ANSWER)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        posted = page.request.post(f"{base}/webhooks/telegram", data=update, headers=headers)
        assert posted.status == 200
        fake.wait_for_texts(chat_id=CHAT_ID, count=2)  # "your answer was passed on"
        page.goto(f"{base}/dashboard/tickets/{code}")
        timeline = page.inner_text("ol.timeline")
        assert QUESTION in timeline and ANSWER in timeline

        # Reveal: reason and passphrase; the identity is on this one page only.
        page.select_option("#reveal-form select[name=reason_category]", "laporan_resmi")
        page.fill("#reveal-form textarea[name=reason]", "Registrasi laporan resmi")
        page.fill("#reveal-form input[name=passphrase]", PASSPHRASE)
        page.click("#reveal-form button[type=submit]")
        page.wait_for_selector("#revealed-identity")
        assert page.inner_text("#idn-nik") == NIK
        assert page.inner_text("#idn-name") == NAME
        page.goto(f"{base}/dashboard/tickets/{code}")
        assert NIK not in page.content()
