"""The web chat as a frightened first-time reporter uses it, in Chromium on a phone and a laptop.

Opening the page must never act for the reporter, the conversation must survive a reload, the
question must be readable above its buttons, and the receipt must be easy to keep.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from bot.runtime import Netra, utcnow
from handlers.followup import relay_question
from storage import outbox
from storage.db import run_in_transaction
from storage.models import Reporter, Ticket, TicketEvent, WebChatLine
from tests.fakes.axe import assert_accessible
from tests.fakes.dashboard import png, serve
from tests.fakes.reporter import HAPPY_PATH

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 860}
QUESTION = "Jam berapa acara itu dimulai, dan siapa saja yang hadir?"


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return dict(request.param)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Screenshots go to NETRA_SCREENSHOT_DIR when set (to look at them), else a temp dir."""
    where = Path(os.environ.get("NETRA_SCREENSHOT_DIR") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
def context(browser: Any, viewport: dict[str, int]) -> Iterator[Any]:
    made = browser.new_context(viewport=viewport)
    made.grant_permissions(["clipboard-read", "clipboard-write"])
    yield made
    made.close()


def size(viewport: dict[str, int]) -> str:
    return f"{viewport['width']}x{viewport['height']}"


def bot_says(page: Any, fragment: str, timeout: float = 15_000) -> Any:
    found = page.locator(".msg.bot", has_text=fragment).last
    found.wait_for(timeout=timeout)
    return found


def tap(page: Any, label: str) -> None:
    page.locator("#choices button", has_text=label).first.click()


def type_(page: Any, text: str) -> None:
    page.fill("#text", text)
    page.click("#send")


def on_screen(page: Any, selector: Any) -> bool:
    """Whether the element's first lines are visible: in the window, not under the answer
    buttons or the header (for a bubble: inside the visible part of the conversation)."""
    box = selector.bounding_box()
    in_log = selector.evaluate("e => e.closest('#log') !== null")
    area = page.locator("#log").bounding_box() if in_log else None
    top = area["y"] if area else 0
    bottom = area["y"] + area["height"] if area else page.viewport_size["height"]
    return box is not None and box["y"] >= top - 1 and box["y"] + min(box["height"], 40) <= bottom


def count(netra: Netra, model: type) -> int:
    with netra.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def reporter_id(netra: Netra) -> int:
    with netra.session() as session:
        found = session.exec(select(Reporter)).one()
        assert found.id is not None
        return found.id


def test_a_report_in_the_browser_keeps_its_history_buttons_and_receipt(
    netra: Netra, context: Any, viewport: dict[str, int], shots: Path
) -> None:
    with serve(netra) as served:
        page = context.new_page()
        page.goto(served.base_url + "/")
        bot_says(page, "Selamat datang di Netra")
        assert "identitas akun" not in page.inner_text("#log")  # the web has no account
        assert count(netra, Reporter) == 0  # opening the page stores nothing
        page.wait_for_timeout(300)
        assert on_screen(page, bot_says(page, "Lanjutkan membuat laporan"))
        assert on_screen(page, page.locator("#choices button").first)
        assert_accessible(page, f"chat welcome {size(viewport)}")
        page.screenshot(path=str(shots / f"chat-welcome-{size(viewport)}.png"))

        tap(page, "Setuju, lanjut")
        question = bot_says(page, "Pelanggaran apa")
        first_choice = page.locator("#choices button").first
        page.wait_for_timeout(300)  # the scroll after the buttons are laid out
        assert first_choice.inner_text().startswith("1")  # numbered as the text promises
        assert on_screen(page, question), "the question is hidden behind its buttons"
        assert on_screen(page, first_choice)
        page.screenshot(path=str(shots / f"chat-menu-{size(viewport)}.png"))

        tap(page, "Menghadiri deklarasi atau kampanye")
        bot_says(page, "Siapa terlapor")
        type_(page, "Camat Sape, Pemerintah Kabupaten Bima")
        tap(page, "Kabupaten/kota")
        bot_says(page, "Nama terlapor")
        tap(page, "Lewati")
        bot_says(page, "kabupaten/kota mana")
        type_(page, "Kab. Bima")
        bot_says(page, "Kapan kejadiannya")
        type_(page, "kemarin")
        tap(page, "Hari yang sama")
        bot_says(page, "Ceritakan apa yang terjadi")
        type_(page, "Camat hadir di kampanye pasangan calon nomor 2 dan mengajak warga.")
        bot_says(page, "Kirim bukti")
        attach = page.locator("#attach")
        assert attach.is_visible() and "Lampirkan" in attach.inner_text()

        page.set_input_files(
            "#file",
            files=[{"name": "spanduk.png", "mimeType": "image/png", "buffer": png((120, 80))}],
        )
        bot_says(page, "Bukti diterima (1)")
        assert page.locator(".msg.me img.thumb").count() == 1  # the upload shows a thumbnail
        big = b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)
        page.set_input_files(
            "#file", files=[{"name": "besar.pdf", "mimeType": "application/pdf", "buffer": big}]
        )
        bot_says(page, "terlalu besar")
        assert attach.is_visible(), "a refused file took the evidence controls away"
        assert page.locator("#choices button", has_text="Selesai").is_visible()

        page.reload()  # the conversation is still there, with the step's controls
        bot_says(page, "Bukti diterima (1)")
        assert page.locator(".msg.bot", has_text="Selamat datang di Netra").count() == 1
        assert page.locator("#attach").is_visible()
        assert page.locator("#choices button", has_text="Selesai").is_visible()

        # A status notice pushed by Bawaslu arrives within seconds and leaves the buttons.
        rid = reporter_id(netra)

        def notify(session: Any) -> None:
            reporter = session.get(Reporter, rid)
            payload = {
                "text": "Pemberitahuan uji: status tiket berubah.",
                "choices": [],
                "accepts_media": False,
            }
            outbox.enqueue(
                session,
                transport="local",
                address=reporter.address,
                payload=payload,
                now=utcnow(),
                reporter_id=rid,
            )

        run_in_transaction(netra.db, notify)
        bot_says(page, "Pemberitahuan uji", timeout=6_000)
        assert page.locator("#choices button", has_text="Selesai").is_visible()
        assert page.locator("#attach").is_visible()

        tap(page, "Selesai")
        bot_says(page, "Ada saksi")
        tap(page, "Lewati")
        tap(page, "Lewati semua")  # the optional facts (race, status, place…) in one tap
        bot_says(page, "Periksa laporan Anda")
        tap(page, "Kirim laporan")
        receipt = page.locator(".receipt")
        receipt.wait_for()
        code = receipt.locator(".code-value").nth(0).inner_text()
        secret = receipt.locator(".code-value").nth(1).inner_text()
        with netra.session() as session:
            assert session.exec(select(Ticket)).one().code == code
        for value in receipt.locator(".code-value").all():  # a code never breaks across lines
            assert value.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
            box = value.bounding_box()
            assert box is not None and box["height"] < 36
        receipt.get_by_role("button", name="Salin kode rahasia").click()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        receipt.get_by_role("button", name="Salin kode laporan").click()
        assert page.evaluate("navigator.clipboard.readText()") == code
        assert_accessible(page, f"chat receipt {size(viewport)}")
        page.screenshot(path=str(shots / f"chat-receipt-{size(viewport)}.png"))

        page.reload()
        page.locator(".receipt").wait_for()  # kept until the reporter dismisses it
        type_(page, f"/status {code} {secret}")
        answer = bot_says(page, f"Laporan {code} (")
        page.wait_for_timeout(1500)
        assert answer.is_visible()  # the answer stays on screen
        assert page.locator(".msg.bot", has_text="Selamat datang di Netra").count() == 1

        page.get_by_role("button", name="Sudah saya simpan").click()
        page.wait_for_timeout(300)
        page.reload()
        bot_says(page, f"Laporan {code} (")
        assert page.locator(".receipt").count() == 0
        assert secret not in page.inner_text("body")
        assert code in page.inner_text("#log")

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Selesai & hapus").click()
        bot_says(page, "sudah dihapus dari perangkat ini")
        assert not [c for c in context.cookies() if c["name"] == "netra_chat"]
        assert count(netra, WebChatLine) == 0
        page.reload()
        bot_says(page, "Selamat datang di Netra")
        assert code not in page.inner_text("#log")


