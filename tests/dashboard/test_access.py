"""Who sees what on the Bawaslu side, over real HTTP against the served app, on both databases.

Tickets are filed through the real engine by scripted reporters on Telegram and WhatsApp
addresses; those addresses are then searched for in every page, export, API answer and log.
"""

from __future__ import annotations

import itertools
import logging
from datetime import timedelta

import httpx
from sqlmodel import select

from bot.jobs import escalate_overdue_tickets
from bot.runtime import utcnow
from storage.models import AuditLog, Evidence, OutboxMessage, Ticket
from storage.officers import create_token
from tests.fakes.dashboard import (
    PASSWORD,
    OfficerLogin,
    csrf_from,
    file_ticket,
    http_login,
    make_officer,
    png,
)

TELEGRAM_CHAT_ID = "8123456789"
WHATSAPP_NUMBER = "+6281234567890"

BIMA = "52.06"  # Bawaslu Kabupaten Bima (NTB)
KOTA_BIMA = "52.72"
BANDUNG = "32.73"  # Bawaslu Kota Bandung (Jawa Barat)
NTB = "52"  # Bawaslu Provinsi Nusa Tenggara Barat
JABAR = "32"


def _ticket(netra, code: str) -> Ticket:
    with netra.session() as session:
        return session.exec(select(Ticket).where(Ticket.code == code)).one()


def _evidence_ids(netra, code: str) -> list[int]:
    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        rows = session.exec(select(Evidence).where(Evidence.ticket_id == ticket.id)).all()
        return [e.id for e in rows if e.kind != "link"]


def _token(netra, officer_id: int) -> str:
    from storage.models import Officer

    with netra.session() as session:
        token = create_token(session, session.get(Officer, officer_id), "test", now=utcnow())
        session.commit()
        return token


def _urls(netra, code: str) -> list[str]:
    urls = [f"/dashboard/tickets/{code}", f"/dashboard/tickets/{code.replace('-', '').lower()}"]
    urls += [f"/dashboard/tickets/{code}/evidence/{i}" for i in _evidence_ids(netra, code)]
    urls += [
        f"/dashboard/tickets/{code}/evidence/{i}?download=1" for i in _evidence_ids(netra, code)
    ]
    return urls


def test_each_office_reaches_only_its_own_tickets_evidence_and_api(netra, dashboard):
    tickets = {
        BIMA: file_ticket(netra, TELEGRAM_CHAT_ID, region="Kab. Bima", photo=png()),
        BANDUNG: file_ticket(
            netra, WHATSAPP_NUMBER, region="Kota Bandung", channel="whatsapp", photo=png()
        ),
        KOTA_BIMA: file_ticket(netra, "8000000001", region="Kota Bima"),
    }
    assert _evidence_ids(netra, tickets[BIMA]), "the photo evidence was not stored"
    officers = {office: make_officer(netra, office) for office in (*tickets, NTB)}
    tokens = {office: _token(netra, who.id) for office, who in officers.items()}
    clients = {office: http_login(dashboard.base_url, who) for office, who in officers.items()}

    for viewer, owner in itertools.permutations(officers, 2):
        client = clients[viewer]
        inbox = client.get("/dashboard/").text
        if owner in tickets:
            code = tickets[owner]
            assert code not in inbox, f"{viewer} lists {owner}'s ticket"
            for url in _urls(netra, code):
                assert client.get(url).status_code == 404, f"{viewer} reached {url}"
            for form in ("status", "note", "reassign"):
                answer = client.post(
                    f"/dashboard/tickets/{code}/{form}",
                    data={
                        "csrf_token": client.csrf,
                        "status": "dikaji",
                        "note": "coba ubah",
                        "reason": "coba alih",
                        "office_code": viewer,
                    },
                )
                assert answer.status_code == 404, f"{viewer} posted {form} on {owner}'s ticket"
            api = httpx.Client(
                base_url=dashboard.base_url, headers={"Authorization": f"Bearer {tokens[viewer]}"}
            )
            assert api.get(f"/api/v1/tickets/{code}").status_code == 404
            assert (
                api.post(
                    f"/api/v1/tickets/{code}/status", json={"status": "dikaji", "note": "coba ubah"}
                ).status_code
                == 404
            )
            assert code not in api.get("/api/v1/tickets").text
    for office, code in tickets.items():
        client = clients[office]
        assert code in client.get("/dashboard/").text
        for url in _urls(netra, code):
            assert client.get(url).status_code == 200, url
    assert _ticket(netra, tickets[BIMA]).status == "baru"  # no refused POST changed anything


