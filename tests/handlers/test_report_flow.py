"""The report conversation through the engine, on both databases."""

from __future__ import annotations

import pytest
from sqlmodel import select

import storage.tickets
from handlers.categories import CATEGORIES, LOCAL_BY_NATURE
from storage.models import Evidence, Ticket
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter


def file_report(reporter: ScriptedReporter, answers: tuple[str, ...] = HAPPY_PATH) -> str:
    for answer in answers:
        out = reporter.says(answer)
    return out


def test_happy_path_gives_ticket_code_and_receipt(netra):
    reporter = ScriptedReporter(netra, "alice-browser")
    receipt_text = file_report(reporter)
    assert "Kode laporan:" in receipt_text and "Kode rahasia:" in receipt_text
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        assert ticket.office_code == "52.06"  # Bawaslu Kabupaten Bima
        assert ticket.category == "medsos"
        assert ticket.description.startswith("Camat hadir")
        evidence = session.exec(select(Evidence)).one()
        assert evidence.ticket_id == ticket.id and evidence.link == "https://example.org/rekaman"
    assert ticket.code in receipt_text
    assert reporter.step() is None


def test_a_drawn_code_already_taken_is_drawn_again_and_the_report_still_files(netra, monkeypatch):
    first = file_report(ScriptedReporter(netra, "first-browser"))
    with netra.session() as session:
        taken = session.exec(select(Ticket)).one().code
    assert taken in first
    real = storage.tickets.readable_token
    draws = iter([taken])  # the next draw repeats the first ticket's code
    monkeypatch.setattr(storage.tickets, "readable_token", lambda *a: next(draws, None) or real(*a))
    receipt_text = file_report(ScriptedReporter(netra, "second-browser"))
    with netra.session() as session:
        codes = session.exec(select(Ticket.code).order_by(Ticket.id)).all()
    assert len(codes) == 2 and codes[0] == taken and codes[1] != taken
    assert codes[1] in receipt_text and taken not in receipt_text


@pytest.mark.parametrize("index", range(len(CATEGORIES)))
def test_every_category_files_a_ticket(netra, index):
    category = CATEGORIES[index]
    answers = list(HAPPY_PATH)
    answers[2] = str(index + 1)
    if category.key in LOCAL_BY_NATURE:
        answers.remove("kabkota")  # a village head, TNI/Polri: the level is not asked
    reporter = ScriptedReporter(netra, f"cat-{category.key}")
    assert "Kode laporan:" in file_report(reporter, tuple(answers))
    with netra.session() as session:
        assert session.exec(select(Ticket.category)).one() == category.key
