"""The Telegram channel end to end: real Update JSON over HTTP to the served app, real
python-telegram-bot ``Bot`` talking to a fake Bot API on loopback, real databases."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import func, text
from sqlmodel import select

from bot.app import create_app
from bot.channels.telegram import RateLimiter, TelegramTransport, enable_polling, setup
from bot.config import Settings
from bot.runtime import Netra
from handlers.messages import t
from handlers.types import Reply
from storage.models import (
    Evidence,
    InboundMessage,
    OutboxMessage,
    Reporter,
    Ticket,
    metadata,
)
from tests.fakes.reporter import HAPPY_PATH
from tests.fakes.served_app import ServedApp
from tests.fakes.telegram_api import FakeBotAPI, callback_update, message_update

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

SECRET = "s3cret-webhook-token_for-tests"
HOOK = "/webhooks/telegram"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
MB = 1024 * 1024


def fast_limiter() -> RateLimiter:
    """Limits high enough not to slow the tests; the limiter has its own tests below."""
    return RateLimiter(chat_per_s=1000, chat_burst=1000)


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


def served(netra: Netra, fake: FakeBotAPI, *, send: bool = True) -> ServedApp:
    transports: dict[str, Any] = (
        {"telegram": TelegramTransport(fake.token, fake.base_url, limiter=fast_limiter())}
        if send
        else {}
    )
    return ServedApp(create_app(netra, run_jobs=False, transports=transports))


def settle(netra: Netra, timeout: float = 15.0) -> None:
    """Wait until the outbox holds nothing due for Telegram (everything sent or given up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with netra.session() as session:
            waiting = session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.transport == "telegram", OutboxMessage.status == "pending")
            ).one()
        if waiting == 0:
            return
        time.sleep(0.02)
    raise AssertionError(f"{waiting} Telegram messages still waiting after {timeout}s")


def count(netra: Netra, model: Any) -> int:
    with netra.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def database_dump(netra: Netra) -> str:
    """Every stored value of every table, as text, for scans of what is at rest."""
    parts: list[str] = []
    with netra.db.connect() as conn:
        for table in metadata.sorted_tables:
            parts.append(repr(conn.execute(table.select()).all()))
    return "\n".join(parts)


