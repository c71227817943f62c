"""The audit log records what an officer did, once: a ticket view is one entry, not one per
thumbnail on the page."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import AuditLog
from tests.fakes.dashboard import file_ticket, login, make_officer, png, serve

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_viewing_a_ticket_with_photos_is_one_audit_entry(netra, browser):
    code = file_ticket(netra, "audit-foto", photo=png((64, 48)))
    who = make_officer(netra, "52.06")
    with serve(netra) as served:
        context = browser.new_context(viewport={"width": 1366, "height": 860})
        page = context.new_page()
        login(page, served.base_url, who)
        page.goto(f"{served.base_url}/dashboard/tickets/{code}")
        page.wait_for_load_state("networkidle")
        thumbs = page.locator("img[src*='/evidence/']")
        assert thumbs.count() >= 1
        assert thumbs.first.evaluate("img => img.naturalWidth") > 0  # the thumbnail loaded
        context.close()
    with netra.session() as session:
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert actions.count("view_ticket") == 1
    assert "view_evidence" not in actions
