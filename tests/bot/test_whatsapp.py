"""WhatsApp through Twilio, end to end: signed form posts over HTTP to the served app, replies
read at a fake Twilio on 127.0.0.1, the real twilio ``Client`` and ``RequestValidator``."""

from __future__ import annotations

import dataclasses
import io
import logging
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from PIL import ExifTags, Image
from pydantic import SecretStr
from sqlalchemy import func, text
from sqlmodel import select

from bot import channels
from bot.app import create_app
from bot.channels.whatsapp import render, split_body
from bot.config import Settings
from bot.runtime import Netra, utcnow
from handlers.types import Choice, Reply
from storage import outbox
from storage.models import Evidence, InboundMessage, OutboxMessage, Reporter, Ticket, metadata
from tests.fakes.reporter import HAPPY_PATH
from tests.fakes.served_app import ServedApp
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.fakes.whatsapp_user import WhatsAppUser, new_sid, wait_for_outbox

PUBLIC = "https://netra.example.org"
NUMBER = "+6281234567890"
TEMPLATE = "HX" + "a1" * 16


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, twilio: FakeTwilio) -> Settings:
    """The conftest settings plus a WhatsApp channel pointed at the fake Twilio."""
    return settings.model_copy(
        update={
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_whatsapp_from": "whatsapp:+14155238886",
            "twilio_api_base_url": twilio.base_url,
            "public_base_url": PUBLIC,
            "twilio_template_notify": TEMPLATE,
        }
    )


@pytest.fixture
def served(netra: Netra) -> Iterator[ServedApp]:
    # The default transports: this also proves the channel registers itself when configured.
    with ServedApp(create_app(netra, run_jobs=False)) as app:
        yield app


@pytest.fixture
def user(served: ServedApp, twilio: FakeTwilio, netra: Netra) -> WhatsAppUser:
    return WhatsAppUser(served, twilio, netra, NUMBER, public_base_url=PUBLIC)


def _reporter(netra: Netra, number: str = NUMBER) -> Reporter:
    with netra.session() as session:
        found = session.exec(select(Reporter).where(Reporter.lookup == f"whatsapp:{number}")).one()
        return found


def _count(netra: Netra, model: type) -> int:
    with netra.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _gps_jpeg() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = img.getexif()
    exif[0x010F] = "NetraTestPhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (8.0, 30.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (118.0, 45.0, 0.0)
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


TO_EVIDENCE = HAPPY_PATH[1:10]  # from consent to the evidence step


# --- the conversation ------------------------------------------------------------------------


def test_whole_report_answered_with_menu_numbers(user: WhatsAppUser, netra: Netra):
    first = "\n".join(user.send("halo"))
    assert "1. Setuju, lanjut" in first and "Balas 1–3" in first
    categories = "\n".join(user.send("1"))
    assert "Langkah 1/8" in categories and "\n1. " in categories and "Balas 1–" in categories
    for answer in (
        "1",
        "Camat Sape, Pemerintah Kabupaten Bima",
        "1",  # level: kabupaten/kota
        "1",  # name: skip
        "Kab. Bima",
        "kemarin",
        "1",  # learned: the same day
        "Camat hadir di kampanye pasangan calon nomor 2 dan mengajak warga memilihnya.",
        "https://example.org/rekaman",
        "1",  # evidence: done
        "1",  # witnesses: skip
        "5",  # the short optional questions: skip all
    ):
        replies = user.send(answer)
        assert replies, f"no reply to {answer!r}"
    summary = "\n".join(replies)
    assert "1. Kirim laporan" in summary
    done = "\n".join(user.send("1"))
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
    assert ticket.code in done and ticket.category
    assert ticket.reporter_id == _reporter(netra).id


def test_whole_report_answered_with_words(user: WhatsAppUser, netra: Netra):
    user.send("MULAI")
    for answer in HAPPY_PATH[1:]:
        last = user.send(answer)
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
    assert ticket.code in "\n".join(last)


def test_bare_words_work_as_commands(user: WhatsAppUser):
    user.send("halo")
    user.send("setuju")
    help_text = "\n".join(user.send("BANTUAN"))
    assert "/status" in help_text and "Langkah 1/8" in help_text  # help, then the step again
    assert "dibatalkan" in "\n".join(user.send("BATAL")).lower()
    assert "kode laporan" in "\n".join(user.send("STATUS")).lower()


