"""One scenario suite, every channel: the same conversations on the web chat, Telegram and
WhatsApp, each over real HTTP to the served app, with platform replies read at loopback fakes.

A small driver per channel says how a person types, picks an option from the last menu (a
tapped button on Telegram, a typed number on WhatsApp, the option's key on the web chat),
sends a photo or a location, and what came back. The scenarios never name a channel.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any, Protocol

import pytest
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import func, text
from sqlmodel import select

from bot.app import create_app
from bot.channels.telegram import RateLimiter, TelegramTransport
from bot.channels.whatsapp import TwilioTransport
from bot.config import Settings
from bot.runtime import Netra
from storage.models import Evidence, InboundMessage, OutboxMessage, Reporter, Ticket
from tests.fakes.images import MAKER, jpeg_with_gps
from tests.fakes.served_app import ServedApp
from tests.fakes.telegram_api import FakeBotAPI, callback_update, message_update
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.fakes.whatsapp_user import WhatsAppUser

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

PUBLIC = "https://netra.example.org"
TG_SECRET = "s3cret-webhook-token_for-e2e"
BIMA = (-8.46, 118.72)  # a shared location in Kabupaten Bima, Nusa Tenggara Barat


class Driver(Protocol):
    channel: str
    address: str

    def send(self, text: str) -> list[str]: ...

    def choose(self, number: int) -> list[str]: ...

    def send_photo(self, data: bytes) -> list[str]: ...

    def share_location(self, lat: float, lon: float) -> list[str]: ...

    def redeliver_last(self) -> list[str]: ...

    def menu(self) -> list[str]: ...


def _settle(netra: Netra, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with netra.session() as session:
            pending = session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "pending")
            ).one()
        if pending == 0:
            return
        assert time.monotonic() < deadline, f"{pending} outbox message(s) still pending"
        time.sleep(0.02)


class LocalDriver:
    """The web chat: replies come back in the HTTP response; options are picked by key."""

    channel = "local"

    def __init__(self, served: ServedApp) -> None:
        self.served = served
        self.last_menu: list[tuple[str, str]] = []
        self.last_request: tuple[str, dict[str, Any]] | None = None

    @property
    def address(self) -> str:
        return str(self.served.client.cookies.get("netra_chat"))

    def _post(self, path: str, **kwargs: Any) -> list[str]:
        self.last_request = (path, kwargs)
        response = self.served.post(path, **kwargs)
        assert response.status_code == 200
        if token := response.cookies.get("netra_chat"):
            # The cookie is Secure (PUBLIC_BASE_URL is https); a browser still sends it to
            # loopback, which it treats as a secure origin, but httpx would not.
            self.served.client.cookies.clear()
            self.served.client.cookies.set("netra_chat", token)
        replies = response.json()["replies"]
        menus = [r["choices"] for r in replies if r["choices"]]
        if menus:
            self.last_menu = [(k, label) for k, label in menus[-1]]
        return [r["text"] for r in replies]

    def send(self, text: str) -> list[str]:
        return self._post("/chat/api/message", json={"text": text, "message_id": uuid.uuid4().hex})

    def choose(self, number: int) -> list[str]:
        return self.send(self.last_menu[number - 1][0])

    def send_photo(self, data: bytes) -> list[str]:
        return self._post(
            "/chat/api/upload",
            files={"file": ("foto.jpg", data, "image/jpeg")},
            data={"message_id": uuid.uuid4().hex},
        )

    def share_location(self, lat: float, lon: float) -> list[str]:
        pytest.skip("the web chat has no location sharing")

    def redeliver_last(self) -> list[str]:
        assert self.last_request is not None
        path, kwargs = self.last_request
        return self._post(path, **kwargs)

    def menu(self) -> list[str]:
        return [label for _, label in self.last_menu]


class TelegramDriver:
    """Telegram: real Update JSON to the webhook; options are tapped inline buttons."""

    channel = "telegram"

    def __init__(self, served: ServedApp, fake: FakeBotAPI, netra: Netra, chat: int) -> None:
        self.served, self.fake, self.netra, self.chat = served, fake, netra, chat
        self.address = str(chat)
        self.seen = 0
        self.last_update: dict[str, Any] | None = None

    def _post(self, update: dict[str, Any]) -> list[str]:
        self.last_update = update
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        assert self.served.post("/webhooks/telegram", json=update, headers=headers).status_code
        _settle(self.netra)
        texts = self.fake.sent_texts(self.chat)
        new, self.seen = texts[self.seen :], len(texts)
        return new

    def send(self, text: str) -> list[str]:
        return self._post(message_update(self.chat, text))

    def choose(self, number: int) -> list[str]:
        key, label = self.fake.last_buttons(self.chat)[number - 1]
        if key == label:  # a reply keyboard: the label is typed
            return self.send(label)
        return self._post(callback_update(self.chat, key))

    def send_photo(self, data: bytes) -> list[str]:
        file_id = self.fake.add_file(data, path=f"photos/{uuid.uuid4().hex}.jpg")
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": "u",
                "width": 64,
                "height": 48,
                "file_size": len(data),
            }  # fmt: skip
        ]
        return self._post(message_update(self.chat, photo=photo))

    def share_location(self, lat: float, lon: float) -> list[str]:
        return self._post(message_update(self.chat, location={"latitude": lat, "longitude": lon}))

    def redeliver_last(self) -> list[str]:
        assert self.last_update is not None
        return self._post(self.last_update)

    def menu(self) -> list[str]:
        return [label for _, label in self.fake.last_buttons(self.chat)]


class WhatsAppDriver:
    """WhatsApp: Twilio's signed form posts; options are numbers typed back."""

    channel = "whatsapp"

    def __init__(self, user: WhatsAppUser, fake: FakeTwilio) -> None:
        self.user, self.fake = user, fake
        self.address = user.number
        self.last_form: dict[str, str] | None = None
        self.last_texts: list[str] = []

    def _post(self, form: dict[str, str]) -> list[str]:
        self.last_form = form
        assert self.user.post(form).status_code == 200
        texts = self.user.replies()
        if texts:
            self.last_texts = texts
        return texts

    def send(self, text: str) -> list[str]:
        return self._post(self.user.form(text))

    def choose(self, number: int) -> list[str]:
        assert 1 <= number <= len(self.menu())
        return self.send(str(number))

    def send_photo(self, data: bytes) -> list[str]:
        return self._post(self.user.form(media=[(self.fake.add_media(data), "image/jpeg")]))

    def share_location(self, lat: float, lon: float) -> list[str]:
        return self._post(self.user.form(location=(lat, lon)))

    def redeliver_last(self) -> list[str]:
        assert self.last_form is not None
        return self._post(self.last_form)

    def menu(self) -> list[str]:
        for body in reversed(self.last_texts):
            options = [m.group(1) for m in re.finditer(r"^\d+\. (.+)$", body, re.MULTILINE)]
            if options:
                return options
        return []


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def telegram_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, telegram_api: FakeBotAPI, twilio: FakeTwilio) -> Settings:
    return settings.model_copy(
        update={
            "public_base_url": PUBLIC,
            "telegram_bot_token": SecretStr(telegram_api.token),
            "telegram_webhook_secret": SecretStr(TG_SECRET),
            "telegram_api_base_url": telegram_api.base_url,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_whatsapp_from": "whatsapp:+14155238886",
            "twilio_api_base_url": twilio.base_url,
        }
    )


