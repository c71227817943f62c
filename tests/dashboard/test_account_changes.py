"""An admin can put an account into any office; that office is told, on every page."""

from __future__ import annotations

import re

from sqlmodel import select

from storage.models import AuditLog, Officer
from tests.fakes.dashboard import http_login


def test_account_created_by_admin_is_shown_to_that_offices_officers(dashboard, officer_factory):
    admin = http_login(dashboard.base_url, officer_factory("RI", role="admin"))
    local = http_login(dashboard.base_url, officer_factory("52.06"))
    assert "account-notices" not in local.get("/dashboard/").text
    response = admin.post(
        "/dashboard/admin/officers",
        data={"username": "penyusup", "office_code": "52.06", "csrf_token": admin.csrf},
    )
    assert response.status_code == 200
    page = local.get("/dashboard/").text
    assert "account-notices" in page and "penyusup" in page
    notice = page.split('id="account-notices"')[1].split("</section>")[0]
    assert " WITA" in notice  # Kab. Bima's clock in the dashboard's format, not a UTC ISO stamp
    assert not re.search(r"\d{4}-\d{2}-\d{2}", notice)
    audit_page = local.get("/dashboard/audit").text
    assert "officer_add" in audit_page or "penyusup" in audit_page


def test_account_moved_by_admin_is_audited_for_both_offices(netra, dashboard, officer_factory):
    admin = http_login(dashboard.base_url, officer_factory("RI", role="admin"))
    moved = officer_factory("52.07", username="pindahan")
    watcher = http_login(dashboard.base_url, officer_factory("52.06"))
    response = admin.post(
        f"/dashboard/admin/officers/{moved.id}/office",
        data={"office_code": "52.06", "csrf_token": admin.csrf},
    )
    assert response.status_code == 303
    with netra.session() as session:
        assert session.get(Officer, moved.id).office_code == "52.06"
        rows = session.exec(select(AuditLog).where(AuditLog.action.startswith("officer_move")))  # type: ignore[attr-defined]
        offices = sorted((r.action, r.office_code) for r in rows)
    assert offices == [("officer_move_in", "52.06"), ("officer_move_out", "52.07")]
    assert "pindahan" in watcher.get("/dashboard/").text


def test_officer_cannot_move_accounts(dashboard, officer_factory):
    local = http_login(dashboard.base_url, officer_factory("52.06"))
    other = officer_factory("52.07")
    response = local.post(
        f"/dashboard/admin/officers/{other.id}/office",
        data={"office_code": "52.06", "csrf_token": local.csrf},
    )
    assert response.status_code == 404
