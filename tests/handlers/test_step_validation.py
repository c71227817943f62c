"""Every step refuses bad input with a clear answer in the reporter's language, never a crash."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.runtime import utcnow
from storage.models import Ticket
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

NASTY = [
    "",
    "   ",
    "🙂🙂🙂🙂",
    "x" * 10_000,
    "'; DROP TABLE ticket; --",
    "<script>alert(1)</script>",
    "\x00\x01\x02",
]
CODE_LIKE = ("'; DROP TABLE ticket; --", "<script>alert(1)</script>")
FREE_TEXT = {"position", "description"}
# Index in HAPPY_PATH of the answer that reaches each step.
STEP_AT = {
    "category": 2,
    "position": 3,
    "level": 4,
    "region": 6,
    "incident_date": 7,
    "learned_date": 8,
    "description": 9,
    "evidence": 10,
    "summary": HAPPY_PATH.index("kirim"),
}


def reporter_at(netra, step: str, address: str, lang: str = "id") -> ScriptedReporter:
    reporter = ScriptedReporter(netra, address)
    if lang == "en":
        reporter.says("/bahasa en")
    for answer in HAPPY_PATH[: STEP_AT[step]]:
        reporter.says(answer)
    assert reporter.step() == step
    return reporter


@pytest.mark.parametrize(
    "step",
    [
        "category",
        "position",
        "level",
        "region",
        "incident_date",
        "learned_date",
        "description",
        "evidence",
        "summary",
    ],
)
def test_nasty_input_is_refused_and_the_step_stays(netra, step):
    """Free-text steps keep SQL/HTML-looking text as data (tested below); nothing else moves on."""
    reporter = reporter_at(netra, step, f"nasty-{step}")
    nasty = NASTY if step not in FREE_TEXT else [t for t in NASTY if t not in CODE_LIKE]
    for text in nasty:
        answer = reporter.says(text)
        assert answer.strip(), f"no answer to {text[:20]!r} at {step}"
        assert reporter.step() == step, f"{text[:20]!r} moved {step} on"
    with netra.session() as session:
        assert session.exec(select(Ticket)).first() is None


def test_position_that_is_too_long_is_refused_with_the_limit(netra):
    reporter = reporter_at(netra, "position", "long-position")
    assert "300" in reporter.says("Camat " * 100)
    assert reporter.step() == "position"


def test_category_accepts_number_key_label_and_typed_word(netra):
    for address, answer, expected in [
        ("cat-num", "3", "foto"),
        ("cat-word", "kepala desa", "kepala_desa"),
        ("cat-label", "Lainnya", "lainnya"),
        ("cat-en", "police", "tni_polri"),
    ]:
        reporter = reporter_at(netra, "category", address)
        reporter.says(answer)
        assert reporter.step() == "position", answer
        assert reporter.draft()["category"] == expected
    reporter = reporter_at(netra, "category", "cat-bad")
    assert "tidak saya kenali" in reporter.says("sesuatu yang aneh")


@pytest.mark.parametrize("typed", ["Bima", "bekasi", "Malang", "Banjar"])
def test_ambiguous_region_is_asked_back_never_guessed(netra, typed):
    reporter = reporter_at(netra, "region", f"amb-{typed}")
    answer = reporter.says(typed)
    assert "lebih dari satu daerah" in answer
    labels = [c.label for c in reporter.last.choices]
    assert any(label.startswith("Kabupaten") for label in labels)
    assert any(label.startswith("Kota") for label in labels)
    assert reporter.step() == "region_pick"
    reporter.says("2")
    assert reporter.step() == "incident_date"


def test_typo_region_is_offered_as_a_suggestion_to_confirm(netra):
    reporter = reporter_at(netra, "region", "typo")
    assert "Maksud Anda" in reporter.says("Sinjay")
    assert reporter.last.choices[0].label.startswith("Kabupaten Sinjai")
    reporter.says("1")
    assert reporter.step() == "incident_date"


def test_unknown_region_gets_a_clear_answer(netra):
    reporter = reporter_at(netra, "region", "unknown")
    assert "tidak saya temukan" in reporter.says("Atlantis")
    assert reporter.step() == "region"


def test_region_pick_accepts_a_fresh_name_instead_of_a_number(netra):
    reporter = reporter_at(netra, "region", "fresh")
    reporter.says("Bima")
    reporter.says("Kota Malang")
    assert reporter.step() == "incident_date"


def test_future_incident_date_is_refused(netra):
    reporter = reporter_at(netra, "incident_date", "future")
    assert "belum terjadi" in reporter.says("17/9/2099")
    assert reporter.step() == "incident_date"


@pytest.mark.parametrize(
    "typed",
    [
        "17/9/2024",
        "17-09-2024",
        "17 September 2024",
        "17 sept",
        "kemarin",
        "hari ini",
        "2 hari lalu",
    ],
)
def test_incident_date_formats_from_the_issue_are_accepted(netra, typed):
    reporter = reporter_at(netra, "incident_date", f"date-{typed}")
    reporter.says(typed)
    assert reporter.step() == "learned_date"


def test_learned_date_before_incident_is_refused(netra):
    reporter = reporter_at(netra, "incident_date", "learned-before")
    reporter.says("hari ini")
    assert "tidak boleh sebelum" in reporter.says("kemarin")
    assert reporter.step() == "learned_date"


def test_past_reporting_window_warns_flags_and_continues(netra):
    reporter = ScriptedReporter(netra, "late")
    for answer in HAPPY_PATH[:7]:
        reporter.says(answer)
    reporter.says("1/9/2024")
    assert "sudah lewat" in reporter.says("sama")
    assert reporter.step() == "description"
    for answer in HAPPY_PATH[9:]:
        reporter.says(answer)
    with netra.session() as session:
        assert session.exec(select(Ticket)).one().late is True


def test_in_window_report_is_not_flagged_late(netra):
    reporter = ScriptedReporter(netra, "on-time")
    for answer in HAPPY_PATH:
        reporter.says(answer)
    with netra.session() as session:
        assert session.exec(select(Ticket)).one().late is False


def test_too_long_description_names_length_and_limit(netra):
    reporter = reporter_at(netra, "description", "long-desc")
    answer = reporter.says("a" * 10_000)
    assert "10000" in answer and "3000" in answer
    assert reporter.step() == "description"


def test_emoji_only_description_is_too_short(netra):
    reporter = reporter_at(netra, "description", "emoji-desc")
    assert "lebih lengkap" in reporter.says("😡😡😡😡😡😡😡😡😡😡😡😡")


def test_html_and_sql_in_description_are_kept_as_text(netra):
    reporter = reporter_at(netra, "description", "html-desc")
    text = "Camat menulis <b>pilih 02</b>'; DROP TABLE ticket;-- di grup WA kantor"
    reporter.says(text)
    for answer in HAPPY_PATH[10:]:
        reporter.says(answer)
    with netra.session() as session:
        assert session.exec(select(Ticket)).one().description == text


def test_evidence_step_takes_several_links_and_plain_text_is_explained(netra):
    reporter = reporter_at(netra, "evidence", "links")
    assert "http" in reporter.says("ada videonya")
    assert "(2)" in reporter.says("https://a.example/1 dan https://b.example/2")
    reporter.says("selesai")
    assert reporter.step() == "witnesses"


def test_evidence_limit_is_enforced_politely(netra):
    reporter = reporter_at(netra, "evidence", "many-links")
    links = " ".join(f"https://x.example/{i}" for i in range(15))
    assert "Batas 10 bukti" in reporter.says(links)


def test_unknown_media_type_is_refused_politely(netra):
    from handlers.types import Attachment

    reporter = reporter_at(netra, "evidence", "exe")
    exe = Attachment("document", "application/x-msdownload", b"MZ" + b"\0" * 100, "x.exe")
    assert "tidak bisa diterima" in reporter.says(attachments=(exe,))
    assert reporter.step() == "evidence"


def test_summary_shows_everything_and_edit_returns_to_summary(netra):
    reporter = reporter_at(netra, "summary", "edit")
    summary = reporter.transcript[-1].text
    for expected in ("Kabupaten Bima", "Camat Sape", "Bawaslu Kabupaten Bima", "1 bukti"):
        assert expected in summary
    reporter.says("ubah")
    reporter.says("Lokasi")
    assert reporter.step() == "region"
    reporter.says("Kota Bekasi")
    assert reporter.step() == "summary"
    assert "Bawaslu Kota Bekasi" in reporter.transcript[-1].text


def test_cancel_at_any_step_discards_the_draft(netra):
    reporter = reporter_at(netra, "evidence", "cancel")
    reporter.says("https://example.org/x")
    assert "dibatalkan" in reporter.says("/batal")
    assert reporter.step() is None
    from storage.models import Evidence

    with netra.session() as session:
        assert session.exec(select(Evidence)).first() is None


def test_help_answers_and_reasks_the_current_step(netra):
    reporter = reporter_at(netra, "region", "help")
    answer = reporter.says("/bantuan")
    assert "/status" in answer and "kabupaten/kota mana" in answer
    assert reporter.step() == "region"


def test_english_on_request_for_every_message(netra):
    reporter = reporter_at(netra, "region", "english", lang="en")
    assert "could not find" in reporter.says("Atlantis")
    assert any("In which regency" in r.text for r in reporter.transcript)
    assert "regency or city" in reporter.says("/bantuan")


def test_welcome_offers_english_button(netra):
    reporter = ScriptedReporter(netra, "welcome-en")
    reporter.says("/mulai")
    assert "English" in [c.label for c in reporter.last.choices]
    assert "Welcome to Netra" in reporter.says("en")


def test_idle_conversation_expires_with_notice_and_resumes(netra):
    reporter = reporter_at(netra, "description", "idle")
    later = utcnow() + timedelta(hours=2)
    answer = reporter.says("Camat hadir di kampanye dan mengajak warga memilih.", at=later)
    assert "tidak aktif" in answer and "Lanjutkan draf" in [c.label for c in reporter.last.choices]
    assert reporter.step() == "resume"
    assert "Langkah 5/8" in reporter.says("lanjut", at=later)
    assert reporter.step() == "description"


def test_draft_older_than_retention_is_discarded(netra):
    reporter = reporter_at(netra, "description", "stale")
    much_later = utcnow() + timedelta(days=8)
    assert "dihapus" in reporter.says("halo", at=much_later)
    assert reporter.step() == "consent"


def test_expiry_job_notifies_idle_reporter_through_outbox(netra):
    from sqlalchemy import update

    from bot.channels.local import pending_pushes
    from storage.db import run_in_transaction
    from storage.models import Conversation

    reporter_at(netra, "description", "job-idle")
    with netra.session() as session:  # the reporter went quiet two hours ago
        session.execute(update(Conversation).values(updated_at=utcnow() - timedelta(hours=2)))
        session.commit()
    count = run_in_transaction(netra.db, lambda s: netra.engine.expire_idle(s, utcnow()))
    assert count == 1
    pushed = pending_pushes(netra, "job-idle")
    assert len(pushed) == 1 and "tidak aktif" in pushed[0].text
    assert [c.label for c in pushed[0].choices] == ["Lanjutkan draf", "Mulai baru", "Batal"]
    assert pending_pushes(netra, "job-idle") == []  # delivered once


def test_daily_ticket_limit_is_polite(netra):
    reporter = ScriptedReporter(netra, "flood")
    for _ in range(5):
        for answer in HAPPY_PATH:
            reporter.says(answer)
    answer = reporter.says("/mulai") + reporter.says("setuju")
    assert "batas harian" in answer
    with netra.session() as session:
        assert len(session.exec(select(Ticket)).all()) == 5