@pytest.fixture(params=["local", "telegram", "whatsapp"])
def driver(
    request: pytest.FixtureRequest, netra: Netra, telegram_api: FakeBotAPI, twilio: FakeTwilio
) -> Iterator[Driver]:
    transports: dict[str, Any] = {
        "telegram": TelegramTransport(
            telegram_api.token,
            telegram_api.base_url,
            limiter=RateLimiter(chat_per_s=1000, chat_burst=1000),
        ),
        "whatsapp": TwilioTransport(netra.db, netra.settings),
    }
    with ServedApp(create_app(netra, run_jobs=False, transports=transports)) as served:
        if request.param == "local":
            yield LocalDriver(served)
        elif request.param == "telegram":
            yield TelegramDriver(served, telegram_api, netra, chat=5150)
        else:
            user = WhatsAppUser(served, twilio, netra, "+6281299990000", public_base_url=PUBLIC)
            yield WhatsAppDriver(user, twilio)


def _reporter(netra: Netra, driver: Driver) -> Reporter:
    with netra.session() as session:
        lookup = f"{driver.channel}:{driver.address}"
        return session.exec(select(Reporter).where(Reporter.lookup == lookup)).one()


def _count(netra: Netra, model: type) -> int:
    with netra.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _to_evidence(driver: Driver, *, greet: bool = True) -> None:
    if greet:
        driver.send("halo")
    driver.choose(1)  # consent: agree
    driver.choose(1)  # category: the first of the menu
    driver.send("Camat Sape, Pemerintah Kabupaten Bima")
    driver.choose(1)  # level: kabupaten/kota
    driver.choose(1)  # name: skip
    driver.send("Kab. Bima")
    driver.send("kemarin")
    driver.choose(1)  # learned: the same day
    replies = driver.send("Camat hadir di kampanye pasangan calon nomor 2 dan mengajak warga.")
    assert any("bukti" in r.lower() for r in replies), replies


