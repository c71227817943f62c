"""The audit log records what an officer did, once: a ticket view is one entry, not one per
thumbnail on the page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import AuditLog, Evidence, Ticket
from tests.fakes.axe import assert_accessible
from tests.fakes.dashboard import file_ticket, http_login, login, make_officer, png, serve

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
        assert "Membuka laporan" in row and code in row and "WITA" in row
        assert_accessible(page, "audit log")
        for width, height in ((390, 844), (1366, 860)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(shots / f"dash-audit-{width}x{height}.png"), full_page=True)
        context.close()
    with netra.session() as session:
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert actions.count("view_ticket") == 1
    assert "view_evidence" not in actions


DAYS = "Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu"
WHEN = re.compile(rf"^({DAYS}), \d{{1,2}} \w+ \d{{4}} \d{{2}}\.\d{{2}} WITA$")


def test_the_audit_log_reads_as_words_and_filters_by_officer_and_day(netra, browser, tmp_path):
    shots = Path(os.environ.get("NETRA_SCREENSHOT_DIR") or tmp_path)
    code = file_ticket(netra, "audit-kata", photo=png((64, 48)))
    who = make_officer(netra, "52.06")
    other = make_officer(netra, "52.06")
    with serve(netra) as served:
        client = http_login(served.base_url, who)
        client.get(f"/dashboard/tickets/{code}")
        for status in ("dikaji", "perlu_info"):
            moved = client.post(
                f"/dashboard/tickets/{code}/status",
                data={"csrf_token": client.csrf, "status": status, "note": "langkah kajian"},
            )
            assert moved.status_code == 303
        moved = client.post(
            f"/dashboard/tickets/{code}/categories",
            data={
                "csrf_token": client.csrf,
                "categories": ["medsos", "mobilisasi"],
                "note": "dua kategori",
            },
        )
        assert moved.status_code == 303
        with netra.session() as session:
            ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
            evidence = session.exec(select(Evidence).where(Evidence.ticket_id == ticket.id)).all()
        photo = next(e for e in evidence if e.data is not None)
        assert client.get(f"/dashboard/tickets/{code}/evidence/{photo.id}?download=1").is_success
        http_login(served.base_url, other)

        for size in ({"width": 1366, "height": 860}, {"width": 390, "height": 844}):
            context = browser.new_context(viewport=size)
            page = context.new_page()
            login(page, served.base_url, who)
            page.goto(f"{served.base_url}/dashboard/audit?who={who.username}")
            table = page.locator("table.audit tbody")
            text = table.inner_text()
            assert "Dikaji → Perlu info tambahan" in text
            assert "Mengubah kategori" in text and "Bukti ke-2" in text  # the link is no. 1
            assert not re.search(r"->|evidence=|reason=|\b[a-z]+_[a-z_]+\b", text), text
            assert other.username not in text  # the officer filter
            whens = table.locator("td:first-child").all_inner_texts()
            assert whens and all(WHEN.match(w.split(": ")[-1].strip()) for w in whens), whens
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= size["width"]
            assert_accessible(page, f"audit log at {size['width']} px")
            page.screenshot(
                path=str(shots / f"dash-audit-words-{size['width']}x{size['height']}.png"),
                full_page=True,
            )
            context.close()

        # A day with nothing on it, and a name that is not an account, say so.
        quiet = client.get("/dashboard/audit?date_from=2020-01-01&date_to=2020-01-02").text
        assert "<strong>Membuka laporan</strong>" not in quiet and "Tidak ditemukan." in quiet
        assert "Nama pengguna tidak ditemukan." in client.get("/dashboard/audit?who=siapa").text