def tap_or_type(app: ServedApp, fake: FakeBotAPI, chat: int, answer: str) -> str:
    """Tap the button the answer names (by key, number or label) if there is one, else type."""
    buttons = fake.last_buttons(chat)
    chosen = None
    for key, label in buttons:
        if answer.casefold() in (key.casefold(), label.casefold()):
            chosen = key
    if chosen is None and answer.isdigit() and 1 <= int(answer) <= len(buttons):
        chosen = buttons[int(answer) - 1][0]
    update = callback_update(chat, chosen) if chosen else message_update(chat, answer)
    assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
    return "tap" if chosen else "type"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "NetraTestPhoneMaker"  # Make
    exif[0x013B] = "Reporter Real Name"  # Artist
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (8.0, 27.0, 30.0), 3: "E", 4: (118.0, 43.0, 12.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert b"NetraTestPhoneMaker" in data and Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    return data


# --- the conversation ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["buttons", "typed"])
def test_whole_conversation_files_a_ticket(netra, fake, mode):
    chat = 7100 + (1 if mode == "buttons" else 2)
    taps = 0
    with served(netra, fake) as app:
        for answer in HAPPY_PATH:
            if mode == "buttons":
                taps += tap_or_type(app, fake, chat, answer) == "tap"
            else:
                update = message_update(chat, answer)
                assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
            settle(netra)
        texts = fake.sent_texts(chat)
    assert count(netra, Ticket) == 1
    with netra.session() as session:
        code = session.exec(select(Ticket.code)).one()
    assert any(code in text for text in texts[-3:])
    assert t("welcome", "id").split("\n")[0] in texts[0]
    if mode == "buttons":
        assert taps >= 4  # consent, level, same-date, done, send: real callback queries
        assert len(fake.calls_to("answerCallbackQuery")) == taps
    else:
        assert not fake.calls_to("answerCallbackQuery")


def test_choices_arrive_as_inline_buttons_with_their_keys(netra, fake):
    with served(netra, fake) as app:
        app.post(HOOK, json=message_update(7201, "/mulai"), headers=HEADERS)
        settle(netra)
    markup = fake.sent_messages(7201)[-1]["reply_markup"]
    keys = [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
    assert "setuju" in keys


def test_commands_reach_the_engine(netra, fake):
    with served(netra, fake) as app:
        for command in ("/start", "/batal", "/bantuan@NetraTestBot"):
            app.post(HOOK, json=message_update(7202, command), headers=HEADERS)
            settle(netra)
    texts = fake.sent_texts(7202)
    assert t("welcome", "id").split("\n")[0] in texts[0]
    assert len(texts) >= 3


def test_shared_location_suggests_the_nearest_province_to_confirm(netra, fake):
    chat = 7203
    with served(netra, fake) as app:
        for answer in HAPPY_PATH[: HAPPY_PATH.index("Kab. Bima")]:
            app.post(HOOK, json=message_update(chat, answer), headers=HEADERS)
            settle(netra)
        near_mataram = {"location": {"latitude": -8.60, "longitude": 116.10}}
        app.post(HOOK, json=message_update(chat, **near_mataram), headers=HEADERS)
        settle(netra)
        assert ("52", "Provinsi Nusa Tenggara Barat") in fake.last_buttons(chat)
        app.post(HOOK, json=callback_update(chat, "52"), headers=HEADERS)
        settle(netra)
    assert t("ask_incident_date", "id") in fake.sent_texts(chat)[-1]


# --- evidence --------------------------------------------------------------------------------


def _to_evidence_step(app: ServedApp, netra: Netra, chat: int) -> None:
    for answer in HAPPY_PATH[: HAPPY_PATH.index("https://example.org/rekaman")]:
        app.post(HOOK, json=message_update(chat, answer), headers=HEADERS)
        settle(netra)


def test_photo_is_stored_encrypted_without_exif_or_gps(netra, fake, captured_logs):
    chat = 7301
    original = jpeg_with_gps()
    small = fake.add_file(b"thumbnail-not-wanted", path="photos/small.jpg")
    large = fake.add_file(original, path="photos/large.jpg")
    photo = [
        {"file_id": small, "file_unique_id": "s", "width": 8, "height": 6, "file_size": 20},
        {
            "file_id": large,
            "file_unique_id": "l",
            "width": 64,
            "height": 48,
            "file_size": len(original),
        },
    ]
    with served(netra, fake) as app:
        _to_evidence_step(app, netra, chat)
        response = app.post(HOOK, json=message_update(chat, photo=photo), headers=HEADERS)
        assert response.status_code == 200
        settle(netra)
        for answer in HAPPY_PATH[HAPPY_PATH.index("selesai") :]:
            app.post(HOOK, json=message_update(chat, answer), headers=HEADERS)
            settle(netra)

    assert [c.params["file_id"] for c in fake.calls_to("getFile")] == [large]
    with netra.db.connect() as conn:
        raw = conn.execute(text("SELECT data FROM evidence")).scalars().all()
    assert len(raw) == 1
    stored = bytes(raw[0])
    assert not stored.startswith(b"\xff\xd8") and b"NetraTestPhoneMaker" not in stored
    with netra.session() as session:
        evidence = session.exec(select(Evidence)).one()
    assert evidence.ticket_id is not None and evidence.content_type == "image/jpeg"
    assert evidence.data is not None and evidence.data != stored
    clean = Image.open(io.BytesIO(evidence.data))
    assert clean.size == (64, 48)
    assert not clean.getexif() and not clean.getexif().get_ifd(0x8825)
    assert (
        b"NetraTestPhoneMaker" not in evidence.data and b"Reporter Real Name" not in evidence.data
    )

    # The bot token (in every Bot API and file URL) is nowhere at rest or in the logs.
    assert fake.token not in database_dump(netra)
    assert fake.token.split(":")[1] not in captured_logs.text
    assert str(chat) not in captured_logs.text
    if netra.db.dialect.name == "sqlite":
        path = netra.db.url.database
        for suffix in ("", "-wal"):
            try:
                with open(f"{path}{suffix}", "rb") as handle:
                    assert fake.token.encode() not in handle.read()
            except FileNotFoundError:
                pass


def test_document_over_20_mb_is_refused_politely_without_download(netra, fake):
    chat = 7302
    big = fake.add_file(b"", size=25 * MB, path="documents/big.pdf")
    document = {
        "file_id": big,
        "file_unique_id": "big",
        "file_name": "rekaman.pdf",
        "mime_type": "application/pdf",
        "file_size": 25 * MB,
    }
    with served(netra, fake) as app:
        _to_evidence_step(app, netra, chat)
        before = len(fake.sent_texts(chat))
        app.post(HOOK, json=message_update(chat, document=document), headers=HEADERS)
        settle(netra)
    answer = "\n".join(fake.sent_texts(chat)[before:])
    assert t("media_too_large", "id") in answer
    assert not fake.attempts("getFile") and not fake.attempts("download")
    assert count(netra, Evidence) == 0


def test_failed_download_is_answered_not_retried_through_a_5xx(netra, fake):
    """Telegram delivers updates in order: a 5xx would hold every reporter back. Ask instead."""
    chat = 7304
    photo = fake.add_file(b"\xff\xd8 not really", path="photos/p.jpg")
    sizes = [{"file_id": photo, "file_unique_id": "p", "width": 10, "height": 10, "file_size": 12}]
    with served(netra, fake) as app:
        _to_evidence_step(app, netra, chat)
        fake.fail("getFile", count=1)
        response = app.post(HOOK, json=message_update(chat, photo=sizes), headers=HEADERS)
        settle(netra)
    assert response.status_code == 200
    assert t("media_unavailable", "id") in fake.sent_texts(chat)[-2]
    assert count(netra, Evidence) == 0


def test_voice_note_is_kept_as_evidence(netra, fake):
    chat = 7303
    voice = fake.add_file(b"OggS" + b"\x00" * 200, path="voice/v.oga")
    note = {"file_id": voice, "file_unique_id": "v", "duration": 3, "mime_type": "audio/ogg"}
    with served(netra, fake) as app:
        _to_evidence_step(app, netra, chat)
        app.post(HOOK, json=message_update(chat, voice=note), headers=HEADERS)
        settle(netra)
    with netra.session() as session:
        evidence = session.exec(select(Evidence)).one()
    assert evidence.kind == "voice" and evidence.data == b"OggS" + b"\x00" * 200


# --- nothing lost, nothing twice -------------------------------------------------------------


def test_retried_update_has_one_effect_and_sends_no_second_reply(netra, fake):
    chat = 7401
    with served(netra, fake) as app:
        for answer in HAPPY_PATH[:3]:
            update = message_update(chat, answer)
            for _ in range(2):  # Telegram delivers each update twice
                assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
            settle(netra)
        texts_before_tap = len(fake.sent_texts(chat))
        tap = callback_update(chat, "kabkota")
        for _ in range(2):
            assert app.post(HOOK, json=tap, headers=HEADERS).status_code == 200
        settle(netra)
    with netra.session() as session:
        assert session.exec(select(func.count()).select_from(InboundMessage)).one() == 4
        assert session.exec(select(func.count()).select_from(Reporter)).one() == 1
    texts = fake.sent_texts(chat)
    assert len(texts) == len(set(texts))  # no reply twice
    assert len(texts) > texts_before_tap
    assert len(fake.calls_to("answerCallbackQuery")) == 1


def test_reply_committed_before_a_crash_is_sent_after_restart(netra, fake):
    chat = 7402
    with served(netra, fake, send=False) as app:  # commits, then "dies" before sending
        assert (
            app.post(HOOK, json=message_update(chat, "/mulai"), headers=HEADERS).status_code == 200
        )
    assert fake.sent_texts(chat) == []
    assert count(netra, OutboxMessage) >= 1
    with served(netra, fake):  # the restart: its sender finds the committed reply
        fake.wait_for_texts(chat, 1)
        settle(netra)
    assert t("welcome", "id").split("\n")[0] in fake.sent_texts(chat)[0]


def test_429_storm_delays_but_delivers_every_reply(netra, fake):
    chats = [7501, 7502, 7503]
    with served(netra, fake) as app:
        fake.rate_limit(count=6, retry_after=1)
        for chat in chats:
            app.post(HOOK, json=message_update(chat, "/mulai"), headers=HEADERS)
        for chat in chats:
            app.post(HOOK, json=message_update(chat, "setuju"), headers=HEADERS)
        settle(netra, timeout=30)
    refused = [c for c in fake.attempts("sendMessage") if c.status == 429]
    assert len(refused) == 6
    with netra.session() as session:
        expected = session.exec(select(func.count()).select_from(OutboxMessage)).one()
        statuses = set(session.exec(select(OutboxMessage.status)).all())
    assert statuses == {"sent"}
    assert len(fake.sent_texts()) == expected
    for chat in chats:
        assert t("welcome", "id").split("\n")[0] in fake.sent_texts(chat)[0]


def test_blocked_bot_stops_retrying_and_marks_reporter_unreachable(netra, fake):
    chat = 7601
    fake.block(chat)
    with served(netra, fake) as app:
        app.post(HOOK, json=message_update(chat, "/mulai"), headers=HEADERS)
        settle(netra)
        attempts = len(fake.attempts("sendMessage"))
        time.sleep(1.2)  # a poll of the sender: nothing is tried again
        assert len(fake.attempts("sendMessage")) == attempts
    with netra.session() as session:
        assert session.exec(select(Reporter)).one().unreachable
        assert "failed" in set(session.exec(select(OutboxMessage.status)).all())


def test_transient_failure_is_retried(netra, fake):
    chat = 7602
    fake.fail("sendMessage", count=1, status=502)
    with served(netra, fake) as app:
        app.post(HOOK, json=message_update(chat, "/mulai"), headers=HEADERS)
        fake.wait_for_texts(chat, 1, timeout=15)


# --- who may talk to the webhook -------------------------------------------------------------


def test_group_message_gets_one_notice_and_nothing_is_stored(netra, fake):
    group = -1001234567
    with served(netra, fake) as app:
        for words in ("/mulai", "saya mau lapor camat"):
            update = message_update(group, words, chat_type="supergroup")
            assert app.post(HOOK, json=update, headers=HEADERS).status_code == 200
        fake.wait_for_texts(group, 1)
        time.sleep(0.2)
    assert fake.sent_texts(group) == [t("private_only", "id")]
    for model in (Reporter, InboundMessage, OutboxMessage):
        assert count(netra, model) == 0


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "forged"}])
def test_forged_or_missing_secret_is_refused_and_nothing_stored(netra, fake, headers):
    with served(netra, fake) as app:
        response = app.post(HOOK, json=message_update(7701, "/mulai"), headers=headers)
        time.sleep(0.2)
    assert response.status_code == 403
    assert count(netra, InboundMessage) == 0 and count(netra, Reporter) == 0
    assert not fake.attempts("sendMessage")


