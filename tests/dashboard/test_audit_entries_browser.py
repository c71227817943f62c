"""The audit log records what an officer did, once: a ticket view is one entry, not one per
thumbnail on the page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import AuditLog
from tests.fakes.axe import assert_accessible
from tests.fakes.dashboard import file_ticket, login, make_officer, png, serve

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_viewing_a_ticket_with_photos_is_one_audit_entry(netra, browser, tmp_path):
    shots = Path(os.environ.get("NETRA_SCREENSHOT_DIR") or tmp_path)
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

        # The log reads as words, in the office's time, by ticket code, filtered.
        page.goto(f"{served.base_url}/dashboard/audit")
        page.fill("input[name=ticket]", code)
        page.select_option("select[name=action]", "view_ticket")
        page.get_by_role("button", name="Saring").click()
        table = page.locator("table.audit tbody")
        assert table.locator("tr").count() == 1
        row = table.locator("tr").first.inner_text()
        assert "Membuka tiket" in row and code in row and "WITA" in row
        assert_accessible(page, "audit log")
        for width, height in ((390, 844), (1366, 860)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(shots / f"dash-audit-{width}x{height}.png"), full_page=True)
        context.close()
    with netra.session() as session:
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert actions.count("view_ticket") == 1
    assert "view_evidence" not in actions
