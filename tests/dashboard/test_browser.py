"""An officer's day in real headless Chromium against the served app, on both databases."""

from __future__ import annotations

from sqlmodel import select

from storage.models import OutboxMessage, Ticket
from tests.fakes.dashboard import file_ticket, login, make_officer, png

CHAT_ID = "7712345678"
OTHER_CHAT_ID = "7700000001"


def test_officer_logs_in_works_a_ticket_and_the_reporter_is_told(netra, dashboard, page):
    base = dashboard.base_url
    own = file_ticket(netra, CHAT_ID, photo=png())
    other = file_ticket(netra, OTHER_CHAT_ID, region="Kota Bandung")
    login(page, base, make_officer(netra, "52.06"))

    rows = page.locator("table.inbox tbody tr")
    assert rows.count() == 1 and own in rows.first.inner_text()
    assert other not in page.content()

    page.click(f"text={own}")
    page.wait_for_url(f"{base}/dashboard/tickets/{own}")
    assert "Camat hadir di kampanye" in page.inner_text("dl.fields")
    # a label, not a key
    assert "Pemerintah kabupaten/kota (dinas, kecamatan" in page.inner_text("dl.fields")
    image = page.locator("img.thumb")
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    with page.expect_download() as download_info:
        page.click("a.ev-download")
    with open(download_info.value.path(), "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"

    page.select_option("#status-form select[name=status]", "dikaji")
    page.fill("#status-form textarea[name=note]", "Mulai dikaji: cek rekaman kampanye")
    page.click("#status-form button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/tickets/{own}?ok=saved")
    assert "Tersimpan." in page.inner_text("p.flash")
    assert "Dikaji" in page.inner_text("h1")
    assert "Mulai dikaji: cek rekaman kampanye" in page.inner_text("ol.timeline")

    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == own)).one()
        notice = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.reporter_id == ticket.reporter_id)
            .order_by(OutboxMessage.id.desc())  # type: ignore[union-attr]
        ).first()
    assert notice is not None and "sedang dikaji Bawaslu" in notice.payload["text"]
    assert "rekaman kampanye" not in notice.payload["text"]

    exported = page.request.get(f"{base}/dashboard/export.csv")
    assert exported.ok and own in exported.text() and other not in exported.text()

    page.click("text=EN")
    assert "Inbox" in page.inner_text("header")
    for body in (page.content(), exported.text()):
        assert CHAT_ID not in body and OTHER_CHAT_ID not in body


def test_inbox_filters_by_status(netra, dashboard, page):
    base = dashboard.base_url
    first = file_ticket(netra, CHAT_ID)
    second = file_ticket(netra, OTHER_CHAT_ID)
    login(page, base, make_officer(netra, "52.06"))
    page.click(f"text={first}")
    page.select_option("#status-form select[name=status]", "dikaji")
    page.fill("#status-form textarea[name=note]", "sedang dikaji")
    page.click("#status-form button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/tickets/{first}?ok=saved")
    page.goto(f"{base}/dashboard/")
    page.select_option("select[name=status]", "dikaji")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/?*status=dikaji*")  # the search field comes first
    listed = page.inner_text("table.inbox tbody")
    assert first in listed and second not in listed