@pytest.mark.parametrize(
    "body", [b'{"hello": "world"}', b"not json at all", b'{"update_id": "x"}', b"[1, 2]"]
)
def test_body_that_is_not_an_update_gets_200_and_a_log_line(netra, fake, captured_logs, body):
    with served(netra, fake) as app:
        response = app.post(
            HOOK, content=body, headers=HEADERS | {"content-type": "application/json"}
        )
    assert response.status_code == 200
    assert "not a Telegram update" in captured_logs.text
    assert count(netra, InboundMessage) == 0


def test_text_update_arriving_in_pieces_is_answered_like_any_other(netra, fake):
    """A body past the webhook's fast path (here padded to 300 kB, so it reaches the server in
    several reads) is handed on whole to the full route: the reporter is answered once."""
    body = json.dumps(message_update(7703, "/mulai")).encode()
    padded = body[:-1] + b" " * 300_000 + b"}"
    with served(netra, fake) as app:
        response = app.post(
            HOOK, content=padded, headers=HEADERS | {"content-type": "application/json"}
        )
        settle(netra)
    assert response.status_code == 200
    assert count(netra, InboundMessage) == 1
    assert t("welcome", "id").split("\n")[0] in fake.sent_texts(7703)[0]


def test_plain_text_and_a_button_tap_answer_in_order(netra, fake):
    """Typed text (served before FastAPI's routing) and a tap (through it) share one
    conversation: the consent question's buttons come back, and tapping one moves on."""
    with served(netra, fake) as app:
        assert (
            app.post(HOOK, json=message_update(7704, "/mulai"), headers=HEADERS).status_code == 200
        )
        settle(netra)
        keys = [key for key, _ in fake.last_buttons(7704)]
        assert keys, "the consent question offers buttons"
        assert tap_or_type(app, fake, 7704, keys[0]) == "tap"
        settle(netra)
    assert len(fake.sent_texts(7704)) >= 3
    assert count(netra, InboundMessage) == 2