def test_api_requires_a_valid_token(netra, dashboard):
    code = file_ticket(netra, TELEGRAM_CHAT_ID)
    who = make_officer(netra, BIMA)
    api = httpx.Client(base_url=dashboard.base_url)
    assert api.get("/api/v1/tickets").status_code == 401
    assert (
        api.get(f"/api/v1/tickets/{code}", headers={"Authorization": "Bearer ntr_nope"}).status_code
        == 401
    )
    token = _token(netra, who.id)
    listed = api.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}).json()
    assert [t["code"] for t in listed] == [code]
    assert listed[0]["deadlines"]["open"] is True


def test_form_without_or_with_a_forged_csrf_token_is_refused(netra, dashboard):
    code = file_ticket(netra, TELEGRAM_CHAT_ID)
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    missing = client.post(
        f"/dashboard/tickets/{code}/status", data={"status": "dikaji", "note": "dikaji sekarang"}
    )
    forged = client.post(
        f"/dashboard/tickets/{code}/status",
        data={"status": "dikaji", "note": "dikaji sekarang", "csrf_token": "0" * 40},
    )
    assert (missing.status_code, forged.status_code) == (403, 403)
    fresh = httpx.Client(base_url=dashboard.base_url)
    who = make_officer(netra, KOTA_BIMA)
    login = fresh.post("/dashboard/login", data={"username": who.username, "password": PASSWORD})
    assert login.status_code == 403
    assert _ticket(netra, code).status == "baru"


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(netra, dashboard):
    who = make_officer(netra, BIMA)
    client = httpx.Client(base_url=dashboard.base_url)
    for _ in range(netra.settings.login_max_failures):
        token = csrf_from(client.get("/dashboard/login").text)
        wrong = client.post(
            "/dashboard/login",
            data={"username": who.username, "password": "tebakan-salah", "csrf_token": token},
        )
        assert wrong.status_code == 401
    token = csrf_from(client.get("/dashboard/login").text)
    right = client.post(
        "/dashboard/login",
        data={"username": who.username, "password": PASSWORD, "csrf_token": token},
    )
    assert right.status_code == 429 and "Terlalu banyak percobaan" in right.text
    assert "netra_officer" not in right.cookies
    with netra.session() as session:
        actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]
    assert actions.count("login_failed") == netra.settings.login_max_failures + 1
    assert "login" not in actions


def test_status_change_tells_the_reporter_briefly_on_their_channel(netra, dashboard):
    code = file_ticket(netra, TELEGRAM_CHAT_ID)
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    secret_note = "Catatan internal: saksi kunci adalah staf camat"
    answer = client.post(
        f"/dashboard/tickets/{code}/status",
        data={"csrf_token": client.csrf, "status": "dikaji", "note": secret_note},
    )
    assert answer.status_code == 303 and "ok=saved" in answer.headers["location"]
    ticket = _ticket(netra, code)
    assert ticket.status == "dikaji"
    with netra.session() as session:
        notices = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.reporter_id == ticket.reporter_id)
            .order_by(OutboxMessage.id)
        ).all()
    notice = notices[-1]
    assert (notice.transport, notice.address) == ("telegram", TELEGRAM_CHAT_ID)
    assert code in notice.payload["text"] and "sedang dikaji Bawaslu" in notice.payload["text"]
    assert "saksi kunci" not in notice.payload["text"]
    page = client.get(f"/dashboard/tickets/{code}").text
    assert secret_note in page  # the officer's note is on the internal timeline


