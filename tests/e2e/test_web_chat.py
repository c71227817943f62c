"""The local web chat, over real HTTP and in a real browser: what a first-time user does."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.app import create_app
from storage.models import Evidence, Ticket
from tests.fakes.images import has_metadata, jpeg_with_gps
from tests.fakes.reporter import HAPPY_PATH
from tests.fakes.served_app import ServedApp


def say(served: ServedApp, text: str, message_id: str | None = None) -> dict:
    body = {"text": text} | ({"message_id": message_id} if message_id else {})
    response = served.post("/chat/api/message", json=body)
    assert response.status_code == 200
    return response.json()


def texts(answer: dict) -> str:
    return "\n".join(r["text"] for r in answer["replies"])


def test_web_chat_files_a_report_with_a_photo_and_strips_its_metadata(netra):
    with ServedApp(create_app(netra, run_jobs=False, transports={})) as served:
        page = served.client.get("/")
        assert page.status_code == 200 and "set-cookie" not in page.headers  # nothing yet
        first = served.post("/chat/api/message", json={"text": HAPPY_PATH[0]})
        cookie = first.headers["set-cookie"].lower()
        assert "netra_chat" in cookie and "httponly" in cookie and "max-age=259200" in cookie
        assert "secure" not in cookie  # PUBLIC_BASE_URL is not https here
        for answer in HAPPY_PATH[1:10]:
            say(served, answer)
        upload = served.client.post(
            "/chat/api/upload",
            files={"file": ("bukti.jpg", jpeg_with_gps(), "image/jpeg")},
            data={"message_id": "upload-1"},
        )
        assert "Bukti diterima (1)" in texts(upload.json())
        for answer in HAPPY_PATH[11:]:
            final = say(served, answer)
    assert "Kode laporan" in texts(final)
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        photo = session.exec(select(Evidence).where(Evidence.kind == "photo")).one()
        assert photo.ticket_id == ticket.id and photo.content_type == "image/jpeg"
        assert not has_metadata(photo.data)


def test_retried_message_is_filed_once(netra):
    with ServedApp(create_app(netra, run_jobs=False, transports={})) as served:
        served.client.get("/")
        for answer in HAPPY_PATH[:10]:
            say(served, answer)
        first = say(served, "https://bukti.example/1", message_id="same-id")
        again = say(served, "https://bukti.example/1", message_id="same-id")
    assert "(1)" in texts(first)
    assert again["duplicate"] is True and again["replies"] == []
    with netra.session() as session:
        assert len(session.exec(select(Evidence)).all()) == 1


def test_oversized_upload_is_refused_politely(netra):
    with ServedApp(create_app(netra, run_jobs=False, transports={})) as served:
        served.client.get("/")
        for answer in HAPPY_PATH[:10]:
            say(served, answer)
        big = b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024)
        answer = served.client.post(
            "/chat/api/upload", files={"file": ("besar.pdf", big, "application/pdf")}
        )
    assert "terlalu besar" in texts(answer.json())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_new_user_files_a_report_in_the_browser_and_checks_status(netra, browser):
    with ServedApp(create_app(netra, run_jobs=False, transports={})) as served:
        context = browser.new_context(viewport={"width": 360, "height": 740})  # a small phone
        page = context.new_page()
        page.goto(served.base_url + "/")
        page.get_by_text("Selamat datang di Netra").wait_for()

        def bot_says(fragment: str) -> None:
            page.locator(".msg.bot", has_text=fragment).last.wait_for(timeout=15_000)

        def tap(label: str) -> None:
            page.locator("#choices button", has_text=label).first.click()

        def type_(text: str) -> None:
            page.fill("#text", text)
            page.click("#send")

        tap("Setuju, lanjut")
        bot_says("Pelanggaran apa")
        tap("Menghadiri deklarasi atau kampanye")
        bot_says("Siapa terlapor")
        type_("Kepala Dinas Pendidikan Kota Bekasi")
        bot_says("tingkat mana")
        tap("Kabupaten/kota")
        bot_says("Nama terlapor")
        tap("Lewati")
        bot_says("kabupaten/kota mana")
        type_("bekasi")
        bot_says("lebih dari satu daerah")
        tap("Kota Bekasi")
        bot_says("Kapan kejadiannya")
        type_("kemarin")
        tap("Hari yang sama")
        bot_says("Ceritakan apa yang terjadi")
        type_("Kepala dinas hadir di deklarasi pasangan calon dan memakai kaos calon.")
        bot_says("Kirim bukti")
        tap("Selesai")
        bot_says("Ada saksi")
        tap("Lewati")
        bot_says("terkait pemilihan apa")
        tap("Lewati semua")
        bot_says("Periksa laporan Anda")
        assert page.locator(".msg.bot", has_text="Bawaslu Kota Bekasi").count() >= 1
        tap("Kirim laporan")
        bot_says("Kode rahasia")
        code = page.locator(".receipt .code-value").nth(0).inner_text()
        secret = page.locator(".receipt .code-value").nth(1).inner_text()
        type_(f"/status {code} {secret}")
        bot_says(f"Laporan {code} (")
        assert "menunggu kajian" in page.locator(".msg.bot").last.inner_text()
        page.screenshot(path=str(netra.settings.data_dir.parent / "web-chat.png"), full_page=True)
        context.close()
