"""The office page in Chromium, on a phone and a laptop, with axe-core: an admin sets the
office's addresses and makes a link code, the office's group links, the history shows what
went out and what failed, today's preview reads without scrolling sideways, the officer
re-sends and unlinks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from bot.digests import claim_and_enqueue
from bot.runtime import Netra, utcnow
from storage import outbox
from storage.models import Office, OutboxMessage
from storage.office_links import redeem
from tests.digest.conftest import config_of, make_ticket
from tests.fakes.axe import assert_accessible
from tests.fakes.dashboard import login, make_officer, serve, size

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

JAYAPURA = "91.71"


@pytest.fixture
def page(sized_page: Any) -> Any:
    """Each test at a phone's size (390x844) and a laptop's (1366x860)."""
    return sized_page


def _fits(page: Any, what: str) -> None:
    """Nothing on the page makes a phone scroll sideways."""
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"] + 1, f"{what} scrolls sideways: {wide}px"


def _busy_office(netra: Netra) -> None:
    """Tickets in every state, so today's preview has long lines to wrap."""
    now = utcnow()
    with netra.session() as session:
        for hours in (5, 30, 80, 200, 300):
            make_ticket(session, office=JAYAPURA, created_at=now - timedelta(hours=hours))
        session.commit()


def _sent_yesterday(netra: Netra) -> None:
    """Yesterday's digest: the Telegram message delivered, the e-mail refused for good."""
    now = utcnow()
    with netra.session() as session:
        office = session.get(Office, JAYAPURA)
        assert office is not None
        yesterday = now.astimezone(ZoneInfo(office.timezone)).date() - timedelta(days=1)
        runs = claim_and_enqueue(
            session, office, yesterday, "pagi", now=now - timedelta(days=1), config=config_of(netra)
        )
        session.flush()
        for run in runs:
            message = session.get(OutboxMessage, run.outbox_id)
            assert message is not None
            if run.channel == "telegram":
                outbox.mark_sent(session, message, now - timedelta(hours=20))
            else:
                outbox.mark_failed(session, message, "550 mailbox unavailable")
        session.commit()


def test_an_office_page_links_shows_history_previews_resends_and_unlinks(
    netra: Netra, page: Any, shots: Path
) -> None:
    _busy_office(netra)
    admin = make_officer(netra, "RI", role="admin")
    officer = make_officer(netra, JAYAPURA)
    with serve(netra) as served:
        base = served.base_url
        login(page, base, admin)
        page.goto(f"{base}/dashboard/offices/{JAYAPURA}")
        assert page.get_by_text("Kantor ini belum punya saluran").is_visible()
        preview = page.locator("#digest-preview")
        assert "Ringkasan harian Netra — Bawaslu Kota Jayapura" in preview.inner_text()
        _fits(page, "an unreachable office")
        assert_accessible(page, f"office page unreachable {size(page)}")

        page.get_by_label("E-mail").fill("pp@jayapura.test; ketua@jayapura.test")
        page.get_by_role("button", name="Simpan").click()
        expect(page.locator("#channels")).to_contain_text("pp@jayapura.test, ketua@jayapura.test")
        page.get_by_role("button", name="Buat kode penghubung").click()
        code = page.locator("#link-code").inner_text()
        assert code.startswith("/hubungkan ")
        _fits(page, "the link code")
        assert_accessible(page, f"office page link code {size(page)}")

        # The office's group sends the code to the bot (what /hubungkan does).
        with netra.session() as session:
            linked = redeem(session, code.split()[1], "-100777", now=utcnow())
            assert linked is not None
            session.commit()
        _sent_yesterday(netra)

        page.context.clear_cookies()  # the admin leaves; the office's officer comes
        login(page, base, officer)
        page.goto(f"{base}/dashboard/offices/{JAYAPURA}")
        channels = page.locator("#channels").inner_text()
        assert "terhubung" in channels and "belum terhubung" not in channels.split("E-mail")[0]
        history = page.locator("#history")
        assert history.locator("tr.digest-run").count() == 2
        text = history.inner_text()
        assert "Terkirim" in text and "Gagal" in text and "550 mailbox unavailable" in text
        assert " WIT" in text  # the office's own clock, not UTC
        _fits(page, "the history")
        assert_accessible(page, f"office page history {size(page)}")
        page.screenshot(path=str(shots / f"dash-office-{size(page)}.png"), full_page=True)

        page.get_by_role("button", name="Kirim ulang ringkasan hari ini").click()
        runs = page.locator("#history tr.digest-run")
        expect(runs).to_have_count(4)  # today's, by Telegram and e-mail, newest first
        assert "Menunggu dikirim" in runs.first.inner_text()
        page.get_by_role("button", name="Kirim ulang ringkasan hari ini").click()
        expect(runs).to_have_count(6)
        assert "kirim ulang 1" in runs.first.inner_text()

        page.get_by_role("button", name="Putuskan").click()
        expect(page.locator("#channels")).to_contain_text("belum terhubung")
        with netra.session() as session:
            office = session.get(Office, JAYAPURA)
            assert office is not None and office.telegram_chat_id is None
            assert session.exec(select(OutboxMessage)).all()
        _fits(page, "the unlinked office")
        assert_accessible(page, f"office page unlinked {size(page)}")
        page.screenshot(path=str(shots / f"dash-office-unlinked-{size(page)}.png"), full_page=True)

        # The preview's link opens the inbox on the digest's tickets, and says so.
        text = preview.inner_text()
        listed = {line[2:].split(" · ")[0] for line in text.splitlines() if line.startswith("• ")}
        page.goto(f"{base}/dashboard/{text.rsplit('/dashboard/', 1)[1]}")
        expect(page.locator("#digest-filter")).to_contain_text("ringkasan harian")
        rows = page.locator("table.inbox tbody tr")
        assert {rows.nth(i).get_attribute("data-code") for i in range(rows.count())} == listed
        _fits(page, "the inbox of a digest")
        assert_accessible(page, f"inbox of a digest {size(page)}")
        page.screenshot(path=str(shots / f"dash-digest-inbox-{size(page)}.png"), full_page=True)
