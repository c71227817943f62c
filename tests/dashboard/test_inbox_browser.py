"""The inbox as officers use it: keyboard (j/k/Enter), clocks in days and hours, and no
sideways scrolling on a phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fakes.axe import assert_accessible
from tests.fakes.dashboard import file_ticket, login, make_officer, serve

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 860)], ids=["phone", "desktop"])
def test_inbox_keyboard_clocks_and_phone_layout(netra, browser, tmp_path, viewport):
    codes = [file_ticket(netra, f"inbox-{i}") for i in range(3)]
    who = make_officer(netra, "52.06")
    shots = Path(os.environ.get("NETRA_SCREENSHOT_DIR") or tmp_path)
    width, height = viewport
    with serve(netra) as served:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        login(page, served.base_url, who)
        rows = page.locator("table.inbox tbody tr")
        assert rows.count() == 3
        assert "hari" in page.inner_text("table.inbox")  # "sisa 2 hari 23 jam", not "71 jam"
        page.screenshot(path=str(shots / f"dash-inbox-{width}x{height}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the inbox spills sideways"
        assert_accessible(page, f"inbox {width}x{height}")

        page.locator("body").press("j")
        page.keyboard.press("j")
        second = rows.nth(1)
        assert "selected" in (second.get_attribute("class") or "")
        page.keyboard.press("k")
        page.keyboard.press("j")
        target = second.get_attribute("data-code")
        assert target in codes
        page.keyboard.press("Enter")
        page.wait_for_url(f"{served.base_url}/dashboard/tickets/{target}")

        page.goto(f"{served.base_url}/dashboard/")
        page.keyboard.press("/")  # focuses the search
        assert page.evaluate("document.activeElement.name") == "q"
        page.keyboard.type(codes[0])
        page.keyboard.press("Enter")
        page.wait_for_url("**q=*")
        assert [r.get_attribute("data-code") for r in rows.all()] == [codes[0]]
        context.close()
