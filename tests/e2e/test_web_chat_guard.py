"""The public web chat's guard rails: flood limits per client address, cookies and headers."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from bot.app import create_app
from bot.config import Settings
from bot.runtime import build
from storage.models import Reporter
from tests.fakes.served_app import ServedApp

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def reporters(netra) -> int:
    with netra.session() as session:
        return int(session.exec(select(func.count()).select_from(Reporter)).one())


def served_with(settings: Settings, fast_receipts, **changes) -> tuple[object, ServedApp]:
    netra = build(settings.model_copy(update=changes), receipts=fast_receipts)
    netra.prepare_database()
    return netra, ServedApp(create_app(netra, run_jobs=False, transports={}))


def first_message(served: ServedApp, forwarded: str | None = None) -> int:
    """A cookieless message, as a script flooding the chat sends it."""
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    served.client.cookies.clear()
    response = served.post("/chat/api/message", json={"text": "/mulai"}, headers=headers)
    return response.status_code


def test_a_flood_of_new_chats_from_one_address_is_refused(settings, keys, fast_receipts):
    netra, app = served_with(settings, fast_receipts, web_new_chats_per_hour=3)
    with app as served:
        codes = [first_message(served) for _ in range(6)]
    assert codes == [200, 200, 200, 429, 429, 429]
    assert reporters(netra) == 3


def test_behind_a_proxy_each_client_has_its_own_budget_under_a_global_cap(
    settings, keys, fast_receipts
):
    netra, app = served_with(
        settings,
        fast_receipts,
        web_proxy_header="X-Forwarded-For",
        web_new_chats_per_hour=2,
        web_new_chats_total_per_hour=5,
    )
    with app as served:
        a = [first_message(served, "198.51.100.7, 10.0.0.1") for _ in range(3)]
        b = [first_message(served, "10.9.9.9, 203.0.113.9") for _ in range(3)]
        c = [first_message(served, "192.0.2.44") for _ in range(2)]
    assert a == [200, 200, 429] and b == [200, 200, 429]  # the proxy's last hop counts
    assert c == [200, 429]  # five new chats in all: the global cap
    assert reporters(netra) == 5


def test_messages_are_limited_per_address(settings, keys, fast_receipts):
    netra, app = served_with(settings, fast_receipts, web_messages_per_minute=4)
    with app as served:
        codes = [
            served.post("/chat/api/message", json={"text": "/bantuan"}).status_code
            for _ in range(6)
        ]
    assert codes == [200, 200, 200, 200, 429, 429]


def test_pages_carry_security_headers_and_https_adds_hsts_and_secure_cookie(
    settings, keys, fast_receipts
):
    _, app = served_with(settings, fast_receipts, public_base_url="https://lapor.example.id")
    with app as served:
        page = served.client.get("/")
        answer = served.post("/chat/api/message", json={"text": "/mulai"})
        privacy = served.client.get("/privasi")
    for response in (page, answer, privacy):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["strict-transport-security"].startswith("max-age=")
    cookie = answer.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_plain_http_has_no_hsts(settings, keys, fast_receipts):
    _, app = served_with(settings, fast_receipts)
    with app as served:
        page = served.client.get("/")
        icon = served.client.get("/favicon.ico")
    assert "strict-transport-security" not in page.headers
    assert "Bawaslu" in page.text and "Local channel" not in page.text  # no developer text
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
