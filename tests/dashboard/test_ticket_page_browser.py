"""The ticket page as an officer uses it, in real Chromium at a phone's and a laptop's size:
actions in reach, the destination only for "Ditindaklanjuti", a refused form that keeps what
was typed, readable words and one Indonesian date format (issue 12)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import AuditLog, Ticket
from tests.fakes.axe import assert_accessible
from tests.fakes.dashboard import file_ticket, http_login, login, make_officer, png, serve

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 860}
OFFICE = "52.06"  # Bawaslu Kabupaten Bima: WITA
DAYS = "Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu"
MONTHS = "Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember"
MOMENT = re.compile(rf"^({DAYS}), \d{{1,2}} ({MONTHS}) \d{{4}} \d{{2}}\.\d{{2}} WITA$")
# What must never reach an officer's eyes: internal kinds, MIME types, byte counts, enum keys,
# ISO dates, the old "[temuan]" prefix.
RAW = re.compile(
    r"\bphoto\b|\blink\b|\[temuan\]|image/|application/|\b\d+ B\b|\b[a-z]+_[a-z_]+\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
)
# The elements that stick out past a phone's width, named in a failure.
WIDE = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map(e => `${e.tagName}#${e.id}.${e.className}`)"""


def _shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("NETRA_SCREENSHOT_DIR") or tmp_path)


def _to_review(netra, base: str, who, code: str) -> None:
    client = http_login(base, who)
    moved = client.post(
        f"/dashboard/tickets/{code}/status",
        data={"csrf_token": client.csrf, "status": "dikaji", "note": "Mulai dikaji"},
    )
    assert moved.status_code == 303


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_ticket_page_reads_well_and_its_actions_are_in_reach(netra, browser, tmp_path, size):
    code = file_ticket(netra, f"tiket-{size['width']}", photo=png((64, 48)))
    who = make_officer(netra, OFFICE)
    with serve(netra) as served:
        _to_review(netra, served.base_url, who, code)
        context = browser.new_context(viewport=size)
        context.set_default_timeout(15_000)
        page = context.new_page()
        login(page, served.base_url, who)
        page.goto(f"{served.base_url}/dashboard/tickets/{code}")
        page.locator("img.thumb").first.wait_for()

        summary = page.locator("#summary")
        assert "Dikaji" in summary.inner_text() and code in summary.inner_text()
        status_select = page.locator("#status-form select[name=status]")
        if size is DESKTOP:
            # Two columns: the status form and its button are on screen without scrolling,
            # beside the report (not 2,500 px below it).
            button = page.locator("#status-form button[type=submit]").bounding_box()
            assert button is not None and button["y"] + button["height"] <= size["height"]
            report = page.locator("#report").bounding_box()
            actions = page.locator("#actions").bounding_box()
            assert report and actions and actions["x"] > report["x"] + report["width"]
        else:
            # One column; the summary bar (status, deadline, a jump to the actions) comes first.
            jump = page.get_by_role("link", name="Ke tindakan ↓")
            box = jump.bounding_box()
            assert box is not None and box["y"] + box["height"] <= size["height"]
            assert page.locator("#summary .clock").is_visible()
            jump.click()
            page.wait_for_function("() => window.scrollY > 200")
            assert status_select.is_visible()
            width = page.evaluate("() => document.documentElement.scrollWidth")
            wide = page.evaluate(WIDE)
            assert width <= size["width"], f"the page spills sideways on a phone: {wide}"

        # Words, not internal keys; sizes and dates as people write them.
        text = page.inner_text("main")
        assert not RAW.findall(text), RAW.findall(text)
        assert "Foto" in text and "Tautan" in text and re.search(r"PNG · (< 1|\d+) KB", text)
        stamps = page.locator("ol.timeline time").all_inner_texts()
        assert stamps and all(MOMENT.match(s.strip()) for s in stamps), stamps
        assert re.search(rf"({DAYS}), \d{{1,2}} ({MONTHS}) \d{{4}}", page.inner_text("#report"))

        # The destination appears with "Ditindaklanjuti" only; the register with a temuan.
        destination = page.locator("#destination-fields")
        register = page.locator("#register-fields")
        assert not destination.is_visible()
        status_select.select_option("perlu_info")
        assert not destination.is_visible()
        status_select.select_option("ditindaklanjuti")
        assert destination.is_visible() and not register.is_visible()
        page.select_option("#status-form select[name=destination]", "temuan")
        assert register.is_visible()
        status_select.select_option("perlu_info")
        assert not destination.is_visible()

        assert_accessible(page, f"ticket page at {size['width']} px")
        page.screenshot(
            path=str(_shots(tmp_path) / f"dash-ticket-{size['width']}x{size['height']}.png"),
            full_page=True,
        )
        # The English page has no internal words either, and its own time format.
        page.click("text=EN")
        page.wait_for_url(f"{served.base_url}/dashboard/tickets/{code}")
        english = page.inner_text("main")
        assert not RAW.findall(english), RAW.findall(english)
        assert "Photo" in english
        assert re.search(r"\w+day, \d{1,2} \w+ \d{4} \d{2}:\d{2} WITA", english)
        context.close()


