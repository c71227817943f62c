"""Dates and words as reporters type them, through the engine, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.models import Ticket
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

# 11.00 WITA on Thursday 10 October 2024 in Bima.
NOW = datetime(2024, 10, 10, 3, 0, tzinfo=UTC)
TO_DATE = HAPPY_PATH[: HAPPY_PATH.index("kemarin")]


def _at_incident_date(netra, address: str, lang: str = "id") -> ScriptedReporter:
    reporter = ScriptedReporter(netra, address)
    if lang == "en":
        reporter.send("/bahasa en", at=NOW)
    for answer in TO_DATE:
        reporter.send(answer, at=NOW)
    assert reporter.step() == "incident_date"
    return reporter


def _says(reporter: ScriptedReporter, text: str, at: datetime = NOW) -> str:
    return "\n".join(r.text for r in reporter.send(text, at=at))


def test_a_yearless_date_ahead_has_not_happened_yet_and_is_asked_again(netra):
    reporter = _at_incident_date(netra, "ahead")
    answer = _says(reporter, "12 okt")
    assert "Sabtu, 12 Oktober 2024 belum terjadi" in answer
    assert "setahun" not in answer and reporter.step() == "incident_date"


def test_a_yearless_date_ahead_in_english(netra):
    reporter = _at_incident_date(netra, "ahead-en", lang="en")
    assert "Saturday, 12 October 2024 has not happened yet" in _says(reporter, "12 okt")


def test_every_parsed_date_is_read_back_with_its_weekday(netra):
    reporter = _at_incident_date(netra, "readback")
    answer = _says(reporter, "Senin, 16 September 2024 pukul 09.00")
    assert "Tanggal kejadian: Senin, 16 September 2024 — benar?" in answer
    assert reporter.draft()["time"] == "09.00"
    back = _says(reporter, "Ubah tanggal kejadian")
    assert reporter.step() == "incident_date" and "Kapan kejadiannya" in back


def test_readback_in_english(netra):
    reporter = _at_incident_date(netra, "readback-en", lang="en")
    assert "Date of the incident: Monday, 16 September 2024 — right?" in _says(
        reporter, "Senin, 16 September 2024"
    )


def test_last_week_asks_for_the_exact_day(netra):
    reporter = _at_incident_date(netra, "span")
    assert "tanggal persisnya" in _says(reporter, "minggu lalu")
    assert reporter.step() == "incident_date"


def test_besok_is_not_yet_happened_rather_than_unreadable(netra):
    reporter = _at_incident_date(netra, "besok")
    answer = _says(reporter, "besok")
    assert "belum terjadi" in answer and "tidak terbaca" not in answer


@pytest.mark.parametrize("same", ["hari itu juga", "pada hari yang sama"])
def test_same_day_phrases_for_the_learned_date(netra, same):
    reporter = _at_incident_date(netra, f"same-{same}")
    _says(reporter, "kemarin sore")
    _says(reporter, same)
    draft = reporter.draft()
    assert draft["learned_date"] == draft["incident_date"] == "2024-10-09"
    assert draft["time"] == "sore"


def test_every_reporter_is_told_the_conservative_last_day(netra):
    reporter = _at_incident_date(netra, "lastday")
    _says(reporter, "kemarin")
    # Learned on Wednesday 9 October, counted as day 1: the 7th day is Tuesday 15 October.
    assert "paling lambat Selasa, 15 Oktober 2024" in _says(reporter, "sama")


def test_the_late_flag_is_judged_when_the_report_is_submitted(netra):
    reporter = _at_incident_date(netra, "stale")
    rest = HAPPY_PATH[HAPPY_PATH.index("kemarin") : HAPPY_PATH.index("kirim")]
    for answer in rest:
        reporter.send(answer, at=NOW)
    assert reporter.step() == "summary"
    later = NOW + timedelta(days=6)  # 16 October: past the last day, within draft retention
    reporter.send("halo", at=later)  # idle: the draft is suspended
    reporter.send("lanjut", at=later)
    reporter.send("kirim", at=later)
    with netra.session() as session:
        assert session.exec(select(Ticket.late)).one() is True


@pytest.mark.parametrize("typed", ["lurah", "Lurah Sape"])
def test_lurah_is_a_civil_servant_not_a_village_head(netra, typed):
    reporter = ScriptedReporter(netra, f"lurah-{typed}")
    reporter.says("/mulai")
    reporter.says("setuju")
    reporter.says(typed)
    assert reporter.draft().get("category") != "kepala_desa"


def test_plain_desa_does_not_pick_the_village_head_category(netra):
    reporter = ScriptedReporter(netra, "desa")
    reporter.says("/mulai")
    reporter.says("setuju")
    reporter.says("di desa")
    assert "category" not in reporter.draft()


def test_a_category_matching_a_few_entries_offers_those(netra):
    reporter = ScriptedReporter(netra, "few")
    reporter.says("/mulai")
    reporter.says("setuju")
    reporter.send("kampanye di facebook")
    offered = [c.key for c in reporter.last.choices]
    assert offered == ["medsos", "kampanye"]
    reporter.says("2")  # the second of those offered, not of the whole menu
    assert reporter.draft()["category"] == "kampanye"


def test_the_bot_says_which_category_it_took(netra):
    reporter = ScriptedReporter(netra, "took")
    reporter.says("/mulai")
    reporter.says("setuju")
    assert "Kategori dicatat: Anggota TNI / Polri tidak netral" in reporter.says("babinsa")


@pytest.mark.parametrize(("lang", "shown"), [("id", "Bukti: tidak ada"), ("en", "Evidence: none")])
def test_no_evidence_reads_as_none_in_the_summary(netra, lang, shown):
    reporter = ScriptedReporter(netra, f"noev-{lang}")
    if lang == "en":
        reporter.says("/bahasa en")
    answers = [a for a in HAPPY_PATH if a != "https://example.org/rekaman"]
    out = ""
    for answer in answers[: answers.index("kirim")]:
        out = reporter.says(answer)
    assert shown in out