def test_illegal_transition_and_missing_note_are_refused(netra, dashboard):
    code = file_ticket(netra, TELEGRAM_CHAT_ID)
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    jump = client.post(
        f"/dashboard/tickets/{code}/status",
        data={"csrf_token": client.csrf, "status": "selesai", "note": "langsung selesai"},
    )
    silent = client.post(
        f"/dashboard/tickets/{code}/status",
        data={"csrf_token": client.csrf, "status": "dikaji", "note": " "},
    )
    assert jump.status_code == 422 and "Perubahan status itu tidak diizinkan." in jump.text
    assert ">langsung selesai</textarea>" in jump.text  # what was typed stays
    assert silent.status_code == 422 and "Catatan wajib diisi" in silent.text
    assert _ticket(netra, code).status == "baru"


def test_overdue_kabkota_ticket_is_escalated_to_its_province_only(netra, dashboard):
    # Past the end of the office's local day three days after receipt.
    old = utcnow() - timedelta(days=netra.settings.processing_days + 1, hours=2)
    overdue = file_ticket(netra, TELEGRAM_CHAT_ID, at=old)
    fresh = file_ticket(netra, "8000000002")
    bandung_old = file_ticket(
        netra, WHATSAPP_NUMBER, region="Kota Bandung", channel="whatsapp", at=old
    )
    ntb = http_login(dashboard.base_url, make_officer(netra, NTB))
    bima = http_login(dashboard.base_url, make_officer(netra, BIMA))
    assert ntb.get(f"/dashboard/tickets/{overdue}").status_code == 404

    escalated = escalate_overdue_tickets(netra)
    assert sorted(escalated) == sorted([overdue, bandung_old])
    assert escalate_overdue_tickets(netra) == []  # claimed once

    inbox = ntb.get("/dashboard/").text
    assert overdue in inbox and "Eskalasi" in inbox
    assert fresh not in inbox and bandung_old not in inbox
    assert ntb.get(f"/dashboard/tickets/{overdue}").status_code == 200
    jabar = http_login(dashboard.base_url, make_officer(netra, JABAR))
    assert bandung_old in jabar.get("/dashboard/").text
    own = bima.get("/dashboard/").text
    assert "LEWAT BATAS" in own and overdue in own


def test_reassigned_ticket_leaves_the_office(netra, dashboard):
    code = file_ticket(netra, TELEGRAM_CHAT_ID)
    bima = http_login(dashboard.base_url, make_officer(netra, BIMA))
    kota = http_login(dashboard.base_url, make_officer(netra, KOTA_BIMA))
    no_reason = bima.post(
        f"/dashboard/tickets/{code}/reassign",
        data={"csrf_token": bima.csrf, "office_code": KOTA_BIMA, "reason": ""},
    )
    assert no_reason.status_code == 422 and "Catatan wajib diisi" in no_reason.text
    assert f'value="{KOTA_BIMA}"' in no_reason.text
    moved = bima.post(
        f"/dashboard/tickets/{code}/reassign",
        data={"csrf_token": bima.csrf, "office_code": KOTA_BIMA, "reason": "kejadian di Kota Bima"},
    )
    assert moved.status_code == 303
    assert bima.get(f"/dashboard/tickets/{code}").status_code == 404
    page = kota.get(f"/dashboard/tickets/{code}").text
    assert "kejadian di Kota Bima" in page and "Dialihkan" in page