# --- authenticity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forgery",
    ["missing", "wrong_token", "wrong_url", "loopback_url", "dropped_parameter", "trimmed_value"],
)
def test_forged_webhook_is_refused_and_nothing_is_stored(
    forgery: str, user: WhatsAppUser, twilio: FakeTwilio, netra: Netra, served: ServedApp
):
    form = user.form("halo", media=[(twilio.add_media(_gps_jpeg()), "image/jpeg")])
    signature = user.signature(form)
    if forgery == "missing":
        response = served.post("/webhooks/whatsapp", data=form)
    else:
        if forgery == "wrong_token":
            from twilio.request_validator import RequestValidator

            signature = RequestValidator("another-token").compute_signature(
                PUBLIC + "/webhooks/whatsapp", form
            )
        elif forgery == "wrong_url":
            signature = user.signature(form, "https://attacker.example.net/webhooks/whatsapp")
        elif forgery == "loopback_url":
            # Signed for the address the request really reached, with forwarded headers set:
            # Netra must check against PUBLIC_BASE_URL only.
            signature = user.signature(form, served.base_url + "/webhooks/whatsapp")
        elif forgery == "dropped_parameter":
            del form["MediaUrl0"]
        elif forgery == "trimmed_value":
            form["Body"] = "hal"
        response = user.post(
            form,
            signature=signature,
            headers={
                "X-Forwarded-Host": "127.0.0.1",
                "X-Forwarded-Proto": "http",
            },
        )
    assert response.status_code == 403
    assert _count(netra, Reporter) == 0
    assert _count(netra, InboundMessage) == 0
    assert twilio.messages == [] and twilio.media_requests == []


def test_each_message_delivered_twice_has_one_effect(user: WhatsAppUser, netra: Netra):
    user.send("halo")
    form = user.form("setuju", sid=new_sid())
    first = user.post(form)
    replies = user.replies()
    outbox_rows = _count(netra, OutboxMessage)
    second = user.post(form)  # Twilio re-sends the same MessageSid
    assert first.status_code == second.status_code == 200
    assert user.replies() == []
    assert replies and _count(netra, OutboxMessage) == outbox_rows
    assert _count(netra, InboundMessage) == 2


def test_authentic_status_callback_is_acknowledged_and_ignored(
    user: WhatsAppUser, netra: Netra, captured_logs
):
    form = {"MessageSid": new_sid(), "MessageStatus": "delivered", "To": user.to}
    response = user.post(form)
    assert response.status_code == 200
    assert _count(netra, Reporter) == 0
    assert "unrecognised payload" in captured_logs.text


# --- evidence --------------------------------------------------------------------------------


def test_photo_loses_its_gps_exif_and_is_stored_encrypted(
    user: WhatsAppUser, twilio: FakeTwilio, netra: Netra
):
    for answer in ("halo", *TO_EVIDENCE):
        user.send(answer)
    original = _gps_jpeg()
    # Twilio answers the media URL with a redirect to its CDN: followed, same origin here.
    url = twilio.add_media(original, "image/jpeg", redirect=True)
    replies = "\n".join(user.send("foto spanduk", media=[(url, "image/jpeg")]))
    assert "Bukti diterima (1)" in replies
    with netra.session() as session:
        evidence = session.exec(select(Evidence)).one()
    assert evidence.kind == "photo" and evidence.data
    stored = Image.open(io.BytesIO(evidence.data))
    assert dict(stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)) == {}
    assert b"NetraTestPhoneMaker" not in evidence.data
    with netra.db.connect() as conn:
        raw = conn.execute(text("SELECT data FROM evidence")).scalar_one()
    assert b"\xff\xd8\xff" not in bytes(raw) and b"NetraTestPhoneMaker" not in bytes(raw)


@pytest.mark.parametrize(
    ("content_type", "size", "declare_length"),
    [
        ("video/mp4", 20 * 1024 * 1024, True),
        ("video/mp4", 20 * 1024 * 1024, False),  # no Content-Length: stopped while streaming
        ("image/jpeg", 6 * 1024 * 1024, True),  # WhatsApp's image cap is 5 MB
    ],
)
def test_oversized_media_is_refused_politely(
    content_type: str,
    size: int,
    declare_length: bool,
    user: WhatsAppUser,
    twilio: FakeTwilio,
    netra: Netra,
):
    for answer in ("halo", *TO_EVIDENCE):
        user.send(answer)
    url = twilio.add_media(content_type=content_type, size=size, declare_length=declare_length)
    replies = "\n".join(user.send(media=[(url, content_type)]))
    assert "terlalu besar" in replies
    assert "Google Drive" in replies
    assert _count(netra, Evidence) == 0