def test_a_refused_form_comes_back_with_what_was_typed(netra, browser, tmp_path):
    code = file_ticket(netra, "tiket-tolak")
    who = make_officer(netra, OFFICE)
    with serve(netra) as served:
        base = served.base_url
        _to_review(netra, base, who, code)
        context = browser.new_context(viewport=DESKTOP)
        context.set_default_timeout(15_000)
        page = context.new_page()
        login(page, base, who)
        page.goto(f"{base}/dashboard/tickets/{code}")

        # A temuan without its register entry: refused, nothing lost.
        page.select_option("#status-form select[name=status]", "ditindaklanjuti")
        page.select_option("#status-form select[name=destination]", "temuan")
        page.fill("#status-form textarea[name=note]", "Dijadikan temuan Bawaslu Kabupaten")
        page.click("#status-form button[type=submit]")
        page.locator("#status-error").wait_for()
        assert "nomor dan tanggal register" in page.inner_text("#status-error")
        assert page.input_value("#status-form select[name=status]") == "ditindaklanjuti"
        assert page.input_value("#status-form select[name=destination]") == "temuan"
        note = page.input_value("#status-form textarea[name=note]")
        assert note == "Dijadikan temuan Bawaslu Kabupaten"
        assert page.locator("#register-fields").is_visible()
        assert "Dikaji" in page.inner_text("#summary")  # nothing changed
        page.screenshot(path=str(_shots(tmp_path) / "dash-ticket-refused-1366x860.png"))

        # A question of blanks: refused, the question box still holds it, the page is usable.
        page.fill("#followup-form textarea[name=question]", "   ?   ")
        page.click("#followup-form button[type=submit]")
        page.locator("#followup-error").wait_for()
        assert page.input_value("#followup-form textarea[name=question]").strip() == "?"

        # Reclassification with no category ticked keeps the note.
        page.click("#reclassify summary")
        for box in page.locator("#reclassify-form input[name=categories]:checked").all():
            box.uncheck()
        page.fill("#reclassify-form textarea[name=note]", "Bukan soal media sosial")
        page.click("#reclassify-form button[type=submit]")
        page.locator("#categories-error").wait_for()
        assert page.input_value("#reclassify-form textarea[name=note]") == (
            "Bukan soal media sosial"
        )

        # An internal note of blanks is refused where it was written.
        page.fill("#note-form textarea[name=note]", "      ")
        page.click("#note-form button[type=submit]")
        page.locator("#note-error").wait_for()
        assert "Catatan wajib diisi" in page.inner_text("#note-error")

        # Reloading a refused form's address is the ticket page, not an error.
        page.goto(f"{base}/dashboard/tickets/{code}/status")
        assert page.url == f"{base}/dashboard/tickets/{code}"
        context.close()
    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        views = session.exec(select(AuditLog).where(AuditLog.action == "view_ticket")).all()
    assert ticket.status == "dikaji" and ticket.category == "medsos"
    assert len(views) == 2  # the two page openings; the refusals are not new views


def test_without_the_script_a_destination_beside_another_status_is_refused(netra, dashboard):
    code = file_ticket(netra, "tiket-tanpa-js")
    who = make_officer(netra, OFFICE)
    _to_review(netra, dashboard.base_url, who, code)
    client = http_login(dashboard.base_url, who)
    refused = client.post(
        f"/dashboard/tickets/{code}/status",
        data={
            "csrf_token": client.csrf,
            "status": "perlu_info",
            "destination": "bkn",
            "note": "Perlu foto spanduk",
        },
    )
    assert refused.status_code == 422
    assert "hanya diisi untuk status Ditindaklanjuti" in refused.text
    assert 'class="dest shown"' in refused.text  # the field is shown so it can be cleared
    assert ">Perlu foto spanduk</textarea>" in refused.text
    with netra.session() as session:
        assert session.exec(select(Ticket).where(Ticket.code == code)).one().status == "dikaji"
