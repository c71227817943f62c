"""The inbox and ticket page as an officer works them, in Chromium on a phone and a laptop:
searching the words of reports (kept encrypted), taking a ticket ("Ambil") from the row and
from the ticket page, date filters read and typed the Indonesian way, and a refused identity
reveal or re-seal that keeps what was typed. Each page is checked with axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.runtime import Netra
from storage.models import Ticket
from tests.fakes.axe import assert_accessible
from tests.fakes.dashboard import file_ticket, login, make_officer, serve, size
from tests.fakes.identity import NIK, OFFICE, PASSPHRASE, give_office_key, submit_with_identity
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

POSITION, DESCRIPTION, PLACE = 3, 9, 17  # where HAPPY_PATH answers them
AMPLOP = list(HAPPY_PATH)
AMPLOP[POSITION] = "Kepala Dinas Pendidikan Kabupaten Bima"
AMPLOP[DESCRIPTION] = "Kepala dinas membagikan amplop kepada guru honorer di rapat sekolah."
AMPLOP[PLACE] = "Gedung PGRI Bima"


@pytest.fixture
def page(sized_page: Any) -> Any:
    return sized_page


def codes_shown(page: Any) -> list[str]:
    return [r.get_attribute("data-code") for r in page.locator("table.inbox tbody tr").all()]


def search(page: Any, text: str) -> None:
    page.fill("input[name=q]", text)
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()


def no_spill(page: Any) -> None:
    spill = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert spill <= 0, f"the page spills {spill}px sideways at {size(page)}"


def test_words_of_a_report_find_it_and_parts_of_words_do_not(
    netra: Netra, page: Any, shots: Path
) -> None:
    camat = file_ticket(netra, "search-camat")
    amplop = file_ticket(netra, "search-amplop", answers=tuple(AMPLOP))
    who = make_officer(netra, "52.06")
    with serve(netra) as served:
        login(page, served.base_url, who)
        assert sorted(codes_shown(page)) == sorted([camat, amplop])
        search(page, "kampanye")
        assert codes_shown(page) == [camat]
        search(page, "AMPLOP guru")  # any case; every word must occur
        assert codes_shown(page) == [amplop]
        search(page, "pgri")  # the place
        assert codes_shown(page) == [amplop]
        search(page, "Camat Sape")  # the accused's position
        assert codes_shown(page) == [camat]
        page.screenshot(path=str(shots / f"inbox-search-{size(page)}.png"), full_page=True)
        no_spill(page)
        assert_accessible(page, f"inbox search {size(page)}")
        search(page, "kampa")  # part of a word: not found, as the help under the field says
        assert codes_shown(page) == []
        assert page.get_by_text("potongan kata tidak dicari").is_visible()
        search(page, amplop[:3])  # the beginning of a code still works
        assert codes_shown(page) == [amplop]


def test_an_officer_takes_a_ticket_from_the_inbox_and_gives_it_back_on_its_page(
    netra: Netra, page: Any, shots: Path
) -> None:
    first = file_ticket(netra, "take-1")
    second = file_ticket(netra, "take-2")
    who = make_officer(netra, "52.06")
    with serve(netra) as served:
        login(page, served.base_url, who)
        row = page.locator(f"tr[data-code='{first}']")
        assert "Belum ada" in row.locator("td.assignee").inner_text()
        row.get_by_role("button", name=f"Ambil laporan {first}").click()
        page.wait_for_url(f"{served.base_url}/dashboard/")
        assert "Anda" in page.locator(f"tr[data-code='{first}'] td.assignee").inner_text()
        other = page.locator(f"tr[data-code='{second}'] td.assignee")
        assert "Belum ada" in other.inner_text()
        page.screenshot(path=str(shots / f"inbox-assigned-{size(page)}.png"), full_page=True)
        no_spill(page)
        assert_accessible(page, f"inbox with an assignee {size(page)}")

        page.goto(f"{served.base_url}/dashboard/?assignee=me")
        assert codes_shown(page) == [first]

        page.goto(f"{served.base_url}/dashboard/tickets/{second}")
        page.click("#assign-form button")
        page.wait_for_url(f"{served.base_url}/dashboard/tickets/{second}")
        assert page.locator("#assignee").inner_text().startswith("Anda")
        assert page.locator("#timeline").get_by_text("Diambil").is_visible()
        page.screenshot(path=str(shots / f"ticket-assigned-{size(page)}.png"), full_page=True)
        no_spill(page)
        page.get_by_role("button", name="Lepas").click()
        page.wait_for_url(f"{served.base_url}/dashboard/tickets/{second}")
        assert "Belum ada" in page.locator("#assignee").inner_text()

        page.goto(f"{served.base_url}/dashboard/audit")
        audit = page.locator("table.audit").inner_text()
        assert "Mengambil laporan" in audit and "Melepas laporan" in audit


def test_date_filters_are_typed_and_read_back_the_indonesian_way(
    netra: Netra, page: Any, shots: Path
) -> None:
    code = file_ticket(netra, "dates-1")
    who = make_officer(netra, "52.06")
    with serve(netra) as served:
        login(page, served.base_url, who)
        more = page.locator("details.more-filters")
        if not more.evaluate("d => d.open"):  # folded on a phone, the tickets first
            more.locator("summary").click()
        start = page.get_by_label("Diterima sejak")
        assert start.get_attribute("type") == "text"  # not the browser's mm/dd/yyyy
        assert page.locator("#date_from-read").inner_text() == "hh/bb/tttt"
        start.fill("01/01/2020")
        page.get_by_label("Diterima sampai").fill("31/12/2019")
        page.click("form.inbox-filters button[type=submit]")
        page.wait_for_url("**date_from=*")
        assert codes_shown(page) == []
        assert page.get_by_label("Diterima sejak").input_value() == "01/01/2020"
        assert page.locator("#date_from-read").inner_text() == "Rabu, 1 Januari 2020"
        assert page.locator("#date_to-read").inner_text() == "Selasa, 31 Desember 2019"
        page.screenshot(path=str(shots / f"inbox-dates-{size(page)}.png"), full_page=True)
        no_spill(page)
        assert_accessible(page, f"inbox date filters {size(page)}")

        page.get_by_label("Diterima sampai").fill("32/13/2020")
        page.click("form.inbox-filters button[type=submit]")
        page.wait_for_load_state()
        assert page.get_by_label("Diterima sampai").input_value() == "32/13/2020"
        assert "tidak terbaca" in page.locator("#date_to-read").inner_text()
        assert codes_shown(page) == [code]  # the unreadable bound is said, not applied

        page.goto(f"{served.base_url}/dashboard/audit?date_from=1/1/2020")
        assert page.get_by_label("Dari tanggal").input_value() == "01/01/2020"
        assert page.locator("#date_from-read").inner_text() == "Rabu, 1 Januari 2020"


def test_a_refused_reveal_or_reseal_keeps_what_was_typed_and_says_why(
    netra: Netra, page: Any, shots: Path
) -> None:
    give_office_key(netra)
    submit_with_identity(ScriptedReporter(netra, "reveal-refused"))
    with netra.session() as session:
        code = session.exec(select(Ticket.code)).one()
    reason = "Registrasi laporan resmi oleh divisi penanganan"
    with serve(netra) as served:
        login(page, served.base_url, make_officer(netra, OFFICE))
        ticket_url = f"{served.base_url}/dashboard/tickets/{code}"
        page.goto(ticket_url)
        page.select_option("#reveal-form select[name=reason_category]", "laporan_resmi")
        page.fill("#reveal-form textarea[name=reason]", reason)
        page.fill("#reveal-form input[name=passphrase]", "bukan kata sandinya")
        with page.expect_response(f"{ticket_url}/identity/reveal") as answer:
            page.click("#reveal-form button[type=submit]")
        assert answer.value.status == 422  # the page itself, not a redirect
        assert "Kata sandi salah" in page.inner_text("#reveal-error")
        assert page.input_value("#reveal-form textarea[name=reason]") == reason
        assert page.input_value("#reveal-form select[name=reason_category]") == "laporan_resmi"
        assert page.input_value("#reveal-form input[name=passphrase]") == ""  # never echoed
        assert "bukan kata sandinya" not in page.content() and NIK not in page.content()
        page.screenshot(path=str(shots / f"reveal-refused-{size(page)}.png"), full_page=True)
        no_spill(page)
        assert_accessible(page, f"refused reveal {size(page)}")

        page.fill("#reseal-form input[name=office_code]", "99.99")
        page.fill("#reseal-form input[name=passphrase]", PASSPHRASE)
        with page.expect_response(f"{ticket_url}/identity/reseal") as answer:
            page.click("#reseal-form button[type=submit]")
        assert answer.value.status == 422
        assert "Tidak dapat dilakukan" in page.inner_text("#reseal-error")
        assert page.input_value("#reseal-form input[name=office_code]") == "99.99"
        page.goto(f"{ticket_url}/identity/reseal")  # the form's address opened: the ticket
        page.wait_for_url(ticket_url)