def test_a_question_from_bawaslu_waits_for_the_reporter_who_reopens_the_chat(
    netra: Netra, context: Any, viewport: dict[str, int], shots: Path
) -> None:
    with serve(netra) as served:
        for text in HAPPY_PATH:  # filed from this browser (its cookie), without the page
            answer = context.request.post(
                served.base_url + "/chat/api/message", data={"text": text}
            )
            assert answer.ok
        with netra.session() as session:
            ticket = session.exec(select(Ticket)).one()

        def ask(session: Any) -> None:
            fresh = session.get(Ticket, ticket.id)
            relay_question(session, ticket=fresh, officer_id=None, text=QUESTION, now=utcnow())

        run_in_transaction(netra.db, ask)  # asked while the chat is closed

        page = context.new_page()
        page.goto(served.base_url + "/")
        question = bot_says(page, QUESTION)
        page.wait_for_timeout(300)
        assert on_screen(page, question)
        assert page.locator("#choices button").first.is_visible()
        assert page.locator(".msg.bot").last.inner_text() == question.inner_text()
        page.screenshot(path=str(shots / f"chat-question-{size(viewport)}.png"))
        page.wait_for_timeout(1500)
        page.reload()  # opening again still answers nothing for the reporter
        bot_says(page, QUESTION)
        with netra.session() as session:
            kinds = [e.kind for e in session.exec(select(TicketEvent)).all()]
        assert "answer_declined" not in kinds and "answer" not in kinds

        type_(page, "Mulai jam 9 pagi, dihadiri sekitar 40 ASN kecamatan.")
        bot_says(page, "")
        page.wait_for_timeout(1000)
        with netra.session() as session:
            events = session.exec(select(TicketEvent)).all()
        kinds = [e.kind for e in events]
        assert "answer" in kinds and "answer_declined" not in kinds
        assert_accessible(page, f"chat question {size(viewport)}")


def test_privacy_page_reads_well(
    netra: Netra, context: Any, viewport: dict[str, int], shots: Path
) -> None:
    with serve(netra) as served:
        page = context.new_page()
        page.goto(served.base_url + "/")
        page.get_by_role("link", name="Privasi").click()
        page.get_by_role("heading", name="Privasi di kanal web").wait_for()
        assert "72 jam" in page.inner_text("main")
        assert_accessible(page, f"privacy {size(viewport)}")
        page.screenshot(path=str(shots / f"privacy-{size(viewport)}.png"), full_page=True)
