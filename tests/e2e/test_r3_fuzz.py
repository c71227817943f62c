"""R3: property-based fuzzing of what platforms send. Never a 5xx (platforms retry those
forever), every message answered in the reporter's language, and ``/batal`` always recovers."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.app import create_app
from bot.config import Settings
from handlers.messages import CATALOGUE
from tests.bot.test_telegram import HEADERS, HOOK, SECRET, served
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter
from tests.fakes.served_app import ServedApp
from tests.fakes.telegram_api import FakeBotAPI, message_update
from tests.fakes.twilio_api import FakeTwilio
from tests.fakes.whatsapp_user import WhatsAppUser

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
FUZZ = hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PUBLIC = "https://netra.example.org"
_ids = itertools.count(1)

# Anything JSON can carry, a few levels deep.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
texts = st.one_of(
    st.text(max_size=300),
    st.text(max_size=20).map(lambda s: s + "\ud800"),  # a lone surrogate
    st.sampled_from(["", " ", "0", "99", "/", "/status", "/mulai", "kirim", "lewati", "🙂" * 40]),
)


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        yield api


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as api:
        yield api


@pytest.fixture
def settings(settings: Settings, fake: FakeBotAPI, twilio: FakeTwilio) -> Settings:
    return settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(fake.token),
            "telegram_webhook_secret": SecretStr(SECRET),
            "telegram_api_base_url": fake.base_url,
            "twilio_account_sid": twilio.account_sid,
            "twilio_auth_token": SecretStr(twilio.auth_token),
            "twilio_whatsapp_from": "whatsapp:+14155238886",
            "twilio_api_base_url": twilio.base_url,
            "public_base_url": PUBLIC,
        }
    )


@st.composite
def telegram_bodies(draw: st.DrawFn) -> dict[str, Any]:
    chat = 7_000_000 + next(_ids)
    update = message_update(chat, "halo")
    message = update["message"]
    for field in draw(
        st.sets(
            st.sampled_from(
                ["text", "chat", "from", "date", "photo", "document", "location", "caption"]
            )
        )
    ):
        message[field] = draw(json_values | texts)
    if draw(st.booleans()):
        update = {
            "update_id": update["update_id"],
            "callback_query": {
                "id": draw(json_values | st.just("cq1")),
                "from": {"id": chat, "is_bot": False, "first_name": "P"},
                "data": draw(json_values | texts),
                "message": draw(json_values | st.just(message)),
            },
        }
    if draw(st.integers(0, 9)) == 0:
        update["update_id"] = draw(json_values)
    return update


def test_fuzzed_telegram_bodies_never_answer_5xx(netra, fake):
    with served(netra, fake) as app:

        @FUZZ
        @given(body=telegram_bodies())
        def check(body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()  # ensure_ascii: a lone surrogate travels as \\ud800
            response = app.post(
                HOOK, content=raw, headers=HEADERS | {"Content-Type": "application/json"}
            )
            assert response.status_code < 500, body

        check()


def test_fuzzed_whatsapp_forms_never_answer_5xx(netra, twilio):
    with ServedApp(create_app(netra, run_jobs=False)) as app:

        @FUZZ
        @given(
            body=st.text(max_size=300),
            fields=st.dictionaries(
                st.sampled_from(
                    [
                        "NumMedia",
                        "Latitude",
                        "Longitude",
                        "ProfileName",
                        "MediaUrl0",
                        "MediaContentType0",
                        "WaId",
                        "From",
                    ]
                ),
                st.text(max_size=40),
                max_size=4,
            ),
        )
        def check(body: str, fields: dict[str, str]) -> None:
            user = WhatsAppUser(
                app, twilio, netra, f"+62812{next(_ids):07d}", public_base_url=PUBLIC
            )
            form = user.form(body) | fields
            assert user.post(form).status_code < 500, form

        check()


# Openings of every Indonesian text whose English differs: an Indonesian reporter must never
# get an English one.
_ENGLISH_ONLY = {
    en[:24] for key, (id_, en) in CATALOGUE.items() if id_[:24] != en[:24] and "{" not in en[:24]
}


def _in_indonesian(replies: list[Any]) -> bool:
    return all(not (r.text or "").startswith(tuple(_ENGLISH_ONLY)) for r in replies)


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
def test_fuzzed_message_at_every_step_is_answered_and_batal_recovers(netra, channel):
    @FUZZ
    @given(step=st.integers(0, len(HAPPY_PATH) - 1), text=texts | st.none())
    def check(step: int, text: str | None) -> None:
        address = (
            f"{next(_ids) + 600_000_000}" if channel == "telegram" else f"+62813{next(_ids):07d}"
        )
        reporter = ScriptedReporter(netra, address, channel=channel)
        for answer in HAPPY_PATH[:step]:
            reporter.send(answer)
        replies = reporter.send(text)
        assert replies, f"no answer at step {step}"
        assert _in_indonesian(replies)
        # /batal leaves an aside (e.g. /status) back to the report first, then ends that.
        for _ in range(2):
            after = reporter.send("/batal")
            assert after and _in_indonesian(after)
            if reporter.step() is None:
                break
        assert reporter.step() is None, "/batal did not end the flow"
        assert reporter.send("/mulai"), "no fresh start after /batal"

    check()