# --- scenarios -------------------------------------------------------------------------------


def test_a_report_is_filed_with_menu_choices_and_typed_answers(driver: Driver, netra: Netra):
    first = driver.send("halo")
    assert any("Selamat datang di Netra" in r for r in first)
    assert driver.menu()[0] == "Setuju, lanjut"
    _to_evidence(driver, greet=False)
    driver.send("https://example.org/rekaman")
    driver.choose(1)  # evidence: done
    driver.choose(1)  # witnesses: skip
    assert driver.menu()[-1] == "Lewati semua"
    driver.choose(5)  # the short optional questions: skip all
    assert driver.menu()[0] == "Kirim laporan"
    done = "\n".join(driver.choose(1))
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
    assert ticket.code in done
    assert ticket.reporter_id == _reporter(netra, driver).id


def test_a_photo_is_kept_encrypted_without_its_gps(driver: Driver, netra: Netra):
    _to_evidence(driver)
    saved = "\n".join(driver.send_photo(jpeg_with_gps()))
    assert "Bukti diterima (1)" in saved
    with netra.session() as session:
        evidence = session.exec(select(Evidence)).one()
    assert evidence.kind == "photo" and evidence.data
    assert not Image.open(io.BytesIO(evidence.data)).getexif()
    with netra.db.connect() as conn:
        raw = bytes(conn.execute(text("SELECT data FROM evidence")).scalar_one())
    assert MAKER.encode() not in raw and b"\xff\xd8\xff" not in raw


def test_a_message_delivered_twice_acts_once(driver: Driver, netra: Netra):
    driver.send("halo")
    driver.choose(1)
    inbound = _count(netra, InboundMessage)
    outbox_rows = _count(netra, OutboxMessage)
    assert driver.redeliver_last() == []
    assert _count(netra, InboundMessage) == inbound
    assert _count(netra, OutboxMessage) == outbox_rows


def test_batal_as_a_bare_word_discards_the_draft(driver: Driver, netra: Netra):
    _to_evidence(driver)
    driver.send_photo(jpeg_with_gps())
    assert _count(netra, Evidence) == 1
    cancelled = "\n".join(driver.send("BATAL"))
    assert "dibatalkan" in cancelled.lower()
    assert _count(netra, Evidence) == 0


def test_a_shared_location_suggests_the_region(driver: Driver):
    driver.send("halo")
    driver.choose(1)
    driver.choose(1)
    driver.send("Camat Sape, Pemerintah Kabupaten Bima")
    driver.choose(1)
    driver.choose(1)
    suggestion = "\n".join(driver.share_location(*BIMA))
    assert "Nusa Tenggara Barat" in suggestion
    assert any("Nusa Tenggara Barat" in option for option in driver.menu())


def test_berhenti_and_langganan_switch_announcements(driver: Driver, netra: Netra):
    driver.send("halo")
    assert "LANGGANAN" in "\n".join(driver.send("BERHENTI"))
    assert _reporter(netra, driver).subscribed is False
    driver.send("LANGGANAN")
    assert _reporter(netra, driver).subscribed is True
    driver.send("STOP")
    assert _reporter(netra, driver).subscribed is False
