"""/status: ticket code + secret receipt tell the status, anonymously, with throttling."""

from __future__ import annotations

import re

from sqlmodel import select

from storage.models import Ticket
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter


def file_ticket(netra, address: str) -> tuple[str, str]:
    reporter = ScriptedReporter(netra, address)
    for answer in HAPPY_PATH:
        text = reporter.says(answer)
    code = re.search(r"Kode laporan: (\S+)", text).group(1)
    receipt = re.search(r"Kode rahasia: (\S+)", text).group(1)
    return code, receipt


def test_ticket_code_is_short_and_unambiguous(netra):
    code, receipt = file_ticket(netra, "codes")
    assert re.fullmatch(r"[ACDEFHJKMNPRTUVWXY3479]{3}-[ACDEFHJKMNPRTUVWXY3479]{3}", code)
    assert re.fullmatch(r"([ACDEFHJKMNPRTUVWXY3479]{4}-){3}[ACDEFHJKMNPRTUVWXY3479]{4}", receipt)


def test_status_with_code_and_receipt_from_another_device(netra):
    code, receipt = file_ticket(netra, "phone-1")
    other = ScriptedReporter(netra, "phone-2")
    other.says("/status")
    other.says(code.lower().replace("-", " "))
    answer = other.says(receipt.lower())
    assert f"Laporan {code}" in answer and "diterima, menunggu kajian" in answer
    assert "Bawaslu Kabupaten Bima" in answer


def test_status_inline_in_english(netra):
    code, receipt = file_ticket(netra, "inline")
    other = ScriptedReporter(netra, "inline-2")
    other.says("/bahasa en")
    assert "received, awaiting review" in other.says(f"/status {code} {receipt}")


def test_receipt_is_stored_only_as_a_slow_hash(netra):
    code, receipt = file_ticket(netra, "hash")
    with netra.session() as session:
        stored = session.exec(select(Ticket.receipt_hash)).one()
    assert stored.startswith("$argon2id$") and receipt not in stored


def test_wrong_code_and_wrong_receipt_get_the_same_answer(netra):
    code, _ = file_ticket(netra, "same-answer")
    guesser = ScriptedReporter(netra, "guesser")
    wrong_receipt = guesser.says(f"/status {code} AAAA-AAAA-AAAA-AAAA")
    wrong_code = guesser.says("/status CCC-CCC AAAA-AAAA-AAAA-AAAA")
    assert wrong_receipt == wrong_code and "tidak cocok" in wrong_code


def test_wrong_receipts_are_throttled_even_for_the_right_one(netra):
    code, receipt = file_ticket(netra, "throttle")
    guesser = ScriptedReporter(netra, "brute")
    for _ in range(5):
        assert "tidak cocok" in guesser.says(f"/status {code} AAAA-AAAA-AAAA-AAAA")
    assert "Terlalu banyak percobaan" in guesser.says(f"/status {code} {receipt}")
    # Someone else, with the right receipt, is not locked out by the guesser.
    assert "menunggu kajian" in ScriptedReporter(netra, "owner").says(f"/status {code} {receipt}")


def test_status_mid_draft_returns_to_the_draft(netra):
    code, receipt = file_ticket(netra, "mid-draft-owner")
    reporter = ScriptedReporter(netra, "mid-draft")
    for answer in HAPPY_PATH[:7]:
        reporter.says(answer)
    assert reporter.step() == "incident_date"
    answer = reporter.says(f"/status {code} {receipt}")
    assert "menunggu kajian" in answer and "Kapan kejadiannya" in answer
    assert reporter.step() == "incident_date"


def test_bad_ticket_code_is_explained(netra):
    reporter = ScriptedReporter(netra, "bad-code")
    reporter.says("/status")
    assert "6 huruf" in reporter.says("12")
    assert reporter.step() == "status_code"
