"""Dashboard: follow-up questions and sealed-identity reveal/re-seal over real HTTP."""

from __future__ import annotations

from sqlmodel import select

from bot.channels.local import pending_pushes
from bot.runtime import utcnow
from handlers import casework
from storage.models import AuditLog, Officer, SealedIdentity, Ticket
from tests.fakes.dashboard import http_login
from tests.fakes.identity import (
    ADDRESS,
    NAME,
    NIK,
    OFFICE,
    PASSPHRASE,
    PHONE,
    give_office_key,
    submit,
)
from tests.fakes.reporter import ScriptedReporter

QUESTION = "Apakah ada foto spanduk di depan kantor camat?"
ANSWER = "Ada, spanduknya dipasang hari Senin pagi."
REVEAL_REASON = "Registrasi laporan resmi oleh divisi penanganan"


def local_reporter(netra, address: str, *, identity: bool = False) -> tuple[ScriptedReporter, str]:
    reporter = ScriptedReporter(netra, address)
    submit(reporter)
    if identity:
        reporter.says("Ya, lampirkan identitas")
        for value in (NAME, NIK, ADDRESS, PHONE, "segel"):
            reporter.says(value)
    with netra.session() as session:
        return reporter, session.exec(select(Ticket.code)).one()


def test_officer_question_reaches_reporter_and_answer_shows_on_ticket_page(
    netra, dashboard, officer_factory, captured_logs
):
    reporter, code = local_reporter(netra, "browser-token-777")
    client = http_login(dashboard.base_url, officer_factory(OFFICE))
    response = client.post(
        f"/dashboard/tickets/{code}/followup",
        data={"question": QUESTION, "csrf_token": client.csrf},
    )
    assert response.status_code == 303 and response.headers["location"].endswith("fu=sent")

    [pushed] = pending_pushes(netra, "browser-token-777")  # the question; no status notice
    assert QUESTION in pushed.text and code in pushed.text
    with netra.session() as session:
        assert session.exec(select(Ticket).where(Ticket.code == code)).one().status == "perlu_info"
    reporter.says(ANSWER)

    page = client.get(f"/dashboard/tickets/{code}").text
    assert QUESTION in page and ANSWER in page
    assert "browser-token-777" not in page and "browser-token-777" not in captured_logs.text
    with netra.session() as session:
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert "followup_question" in actions


def test_question_without_csrf_is_refused_and_not_sent(netra, dashboard, officer_factory):
    _, code = local_reporter(netra, "csrf-reporter")
    client = http_login(dashboard.base_url, officer_factory(OFFICE))
    response = client.post(f"/dashboard/tickets/{code}/followup", data={"question": QUESTION})
    assert response.status_code == 403
    assert pending_pushes(netra, "csrf-reporter") == []


def test_other_office_cannot_ask_or_reveal(netra, dashboard, officer_factory):
    give_office_key(netra)
    _, code = local_reporter(netra, "other-office", identity=True)
    client = http_login(dashboard.base_url, officer_factory("52.07"))
    for path, data in (
        (f"/dashboard/tickets/{code}/followup", {"question": QUESTION}),
        (
            f"/dashboard/tickets/{code}/identity/reveal",
            {"passphrase": PASSPHRASE, "reason_category": "lainnya", "reason": REVEAL_REASON},
        ),
    ):
        response = client.post(path, data=data | {"csrf_token": client.csrf})
        assert response.status_code == 404
    assert pending_pushes(netra, "other-office") == []


def test_reveal_shows_identity_once_and_audits_without_it(
    netra, dashboard, officer_factory, captured_logs
):
    give_office_key(netra)
    _, code = local_reporter(netra, "reveal-reporter", identity=True)
    client = http_login(dashboard.base_url, officer_factory(OFFICE))
    page = client.get(f"/dashboard/tickets/{code}").text
    assert "reveal-form" in page and NIK not in page

    wrong = client.post(
        f"/dashboard/tickets/{code}/identity/reveal",
        data={
            "passphrase": "bukan yang benar",
            "reason_category": "laporan_resmi",
            "reason": REVEAL_REASON,
            "csrf_token": client.csrf,
        },
    )
    # Refused like every ticket form: the page itself, saying why, the reason kept as typed,
    # the passphrase not echoed.
    assert wrong.status_code == 422
    assert 'id="reveal-error"' in wrong.text and "Kata sandi salah" in wrong.text
    assert REVEAL_REASON in wrong.text and "bukan yang benar" not in wrong.text

    shown = client.post(
        f"/dashboard/tickets/{code}/identity/reveal",
        data={
            "passphrase": PASSPHRASE,
            "reason_category": "laporan_resmi",
            "reason": REVEAL_REASON,
            "csrf_token": client.csrf,
        },
    )
    assert shown.status_code == 200
    assert NAME in shown.text and NIK in shown.text and "081234567891" in shown.text
    assert shown.headers["cache-control"] == "no-store"

    assert NIK not in client.get(f"/dashboard/tickets/{code}").text  # not kept anywhere
    assert NIK not in captured_logs.text and PASSPHRASE not in captured_logs.text
    with netra.session() as session:
        rows = list(session.exec(select(AuditLog).where(AuditLog.action.startswith("reveal"))))  # type: ignore[attr-defined]
    assert [r.action for r in rows] == ["reveal_identity_failed", "reveal_identity"]
    for row in rows:
        assert "registrasi" not in (row.detail or "").lower() and NIK not in (row.detail or "")


def test_after_reassignment_old_office_reseals_and_new_office_reveals(
    netra, dashboard, officer_factory
):
    new_pass = "kunci kantor dompu 2024"
    give_office_key(netra)
    give_office_key(netra, "52.07", new_pass)
    _, code = local_reporter(netra, "moved-reporter", identity=True)
    old = officer_factory(OFFICE)
    new = officer_factory("52.07")
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        officer = session.get(Officer, old.id)
        casework.reassign(
            session,
            officer=officer,
            ticket=ticket,
            office_code="52.07",
            reason="Lokasi kejadian di Dompu",
            now=utcnow(),
        )
        session.commit()

    new_client = http_login(dashboard.base_url, new)
    assert "52.06" in new_client.get(f"/dashboard/tickets/{code}").text  # sealed elsewhere
    old_client = http_login(dashboard.base_url, old)
    listing = old_client.get("/dashboard/identities").text
    assert code in listing
    with netra.session() as session:
        sealed_id = session.exec(select(SealedIdentity.id)).one()
    response = old_client.post(
        f"/dashboard/identities/{sealed_id}/reseal",
        data={"passphrase": PASSPHRASE, "csrf_token": old_client.csrf},
    )
    assert response.status_code == 303 and "ok_resealed" in response.headers["location"]
    assert code not in old_client.get("/dashboard/identities").text

    shown = new_client.post(
        f"/dashboard/tickets/{code}/identity/reveal",
        data={
            "passphrase": new_pass,
            "reason_category": "klarifikasi",
            "reason": REVEAL_REASON,
            "csrf_token": new_client.csrf,
        },
    )
    assert shown.status_code == 200 and NIK in shown.text
