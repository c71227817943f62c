"""An officer's follow-up question through the engine: relay, answer, skip, queue, draft kept."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.channels.local import pending_pushes
from bot.runtime import Netra, utcnow
from handlers.followup import RelayResult, relay_question
from handlers.types import Attachment
from storage.db import run_in_transaction
from storage.models import Evidence, OutboxMessage, Reporter, Ticket, TicketEvent
from tests.fakes.images import has_metadata, jpeg_with_gps
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

QUESTION = "Jam berapa kampanye itu dimulai, dan apakah ada foto spanduknya?"


def file_ticket(netra: Netra, address: str) -> tuple[ScriptedReporter, str]:
    reporter = ScriptedReporter(netra, address)
    for answer in HAPPY_PATH:
        reporter.says(answer)
    with netra.session() as session:
        code = session.exec(select(Ticket.code).order_by(col(Ticket.id).desc())).first()
    assert code is not None
    return reporter, code


def ask(netra: Netra, code: str, text: str = QUESTION, at=None) -> RelayResult:
    def work(session):
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        return relay_question(
            session, ticket=ticket, officer_id=None, text=text, now=at or utcnow()
        )

    return run_in_transaction(netra.db, work)


def timeline(netra: Netra, code: str) -> list[TicketEvent]:
    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        return list(
            session.exec(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(col(TicketEvent.id))
            )
        )


def test_question_reaches_reporter_and_text_answer_lands_on_ticket(netra):
    reporter, code = file_ticket(netra, "follow-1")
    result = ask(netra, code)
    assert result.status == "sent"
    pushed = pending_pushes(netra, "follow-1")
    assert len(pushed) == 1
    assert code in pushed[0].text and QUESTION in pushed[0].text
    assert pushed[0].accepts_media

    answer = reporter.says("Sekitar jam 9 pagi, di lapangan desa.")
    assert code in answer
    reporter.says("selesai")
    assert reporter.step() is None

    kinds = [(e.kind, e.body) for e in timeline(netra, code)]
    assert ("question", QUESTION) in kinds
    assert ("answer", "Sekitar jam 9 pagi, di lapangan desa.") in kinds
    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        assert ticket.info_requested_at is not None  # processing window +2 days


def test_photo_and_link_answers_become_ticket_evidence_without_metadata(netra):
    reporter, code = file_ticket(netra, "follow-photo")
    ask(netra, code)
    photo = Attachment("photo", "image/jpeg", jpeg_with_gps(), "IMG_0001.jpg")
    reporter.send(attachments=(photo,))
    reporter.says("ini videonya https://example.org/video-kampanye")
    reporter.says("selesai")
    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        items = list(session.exec(select(Evidence).where(Evidence.ticket_id == ticket.id)))
    photos = [e for e in items if e.kind == "photo"]
    assert len(photos) == 1 and photos[0].data and not has_metadata(photos[0].data)
    assert "https://example.org/video-kampanye" in [e.link for e in items]
    answers = [e for e in timeline(netra, code) if e.kind == "answer"]
    assert photos[0].id in [e.evidence_id for e in answers]


def test_reporter_mid_draft_answers_then_returns_to_the_same_draft_step(netra):
    reporter, code = file_ticket(netra, "follow-draft")
    for answer in HAPPY_PATH[:9]:  # a second report, stopped at the description step
        reporter.says(answer)
    assert reporter.step() == "description"

    ask(netra, code)
    pushed = pending_pushes(netra, "follow-draft")
    assert "draf" in pushed[0].text.lower()
    reporter.says("Dimulai pukul 08.30 dengan pembagian kaos.")
    back = reporter.says("selesai")
    assert reporter.step() == "description"
    assert "Langkah 5/8" in back  # the draft's own question again

    reporter.says(HAPPY_PATH[9])  # the draft goes on where it was
    assert reporter.step() == "evidence"
    bodies = [e.body for e in timeline(netra, code) if e.kind == "answer"]
    assert bodies == ["Dimulai pukul 08.30 dengan pembagian kaos."]


def test_batal_skips_the_question_keeps_the_draft_and_tells_the_officer(netra):
    reporter, code = file_ticket(netra, "follow-skip")
    for answer in HAPPY_PATH[:6]:
        reporter.says(answer)
    draft_step = reporter.step()
    ask(netra, code)
    pending_pushes(netra, "follow-skip")
    reply = reporter.says("/batal")
    assert "dilewati" in reply
    assert reporter.step() == draft_step  # the draft was not cancelled
    assert [e.kind for e in timeline(netra, code)][-1] == "answer_declined"


def test_second_question_waits_until_the_first_is_answered(netra):
    reporter, code = file_ticket(netra, "follow-queue")
    assert ask(netra, code).status == "sent"
    assert ask(netra, code, "Siapa saja yang hadir selain camat?").status == "queued"
    assert len(pending_pushes(netra, "follow-queue")) == 1  # one question at a time

    reporter.says("Jam sembilan.")
    nxt = reporter.says("selesai")
    assert "Siapa saja yang hadir selain camat?" in nxt
    reporter.says("Sekretaris camat dan dua kepala desa.")
    reporter.says("selesai")
    assert reporter.step() is None
    bodies = [e.body for e in timeline(netra, code) if e.kind == "answer"]
    assert bodies == ["Jam sembilan.", "Sekretaris camat dan dua kepala desa."]


def test_message_long_after_the_answer_is_not_added_to_the_ticket(netra):
    reporter, code = file_ticket(netra, "follow-late")
    ask(netra, code)
    reporter.says("Jam sembilan.")
    later = utcnow() + timedelta(hours=3)
    reporter.send("halo, saya mau lapor lagi", at=later)
    assert reporter.step() == "consent"
    bodies = [e.body for e in timeline(netra, code) if e.kind == "answer"]
    assert bodies == ["Jam sembilan."]


def test_unanswered_question_survives_idle_expiry_and_draft_retention(netra):
    reporter, code = file_ticket(netra, "follow-idle")
    ask(netra, code)
    days_later = utcnow() + timedelta(days=10)
    expired = run_in_transaction(netra.db, lambda s: netra.engine.expire_idle(s, days_later))
    assert expired == 0
    reporter.send("Jawaban saya setelah sepuluh hari.", at=days_later)
    bodies = [e.body for e in timeline(netra, code) if e.kind == "answer"]
    assert bodies == ["Jawaban saya setelah sepuluh hari."]


def test_unreachable_reporter_gets_nothing_but_the_question_is_on_the_timeline(netra):
    _, code = file_ticket(netra, "follow-gone")
    with netra.session() as session:
        for reporter in session.exec(select(Reporter)):
            reporter.unreachable = True
            session.add(reporter)
        session.commit()
    assert ask(netra, code).status == "unreachable"
    assert [e.kind for e in timeline(netra, code)][-1] == "question"
    with netra.session() as session:
        assert session.exec(select(OutboxMessage)).first() is None


def test_question_in_english_for_english_reporter(netra):
    reporter = ScriptedReporter(netra, "follow-en")
    reporter.says("/bahasa en")
    for answer in HAPPY_PATH:
        reporter.says(answer)
    with netra.session() as session:
        code = session.exec(select(Ticket.code)).one()
    ask(netra, code)
    assert "A question from the Bawaslu officer" in pending_pushes(netra, "follow-en")[0].text


def test_relay_never_logs_or_returns_the_reporter_address(netra, captured_logs):
    _, code = file_ticket(netra, "secret-address-4242")
    result = ask(netra, code)
    assert "secret-address-4242" not in repr(result)
    assert "secret-address-4242" not in captured_logs.text
