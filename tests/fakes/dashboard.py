"""Shared fixtures for the Bawaslu side: the app served on loopback, officers, a real browser.

Use them from a test module with::

    from tests.fakes.dashboard import browser, dashboard, officer_factory, page  # noqa: F401

- ``dashboard``: the real app (``create_app``) served by uvicorn on 127.0.0.1 in a thread;
  ``.base_url``, ``.netra``, ``.app``. Pass transports with ``serve(netra, transports=...)``.
- ``officer_factory(office_code, role="officer")``: a real account (argon2 password) →
  ``OfficerLogin(username, password, office_code, id)``.
- ``browser`` / ``page``: Debian's headless Chromium through Playwright (skipped, saying why,
  only when /usr/bin/chromium is absent).
- ``login(page, base_url, who)`` logs a browser page in; ``http_login(base_url, who)`` gives a
  logged-in ``httpx.Client`` with the CSRF token at ``client.csrf``.
- ``file_ticket(netra, address, ...)`` files a report through the real engine (HAPPY_PATH).
"""

from __future__ import annotations

import io
import itertools
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.runtime import Netra, utcnow
from bot.transports import Transport
from handlers.types import Attachment
from storage.models import Ticket
from storage.officers import add_officer
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "kata-sandi-uji-123"
REGION_ANSWER = HAPPY_PATH.index("Kab. Bima")
EVIDENCE_ANSWER = HAPPY_PATH.index("https://example.org/rekaman")
_numbers = itertools.count(1)


@dataclass
class ServedApp:
    netra: Netra
    app: Any
    base_url: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(
    netra: Netra,
    transports: dict[str, Transport] | None = None,
    *,
    wrap: Callable[[Any], Any] | None = None,
) -> Iterator[ServedApp]:
    """The real app on a loopback port, in a background thread, stopped afterwards.

    ``wrap`` puts an ASGI wrapper around it (the dashboard benchmark times requests so).
    """
    import uvicorn

    from bot.app import create_app

    app = create_app(netra, run_jobs=False, transports=transports or {})
    port = _free_port()
    config = uvicorn.Config(
        wrap(app) if wrap else app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield ServedApp(netra=netra, app=app, base_url=f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def dashboard(netra: Netra) -> Iterator[ServedApp]:
    with serve(netra) as served:
        yield served


@dataclass(frozen=True)
class OfficerLogin:
    username: str
    password: str
    office_code: str
    id: int
    role: str = "officer"


def make_officer(
    netra: Netra, office_code: str, *, role: str = "officer", username: str | None = None
) -> OfficerLogin:
    name = username or f"{role}{next(_numbers)}.{office_code.replace('.', '')}".lower()
    with netra.session() as session:
        officer = add_officer(
            session,
            username=name,
            display_name=f"Petugas {office_code}",
            password=PASSWORD,
            office_code=office_code,
            role=role,
            now=utcnow(),
        )
        session.commit()
        assert officer.id is not None
        return OfficerLogin(name, PASSWORD, office_code, officer.id, role)


@pytest.fixture
def officer_factory(netra: Netra) -> Callable[..., OfficerLogin]:
    def make(office_code: str, role: str = "officer", username: str | None = None) -> OfficerLogin:
        return make_officer(netra, office_code, role=role, username=username)

    return make


def file_ticket(
    netra: Netra,
    address: str,
    *,
    region: str = "Kab. Bima",
    channel: str = "telegram",
    at: datetime | None = None,
    answers: tuple[str, ...] = HAPPY_PATH,
    photo: bytes | None = None,
) -> str:
    """File a report through the real engine, as a reporter on ``channel``; returns its code.

    ``photo`` (PNG bytes) is sent as a file right after the evidence link.
    """
    script = list(answers)
    script[REGION_ANSWER] = region
    reporter = ScriptedReporter(netra, address, channel=channel)
    for index, answer in enumerate(script):
        reporter.send(answer, at=at)
        if photo is not None and index == EVIDENCE_ANSWER:
            attachment = Attachment("photo", "image/png", photo, "foto-kampanye.png")
            reporter.send(attachments=(attachment,), at=at)
    with netra.session() as session:
        ticket = session.exec(select(Ticket).order_by(Ticket.id.desc())).first()  # type: ignore[union-attr]
        assert ticket is not None, "the scripted report did not produce a ticket"
        return ticket.code


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    """A small real PNG, as evidence."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


# --- HTTP and browser logins ---------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


class DashboardClient(httpx.Client):
    csrf: str = ""


def http_login(base_url: str, who: OfficerLogin) -> DashboardClient:
    client = DashboardClient(base_url=base_url, follow_redirects=False, timeout=30)
    token = csrf_from(client.get("/dashboard/login").text)
    response = client.post(
        "/dashboard/login",
        data={"username": who.username, "password": who.password, "csrf_token": token},
    )
    assert response.status_code == 303, f"login failed: {response.status_code}"
    # The inbox, or the forced password change after a one-time password.
    client.csrf = csrf_from(client.get(response.headers["location"]).text)
    return client


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module: Playwright's sync API keeps an event loop running in the
    main thread while it is open, which would break every later test that calls asyncio.run."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium, or `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(params=[(390, 844), (1366, 860)], ids=["phone", "desktop"])
def sized_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A Chromium tab at a phone's size and at a laptop's: each test runs at both."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    made = context.new_page()
    yield made
    context.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: NETRA_SCREENSHOT_DIR to look at them, else the test's tmp dir."""
    where = Path(os.environ.get("NETRA_SCREENSHOT_DIR") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def size(page: Any) -> str:
    return f"{page.viewport_size['width']}x{page.viewport_size['height']}"


def login(page: Any, base_url: str, who: OfficerLogin) -> None:
    page.goto(f"{base_url}/dashboard/login")
    page.fill("input[name=username]", who.username)
    page.fill("input[name=password]", who.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/dashboard/")
