"""The ticket page says when its data will be shredded; only an admin may place a legal hold."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.dashboard.ui import local_day
from bot.runtime import utcnow
from storage.models import AuditLog, Ticket, TicketEvent
from tests.fakes.dashboard import file_ticket, http_login


def test_ticket_page_shows_shredding_date_and_admin_hold(netra, dashboard, officer_factory):
    code = file_ticket(netra, "ret-page")
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        ticket.status = "selesai"
        session.add(ticket)
        closed = utcnow() - timedelta(days=5)
        session.add(TicketEvent(ticket_id=ticket.id, at=closed, kind="status", to_status="selesai"))
        session.commit()
    officer = http_login(dashboard.base_url, officer_factory(ticket.office_code))
    page = officer.get(f"/dashboard/tickets/{code}").text
    # In the dashboard's one date format (issue 12): "Jumat, 19 November 2027".
    shred_on = local_day((closed + timedelta(days=netra.settings.retention_selesai_days)).date())
    assert 'data-state="scheduled"' in page and shred_on in page
    assert "legal-hold-form" not in page
    hold = {"code": code, "hold": "1", "reason": "Perkara di Gakkumdu"}
    refused = officer.post("/dashboard/admin/legal-holds", data=hold | {"csrf_token": officer.csrf})
    assert refused.status_code == 404

    admin = http_login(dashboard.base_url, officer_factory("RI", role="admin"))
    assert code not in admin.get("/dashboard/admin/legal-holds").text
    placed = admin.post("/dashboard/admin/legal-holds", data=hold | {"csrf_token": admin.csrf})
    assert placed.status_code == 303
    assert code in admin.get("/dashboard/admin/legal-holds").text
    page = officer.get(f"/dashboard/tickets/{code}").text
    assert 'data-state="held"' in page and "Perkara di Gakkumdu" in page
    with netra.session() as session:
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert "legal_hold_set" in actions