def test_a_message_with_one_good_and_one_oversized_file_keeps_the_good_one(
    user: WhatsAppUser, twilio: FakeTwilio, netra: Netra
):
    for answer in ("halo", *TO_EVIDENCE):
        user.send(answer)
    photo = twilio.add_media(_gps_jpeg(), "image/jpeg")
    video = twilio.add_media(content_type="video/mp4", size=20 * 1024 * 1024)
    replies = "\n".join(user.send(media=[(photo, "image/jpeg"), (video, "video/mp4")]))
    assert "Bukti diterima (1)" in replies and "terlalu besar" in replies
    assert _count(netra, Evidence) == 1


def test_media_outside_twilio_is_never_fetched(
    user: WhatsAppUser, twilio: FakeTwilio, netra: Netra
):
    for answer in ("halo", *TO_EVIDENCE):
        user.send(answer)
    with FakeTwilio() as elsewhere:  # another origin (another port), same credentials
        url = elsewhere.add_media(_gps_jpeg(), "image/jpeg")
        replies = "\n".join(user.send(media=[(url, "image/jpeg")]))
        assert elsewhere.media_requests == []
    assert "tidak bisa diterima" in replies
    assert _count(netra, Evidence) == 0


# --- outbound and the 24-hour window ---------------------------------------------------------


def _push(netra: Netra, texts: list[str], number: str = NUMBER) -> None:
    """What an officer's question or a status change does: a reply queued for later."""
    reporter = _reporter(netra, number)
    with netra.session() as session:
        for body in texts:
            outbox.enqueue(
                session,
                transport="whatsapp",
                address=number,
                payload=Reply(body).to_payload(),
                now=utcnow(),
                reporter_id=reporter.id,
            )
        session.commit()


def _age(netra: Netra, hours: float, number: str = NUMBER) -> None:
    with netra.session() as session:
        reporter = session.exec(
            select(Reporter).where(Reporter.lookup == f"whatsapp:{number}")
        ).one()
        reporter.last_inbound_at = utcnow() - timedelta(hours=hours)
        session.add(reporter)
        session.commit()


def _statuses(netra: Netra) -> list[str]:
    with netra.session() as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [m.status for m in rows]


