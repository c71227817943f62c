"""What reporters are told about who can read them, and what files keep, through the engine."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlmodel import select

from bot.config import Settings
from handlers.documents import neutral_name, strip_document_metadata
from handlers.types import Attachment
from storage.models import Evidence
from tests.fakes.identity import give_office_key, submit
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

OPERATOR = "Bawaslu Provinsi Nusa Tenggara Barat"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"operator_name": OPERATOR})


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("id", ("Pengelola: " + OPERATOR, "end-to-end", "Meta dan Twilio", "7 hari")),
        ("en", ("Operated by: " + OPERATOR, "end-to-end", "Meta and Twilio", "7 days")),
    ],
)
def test_consent_names_the_operator_who_can_read_and_how_long(netra, lang, words):
    reporter = ScriptedReporter(netra, f"consent-{lang}")
    if lang == "en":
        reporter.says("/bahasa en")
    welcome = reporter.says("/mulai")
    for word in words:
        assert word in welcome, word


def _docx(author: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("word/document.xml", b"<w:document>isi laporan</w:document>")
        z.writestr(
            "docProps/core.xml",
            b"<cp:coreProperties><dc:creator>" + author + b"</dc:creator>"
            b"<cp:lastModifiedBy>" + author + b"</cp:lastModifiedBy></cp:coreProperties>",
        )
        z.writestr("docProps/app.xml", b"<Properties><Company>Dinas X</Company></Properties>")
    return buffer.getvalue()


def test_office_author_fields_are_removed_and_the_content_kept():
    cleaned = strip_document_metadata(_docx(b"Siti Pelapor"), DOCX)
    with zipfile.ZipFile(io.BytesIO(cleaned)) as z:
        everything = b"".join(z.read(name) for name in z.namelist())
        assert z.read("word/document.xml") == b"<w:document>isi laporan</w:document>"
    assert b"Siti Pelapor" not in everything and b"Dinas X" not in everything


def test_a_pdf_qpdf_cannot_read_still_has_its_author_blanked_in_place():
    pdf = b"%PDF-1.4\n1 0 obj << /Author (Siti Pelapor) /Creator (Word) >> endobj\n%%EOF"
    cleaned = strip_document_metadata(pdf, "application/pdf")
    assert len(cleaned) == len(pdf) and b"Siti" not in cleaned and b"Word" not in cleaned


def test_files_get_neutral_names_and_non_photos_a_warning(netra):
    reporter = ScriptedReporter(netra, "files")
    for answer in HAPPY_PATH[: HAPPY_PATH.index("https://example.org/rekaman")]:
        reporter.says(answer)
    document = Attachment("document", DOCX, _docx(b"Siti Pelapor"), "Laporan Siti - Sape.docx")
    answer = reporter.says(attachments=(document,))
    assert "tetap bisa mengungkap siapa Anda" in answer
    with netra.session() as session:
        evidence = session.exec(select(Evidence)).one()
        assert evidence.filename == "bukti-1.docx"
        assert b"Siti Pelapor" not in (evidence.data or b"")


def test_neutral_name_follows_the_content_type():
    assert neutral_name(3, "image/jpeg") == "bukti-3.jpg"
    assert neutral_name(1, "application/x-unknown") == "bukti-1.bin"


def test_formal_report_offer_says_what_it_takes(netra):
    give_office_key(netra)
    out = submit(ScriptedReporter(netra, "formal"))
    for word in ("tanda tangan", "KTP", "klarifikasi", "terlapor dapat mengetahui", "7 hari"):
        assert word in out, word


def test_a_follow_up_question_tells_by_when_to_answer(netra):
    from datetime import UTC, datetime

    from sqlmodel import col

    from bot.channels.local import pending_pushes
    from handlers.followup import relay_question
    from storage.db import run_in_transaction
    from storage.models import Ticket

    reporter = ScriptedReporter(netra, "answer-by")
    received = datetime(2024, 10, 10, 3, 0, tzinfo=UTC)  # 11.00 WITA, Thursday 10 October
    for answer in HAPPY_PATH:
        reporter.send(answer, at=received)

    def work(session):
        ticket = session.exec(select(Ticket).order_by(col(Ticket.id).desc())).first()
        return relay_question(
            session, ticket=ticket, officer_id=None, text="Jam berapa?", now=received
        )

    run_in_transaction(netra.db, work)
    # Asked in time: 3 + 2 days, to the end of Tuesday 15 October in Bima (WITA).
    pushed = pending_pushes(netra, "answer-by")
    assert "paling lambat Selasa, 15 Oktober 2024" in pushed[-1].text


def test_an_unclear_answer_to_the_consent_asks_again_with_the_same_buttons(netra):
    reporter = ScriptedReporter(netra, "consent-reask")
    reporter.says("/mulai")
    offered = [c.label for c in reporter.last.choices]
    assert "Setuju" in " ".join(offered)
    reply = reporter.says("halo")
    assert "Setuju, lanjut" in reply
    assert [c.label for c in reporter.last.choices] == offered  # the buttons stay
    assert reporter.step() == "consent"
