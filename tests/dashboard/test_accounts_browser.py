"""Officer accounts done right: one-time passwords, sessions that really end, login answers
that tell nothing, and a second factor set up with a QR code — in Chromium at two sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from sqlmodel import select

from bot.runtime import Netra, utcnow
from storage.models import Officer
from storage.officers import add_officer, enable_totp, new_totp_secret
from tests.fakes.axe import assert_accessible
from tests.fakes.dashboard import PASSWORD, csrf_from, login, make_officer, serve, size

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

BIMA = "52.06"
NEW_PASSWORD = "sandi-pilihan-sendiri-9"


@pytest.fixture
def page(sized_page: Any) -> Any:
    """Each test at a phone's size (390x844) and a laptop's (1366x860)."""
    return sized_page


def one_time_officer(netra: Netra, username: str) -> None:
    with netra.session() as session:
        add_officer(
            session,
            username=username,
            display_name="Petugas Baru",
            password=PASSWORD,
            office_code=BIMA,
            now=utcnow(),
            one_time=True,
        )
        session.commit()


def test_a_one_time_password_must_be_changed_at_first_login(
    netra: Netra, page: Any, shots: Path
) -> None:
    one_time_officer(netra, "baru.bima")
    with serve(netra) as served:
        page.goto(f"{served.base_url}/dashboard/login")
        page.fill("input[name=username]", "baru.bima")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{served.base_url}/dashboard/account/password")
        page.goto(f"{served.base_url}/dashboard/")  # no way round it
        page.wait_for_url(f"{served.base_url}/dashboard/account/password")
        assert page.get_by_text("sekali pakai").is_visible()
        assert_accessible(page, f"password change {size(page)}")
        page.screenshot(path=str(shots / f"dash-password-{size(page)}.png"), full_page=True)

        page.fill("input[name=current]", PASSWORD)
        page.fill("input[name=new]", NEW_PASSWORD)
        page.fill("input[name=repeat]", NEW_PASSWORD + "x")
        page.click("form.stack button[type=submit]")
        page.get_by_text("Kedua kata sandi baru tidak sama").wait_for()

        page.fill("input[name=current]", PASSWORD)
        page.fill("input[name=new]", NEW_PASSWORD)
        page.fill("input[name=repeat]", NEW_PASSWORD)
        page.click("form.stack button[type=submit]")
        page.wait_for_url(f"{served.base_url}/dashboard/")
    with netra.session() as session:
        officer = session.exec(select(Officer).where(Officer.username == "baru.bima")).one()
        assert not officer.must_change_password


def test_a_copied_session_cookie_is_dead_after_logout(netra: Netra, page: Any) -> None:
    who = make_officer(netra, BIMA)
    with serve(netra) as served:
        login(page, served.base_url, who)
        copied = {c["name"]: c["value"] for c in page.context.cookies()}
        thief = httpx.Client(base_url=served.base_url, cookies=copied, follow_redirects=False)
        assert thief.get("/dashboard/").status_code == 200
        page.get_by_role("button", name="Keluar").click()
        page.wait_for_url(f"{served.base_url}/dashboard/login")
        answer = thief.get("/dashboard/")
        assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/login"
        thief.close()


def test_totp_is_set_up_with_a_qr_code_and_turned_off_only_with_password_and_code(
    netra: Netra, page: Any, shots: Path
) -> None:
    who = make_officer(netra, BIMA)
    with serve(netra) as served:
        login(page, served.base_url, who)
        page.goto(f"{served.base_url}/dashboard/account")
        assert page.locator(".qr svg").is_visible()
        assert_accessible(page, f"account {size(page)}")
        page.screenshot(path=str(shots / f"dash-account-{size(page)}.png"), full_page=True)
        secret = page.locator("#totp-secret").inner_text()
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
        page.locator("form[action='/dashboard/account/totp'] button").click()
        page.get_by_text("Autentikator aktif").wait_for()
        page.fill("form[action='/dashboard/account/totp/off'] input[name=password]", "salah-sekali")
        page.fill("form[action='/dashboard/account/totp/off'] input[name=code]", "123456")
        page.locator("form[action='/dashboard/account/totp/off'] button").click()
        page.get_by_text("autentikator tetap aktif").wait_for()
    with netra.session() as session:
        assert session.get(Officer, who.id).totp_secret is not None  # type: ignore[union-attr]


def _failed_login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    token = csrf_from(client.get("/dashboard/login").text)
    return client.post(
        "/dashboard/login",
        data={"username": username, "password": password, "csrf_token": token},
    )


def test_unknown_user_and_wrong_password_get_the_same_answer(netra: Netra) -> None:
    who = make_officer(netra, BIMA)
    with netra.session() as session:  # even an account with a second factor says nothing more
        officer = session.get(Officer, who.id)
        assert officer is not None
        secret = new_totp_secret()
        assert enable_totp(session, officer, secret, pyotp.TOTP(secret).now(), now=utcnow())
        session.commit()
    with serve(netra) as served, httpx.Client(base_url=served.base_url) as client:
        unknown = _failed_login(client, "tidak.ada", "salah-sekali-lagi")
        wrong = _failed_login(client, who.username, "salah-sekali-lagi")
    assert unknown.status_code == wrong.status_code == 401

    def error(response: httpx.Response) -> str:
        return response.text.split('class="flash err"')[1].split("</p>")[0]

    assert error(unknown) == error(wrong)


def test_many_failed_logins_from_one_address_are_throttled(netra: Netra) -> None:
    netra.settings.login_address_max_failures = 3
    who = make_officer(netra, BIMA)
    with serve(netra) as served, httpx.Client(base_url=served.base_url) as client:
        codes = [
            _failed_login(client, f"tebak{i}", "salah-sekali-lagi").status_code for i in range(3)
        ]
        right = _failed_login(client, who.username, who.password)
    assert codes == [401, 401, 401]
    assert right.status_code == 429  # even the right password waits: the address is throttled
