"""The calendar and message-library pages in Chromium, on a phone and a laptop, with axe-core:
an admin adds a re-vote region and is refused a partisan template, then saves a neutral one."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.runtime import Netra, utcnow
from storage import calendar as cal
from tests.fakes.axe import assert_accessible
from tests.fakes.dashboard import login, make_officer, serve, size
from tests.fakes.subscribers import WITA, add_subscribers

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def page(sized_page: Any) -> Any:
    """Each test at a phone's size (390x844) and a laptop's (1366x860)."""
    return sized_page


def no_sideways_scroll(page: Any) -> None:
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"] + 1, f"page scrolls sideways: {wide}px"


def test_an_admin_adds_a_revote_region_on_the_calendar_page(
    netra: Netra, page: Any, shots: Path
) -> None:
    admin = make_officer(netra, "RI", role="admin")
    with serve(netra) as served:
        login(page, served.base_url, admin)
        page.click("nav >> text=Kalender")
        page.wait_for_url(f"{served.base_url}/dashboard/admin/calendar")
        assert page.locator("#stages tr[data-stage]").count() == 5
        assert page.get_by_text("Belum ada wilayah dengan hari pemungutan sendiri.").is_visible()
        form = page.locator("#add-override")
        form.get_by_label("Kode wilayah").fill("52.06")
        form.get_by_label("Hari pemungutan").fill("2024-12-14")
        form.get_by_label("Catatan").fill("Putusan MK")
        form.get_by_role("button", name="Tambah").click()
        page.wait_for_url("**/calendar?saved=override")
        row = page.locator("#overrides tr[data-region='52.06']")
        assert row.is_visible() and "Kabupaten Bima" in row.inner_text()
        assert "2024-12-11 – 2024-12-13" in row.inner_text()
        no_sideways_scroll(page)
        assert_accessible(page, f"calendar {size(page)}")
        page.screenshot(path=str(shots / f"dash-calendar-{size(page)}.png"), full_page=True)

        # A quiet period that starts inside the campaign is refused, with the reason.
        page.fill("input[name=start_masa_tenang]", "2024-11-20")
        page.get_by_role("button", name="Simpan tanggal").click()
        alert = page.get_by_role("alert")
        assert "dimulai sebelum Masa kampanye berakhir" in alert.inner_text()
        assert page.input_value("input[name=start_masa_tenang]") == "2024-11-20"
        assert_accessible(page, f"calendar refused {size(page)}")


def test_an_admin_is_refused_a_partisan_template_and_saves_a_neutral_one(
    netra: Netra, page: Any, shots: Path
) -> None:
    admin = make_officer(netra, "RI", role="admin")
    with serve(netra) as served:
        login(page, served.base_url, admin)
        page.click("nav >> text=Pesan")
        page.wait_for_url(f"{served.base_url}/dashboard/admin/templates")
        assert_accessible(page, f"templates {size(page)}")
        page.screenshot(path=str(shots / f"dash-templates-{size(page)}.png"), full_page=True)
        card = page.locator("details[data-template='pagi_pemungutan']")
        card.locator("summary").click()
        card.get_by_label("Teks (ID)").fill("{operator}: Coblos nomor 2 hari ini! {stop}")
        card.get_by_role("button", name="Simpan").click()
        alert = page.get_by_role("alert")
        assert "kata partisan: coblos, nomor 2" in alert.inner_text()
        # The refused text is still there to correct, in the same (open) card.
        card = page.locator("details[data-template='pagi_pemungutan']")
        assert card.get_attribute("open") is not None
        field = card.get_by_label("Teks (ID)")
        assert "Coblos nomor 2" in field.input_value()
        no_sideways_scroll(page)
        assert_accessible(page, f"templates refused {size(page)}")
        page.screenshot(
            path=str(shots / f"dash-templates-refused-{size(page)}.png"), full_page=True
        )
        field.fill("{operator}: Hari ini pemungutan suara. Gunakan hak pilih dengan bebas. {stop}")
        card.get_by_role("button", name="Simpan").click()
        page.wait_for_url("**/templates?saved=template&open=pagi_pemungutan")
        card = page.locator("details[data-template='pagi_pemungutan']")
        assert "diubah" in card.locator("summary").inner_text()
        assert "Gunakan hak pilih dengan bebas. Kirim BERHENTI untuk berhenti." in card.inner_text()


def test_a_polling_day_reminder_shows_when_the_revote_region_gets_it(
    netra: Netra, page: Any, shots: Path
) -> None:
    with netra.session() as session:
        cal.set_override(
            session,
            netra.settings.election_calendar,
            "52.06",
            date(2024, 12, 14),
            known_region=lambda code: netra.regions.get(code) is not None,
            officer_id=None,
            now=utcnow(),
        )
        add_subscribers(session, ["1", "2"], timezone=WITA, region_code="52.06")
        add_subscribers(session, ["3"], timezone=WITA, region_code="52.72")
        session.commit()
    admin = make_officer(netra, "RI", role="admin")
    with serve(netra) as served:
        login(page, served.base_url, admin)
        page.goto(f"{served.base_url}/dashboard/admin/broadcasts")
        page.select_option("select[name=template_key]", "pagi_pemungutan")
        page.fill("input[name=deadline]", "2099-11-27T12:00")
        page.get_by_role("button", name="Simpan draf").click()
        page.wait_for_url("**/dashboard/admin/broadcasts/1")
        regional = page.locator("#regional")
        assert "52.06 Kabupaten Bima: 17 hari kemudian" in " ".join(regional.inner_text().split())
        # A draft can only be cancelled; the author cannot approve it.
        assert page.locator("#cancel").is_visible()
        assert page.locator("#pause").count() == 0 and page.locator("#approve").count() == 0
        assert "Menunggu persetujuan admin lain." in page.content()
        no_sideways_scroll(page)
        assert_accessible(page, f"broadcast draft {size(page)}")
        page.screenshot(path=str(shots / f"dash-broadcast-psu-{size(page)}.png"), full_page=True)