def test_update_of_an_unused_kind_gets_200(netra, fake, captured_logs):
    edited = message_update(7702, "ralat")
    edited["edited_message"] = edited.pop("message")
    with served(netra, fake) as app:
        assert app.post(HOOK, json=edited, headers=HEADERS).status_code == 200
    assert "edited_message" in captured_logs.text
    assert count(netra, InboundMessage) == 0


# --- setup, polling, outbound limits ---------------------------------------------------------


def test_setup_sets_commands_and_webhook_with_secret(settings, fake):
    url = asyncio.run(setup(settings))
    assert url == "https://netra.example.org/webhooks/telegram"
    assert fake.webhook is not None
    assert fake.webhook["url"] == url and fake.webhook["secret_token"] == SECRET
    assert fake.webhook["allowed_updates"] == ["message", "callback_query"]
    assert fake.webhook["drop_pending_updates"] is False
    names = {c["command"] for c in fake.commands}
    assert {"mulai", "batal", "bantuan", "status", "bahasa"} <= names
    assert len(fake.calls_to("setMyCommands")) == 2  # Indonesian default and English


def test_polling_mode_answers_without_a_webhook(netra, fake):
    chat = 7801
    app = create_app(
        netra,
        run_jobs=False,
        transports={
            "telegram": TelegramTransport(fake.token, fake.base_url, limiter=fast_limiter())
        },
    )
    enable_polling(app, netra)
    fake.queue_update(message_update(chat, "/mulai"))
    with ServedApp(app):
        fake.wait_for_texts(chat, 1, timeout=15)
    assert fake.calls_to("deleteWebhook")
    assert count(netra, InboundMessage) == 1