def test_admin_pages_are_invisible_to_officers_and_admin_manages_accounts(netra, dashboard):
    officer = http_login(dashboard.base_url, make_officer(netra, BIMA))
    for url in (
        "/dashboard/admin/officers",
        "/dashboard/admin/offices",
        "/dashboard/admin/national",
    ):
        assert officer.get(url).status_code == 404
    admin = http_login(dashboard.base_url, make_officer(netra, "RI", role="admin"))
    added = admin.post(
        "/dashboard/admin/officers",
        data={
            "csrf_token": admin.csrf,
            "username": "baru.bima",
            "office_code": BIMA,
            "display_name": "Petugas Baru",
        },
    )
    assert added.status_code == 200 and "baru.bima" in added.text
    password = added.text.split("Sandi baru untuk baru.bima: ")[1].split(" ")[0]
    newcomer = http_login(dashboard.base_url, OfficerLogin("baru.bima", password, BIMA, 0))
    # The password the admin saw is one-time: every page leads to the change first.
    forced = newcomer.get("/dashboard/")
    assert forced.status_code == 303
    assert forced.headers["location"] == "/dashboard/account/password"
    changed = newcomer.post(
        "/dashboard/account/password",
        data={
            "csrf_token": newcomer.csrf,
            "current": password,
            "new": "sandi-pilihan-sendiri",
            "repeat": "sandi-pilihan-sendiri",
        },
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/dashboard/"
    newcomer.csrf = csrf_from(newcomer.get("/dashboard/").text)
    assert newcomer.get("/dashboard/").status_code == 200
    with netra.session() as session:
        from storage.officers import by_username

        target = by_username(session, "baru.bima")
    admin.post(
        f"/dashboard/admin/officers/{target.id}/active",
        data={"csrf_token": admin.csrf, "active": "0"},
    )
    # Disabling ends the open session at once.
    assert newcomer.get("/dashboard/").status_code == 303
    assert admin.get("/dashboard/admin/offices").status_code == 200


def test_no_page_export_api_or_log_line_contains_a_reporter_identifier(
    netra, dashboard, captured_logs
):
    captured_logs.set_level(logging.DEBUG)
    bima_code = file_ticket(netra, TELEGRAM_CHAT_ID, photo=png())
    file_ticket(netra, WHATSAPP_NUMBER, channel="whatsapp")
    who = make_officer(netra, BIMA)
    client = http_login(dashboard.base_url, who)
    client.post(
        f"/dashboard/tickets/{bima_code}/status",
        data={"csrf_token": client.csrf, "status": "dikaji", "note": "mulai dikaji"},
    )
    token = _token(netra, who.id)
    api = httpx.Client(base_url=dashboard.base_url, headers={"Authorization": f"Bearer {token}"})
    api.post(
        f"/api/v1/tickets/{bima_code}/status",
        json={"status": "perlu_info", "note": "butuh foto lain"},
    )
    bodies = [
        client.get(url).content
        for url in (
            "/dashboard/",
            f"/dashboard/tickets/{bima_code}",
            "/dashboard/export.csv",
            "/dashboard/audit",
            "/dashboard/account",
            *_urls(netra, bima_code),
        )
    ]
    bodies += [api.get("/api/v1/tickets").content, api.get(f"/api/v1/tickets/{bima_code}").content]
    bodies.append(httpx.get(f"{dashboard.base_url}/openapi.json").content)
    admin = http_login(dashboard.base_url, make_officer(netra, "RI", role="admin"))
    bodies += [admin.get(u).content for u in ("/dashboard/admin/national", "/dashboard/audit")]
    with netra.session() as session:
        bodies += [(a.detail or "").encode() for a in session.exec(select(AuditLog))]
    logs = "\n".join(r.getMessage() for r in captured_logs.records).encode()
    for identifier in (TELEGRAM_CHAT_ID, WHATSAPP_NUMBER, WHATSAPP_NUMBER.lstrip("+")):
        for body in (*bodies, logs):
            assert identifier.encode() not in body
    csv_text = client.get("/dashboard/export.csv").text
    assert bima_code in csv_text and "reporter" not in csv_text.lower()
    schemas = httpx.get(f"{dashboard.base_url}/openapi.json").json()["components"]["schemas"]
    fields = {f for name in ("TicketSummary", "TicketDetail") for f in schemas[name]["properties"]}
    assert not fields & {"reporter", "reporter_id", "address", "channel", "chat_id", "phone"}


def test_another_offices_ticket_is_a_not_found_page_without_its_content(netra, dashboard):
    code = file_ticket(netra, "8000000002", region="Kota Bima")
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    answer = client.get(f"/dashboard/tickets/{code}")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Tidak ditemukan" in answer.text and "Camat" not in answer.text
