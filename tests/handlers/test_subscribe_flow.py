"""Opt-in with optional region and language; opt-out at any time, also in the middle of a report."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Reporter, Subscriber
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter


def _subscriber(netra, address: str) -> Subscriber | None:
    with netra.session() as session:
        reporter = session.exec(select(Reporter).where(Reporter.lookup == f"local:{address}")).one()
        return session.get(Subscriber, reporter.id)


def test_opt_in_with_region_and_language(netra):
    person = ScriptedReporter(netra, "sub-1")
    answer = person.says("LANGGANAN")
    assert "BERHENTI" in answer and "kabupaten/kota atau provinsi" in answer
    assert "bahasa pengingat" in person.says("Kota Bima")
    assert "07.00" in person.says("English")
    row = _subscriber(netra, "sub-1")
    assert row is not None
    assert row.region_code == "52.72" and row.timezone == "Asia/Makassar" and row.lang == "en"


def test_opt_in_region_and_language_can_be_skipped(netra):
    person = ScriptedReporter(netra, "sub-2")
    person.says("/langganan")
    person.says("lewati")
    assert "07.00" in person.says("lewati")
    row = _subscriber(netra, "sub-2")
    assert row is not None and row.region_code is None and row.timezone is None


def test_ambiguous_region_offers_choices(netra):
    person = ScriptedReporter(netra, "sub-3")
    person.says("LANGGANAN")
    person.send("Bima")
    labels = [c.label for c in person.last.choices]
    assert any("Kota Bima" in label for label in labels)
    assert any("Kabupaten Bima" in label for label in labels)
    person.says("Kabupaten Bima (Nusa Tenggara Barat)")
    person.says("lewati")
    row = _subscriber(netra, "sub-3")
    assert row is not None and row.region_code == "52.06"


def test_region_is_never_taken_from_a_report(netra):
    person = ScriptedReporter(netra, "sub-4")
    for text in HAPPY_PATH:
        person.says(text)
    person.says("LANGGANAN")
    person.says("lewati")
    person.says("lewati")
    row = _subscriber(netra, "sub-4")
    assert row is not None and row.region_code is None  # the report's Kab. Bima is not copied


def test_stop_mid_report_is_confirmed_mentions_batal_and_keeps_the_draft(netra):
    person = ScriptedReporter(netra, "sub-5")
    person.says("LANGGANAN")
    person.says("lewati")
    person.says("lewati")
    for text in HAPPY_PATH[:5]:
        person.says(text)
    before = person.draft()
    answer = person.says("STOP")
    assert "tidak akan menerima pengumuman" in answer and "/batal" in answer
    assert person.draft() == before  # the report itself is untouched
    assert _subscriber(netra, "sub-5") is None
    with netra.session() as session:
        assert not session.exec(select(Reporter.subscribed)).one()


def test_stop_outside_a_report_does_not_mention_batal(netra):
    person = ScriptedReporter(netra, "sub-6")
    person.says("LANGGANAN")
    person.says("lewati")
    person.says("lewati")
    answer = person.says("BERHENTI")
    assert "LANGGANAN" in answer and "/batal" not in answer


def test_subscribing_mid_report_returns_to_the_report(netra):
    person = ScriptedReporter(netra, "sub-7")
    for text in HAPPY_PATH[:4]:
        person.says(text)
    step_prompt = person.last.text
    person.says("LANGGANAN")
    person.says("lewati")
    assert step_prompt in person.says("lewati")