def test_per_chat_limit_spaces_messages_to_one_chat(fake):
    limiter = RateLimiter(chat_per_s=10, chat_burst=1)

    async def burst() -> None:
        transport = TelegramTransport(fake.token, fake.base_url, limiter=limiter)
        await asyncio.gather(
            *(transport.send("42", Reply(f"pesan {i}").to_payload()) for i in range(5))
        )
        await transport.close()

    asyncio.run(burst())
    times = [c.at for c in fake.calls_to("sendMessage")]
    assert len(times) == 5 and times[-1] - times[0] >= 0.35


def test_replies_are_not_held_back_by_the_chat_pace_but_a_notice_after_them_is(fake):
    """A reporter answering fast gets each reply at once; a notice queued right after waits."""
    limiter = RateLimiter(chat_per_s=2, chat_burst=1)

    async def conversation() -> None:
        transport = TelegramTransport(fake.token, fake.base_url, limiter=limiter)
        for i in range(4):
            await transport.send("43", Reply(f"balasan {i}").to_payload(), reply=True)
        await transport.send("43", Reply("pemberitahuan").to_payload())
        await transport.close()

    asyncio.run(conversation())
    times = [c.at for c in fake.calls_to("sendMessage")]
    assert len(times) == 5
    assert times[3] - times[0] < 0.3, "four replies, no pacing between them"
    assert times[4] - times[3] >= 1.0, "the notice waited for the chat's pace"