def _wait_statuses(netra: Netra, count_held: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while _statuses(netra).count("held") < count_held:
        assert time.monotonic() < deadline, _statuses(netra)
        time.sleep(0.05)


def test_outside_the_window_a_template_is_sent_and_the_message_held_until_the_reporter_writes(
    user: WhatsAppUser, netra: Netra
):
    user.send("halo")
    _age(netra, hours=25)
    _push(netra, ["Bawaslu bertanya: di mana spanduk itu?", "Pertanyaan kedua."])
    _wait_statuses(netra, count_held=2)
    assert user.replies() == [f"[template {TEMPLATE}]"]  # one nudge, never free text
    with netra.session() as session:
        held = session.exec(select(OutboxMessage).where(OutboxMessage.status == "held")).all()
        assert all("24-hour window" in (m.last_error or "") for m in held)
    later = user.send("BANTUAN")  # the reporter writes: window open, held messages go first
    assert later[0] == "Bawaslu bertanya: di mana spanduk itu?"
    assert later[1] == "Pertanyaan kedua."
    assert "/status" in later[2]
    assert "held" not in _statuses(netra)


def test_outside_the_window_without_a_template_the_message_is_held_and_logged(
    netra: Netra, twilio: FakeTwilio, captured_logs
):
    netra.settings.twilio_template_notify = None
    with ServedApp(create_app(netra, run_jobs=False)) as served:
        user = WhatsAppUser(served, twilio, netra, NUMBER, public_base_url=PUBLIC)
        user.send("halo")
        _age(netra, hours=30)
        _push(netra, ["Kabar baru tentang laporan Anda."])
        _wait_statuses(netra, count_held=1)
        assert user.replies() == []
    assert "TWILIO_TEMPLATE_NOTIFY is not set" in captured_logs.text


@pytest.mark.parametrize(
    ("code", "status", "unreachable"),
    [(21610, "failed", True), (63016, "held", False)],
)
def test_twilio_refusals_stop_retries(
    code: int, status: str, unreachable: bool, user: WhatsAppUser, twilio: FakeTwilio, netra: Netra
):
    twilio.fail(code)
    user.send("halo")
    wait_for_outbox(netra)
    with netra.session() as session:
        first = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        assert first is not None and first.status == status and first.attempts == 1
        assert str(code) in (first.last_error or "")
        assert NUMBER.lstrip("+") not in (first.last_error or "")
    assert _reporter(netra).unreachable is unreachable


# --- broadcasts: STOP / BERHENTI / LANGGANAN / START -----------------------------------------


def test_stop_and_berhenti_opt_out_langganan_opts_in_start_starts_a_report(
    user: WhatsAppUser, netra: Netra
):
    user.send("halo")
    assert "LANGGANAN" in "\n".join(user.send("BERHENTI"))
    assert _reporter(netra).subscribed is False
    assert "BERHENTI" in "\n".join(user.send("LANGGANAN"))
    assert _reporter(netra).subscribed is True
    user.send("STOP")
    assert _reporter(netra).subscribed is False
    started = "\n".join(user.send("START"))
    assert "Lanjutkan membuat laporan?" in started  # START makes a report, never an opt-in
    assert _reporter(netra).subscribed is False
    menu = "\n".join(user.send("1"))
    assert "Langkah 1/8" in menu
    again = "\n".join(user.send("STOP"))  # mid-report: opted out, and the step is re-asked
    assert "pengumuman" in again and "Langkah 1/8" in again


# --- identity --------------------------------------------------------------------------------


def _raw_database(netra: Netra) -> str:
    """Every stored value as the database holds it (no decryption), for identifier scans."""
    parts: list[str] = []
    with netra.db.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def test_phone_number_never_reaches_the_database_or_the_logs(
    user: WhatsAppUser, twilio: FakeTwilio, netra: Netra, captured_logs
):
    twilio.fail(21610)
    user.send("halo")
    for answer in ("halo", *TO_EVIDENCE):
        user.send(answer)
    user.send(media=[(twilio.add_media(_gps_jpeg(), "image/jpeg"), "image/jpeg")])
    user.send(
        media=[(twilio.add_media(size=20 * 1024 * 1024, content_type="video/mp4"), "video/mp4")]
    )
    _age(netra, hours=25)
    _push(netra, ["Pertanyaan dari Bawaslu."])
    _wait_statuses(netra, count_held=1)
    assert _count(netra, Reporter) == 1
    digits = NUMBER.lstrip("+")
    stored = _raw_database(netra)
    assert digits not in stored and digits[2:] not in stored
    assert "Budi Santoso" not in stored  # the WhatsApp profile name is not kept
    logged = captured_logs.text
    assert digits not in logged and digits[2:] not in logged
    assert AUTH_TOKEN not in logged and AUTH_TOKEN not in stored


# --- configuration and rendering -------------------------------------------------------------


def test_without_credentials_the_channel_is_off_and_says_so(netra: Netra, caplog):
    caplog.set_level(logging.INFO)
    bare = dataclasses.replace(
        netra, settings=netra.settings.model_copy(update={"twilio_auth_token": None})
    )
    paths = [route.path for router in channels.routers(bare) for route in router.routes]
    assert "/webhooks/whatsapp" not in paths
    assert "whatsapp" not in channels.transports(bare)
    assert "WhatsApp channel: off (TWILIO_AUTH_TOKEN not set)" in caplog.text


def test_menus_are_numbered_and_long_texts_fit_twilios_limit():
    reply = Reply("Pilih:", (Choice("a", "Satu"), Choice("b", "Dua")))
    assert render(reply, "id") == "Pilih:\n\n1. Satu\n2. Dua\nBalas 1–2"
    assert render(reply, "en").endswith("Reply 1–2")
    long = "\n".join(["baris " * 50] * 20 + ["x" * 4000])
    parts = split_body(long)
    assert all(len(p) <= 1600 for p in parts)
    assert "".join(parts).replace("\n", "") == long.replace("\n", "")
