"""Every dashboard page on a phone (390x844) and a laptop (1366x860) in Chromium: nothing spills
sideways, axe-core finds no serious violation, and a screenshot of each is kept to look at
(``NETRA_SCREENSHOT_DIR``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.runtime import Netra, utcnow
from storage.models import Broadcast, Officer
from tests.fakes.axe import assert_accessible
from tests.fakes.dashboard import (
    csrf_from,
    file_ticket,
    http_login,
    login,
    make_officer,
    serve,
    size,
)
from tests.fakes.subscribers import WIB, add_subscribers

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5e2d2f60000000049454e44ae426082"
)


@pytest.fixture
def page(sized_page: Any) -> Any:
    return sized_page


def _fits_and_reads(page: Any, name: str, shots: Path) -> list[str]:
    """What is wrong with the page as shown (every page is checked before the test fails)."""
    page.screenshot(path=str(shots / f"every-{name}-{size(page)}.png"), full_page=True)
    problems = []
    spill = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if spill > 0:
        problems.append(f"{name} spills {spill}px sideways at {size(page)}")
    try:
        assert_accessible(page, f"{name} {size(page)}")
    except AssertionError as exc:
        problems.append(str(exc))
    return problems


def _broadcast(netra: Netra, base_url: str) -> int:
    """A composed reminder awaiting a second admin, made over HTTP as an admin would."""
    with netra.session() as session:
        add_subscribers(session, ["1", "2"], timezone=WIB)
        session.commit()
    author = http_login(base_url, make_officer(netra, "RI", role="admin"))
    form = author.get("/dashboard/admin/broadcasts")
    deadline = (utcnow() + timedelta(days=7)).astimezone(ZoneInfo(WIB)).strftime("%Y-%m-%dT%H:%M")
    made = author.post(
        "/dashboard/admin/broadcasts",
        data={
            "csrf_token": csrf_from(form.text),
            "template_key": "masa_tenang",
            "deadline": deadline,
            "channels": ["telegram"],
        },
    )
    assert made.status_code == 303
    with netra.session() as session:
        found = session.exec(select(Broadcast.id)).first()
    assert found is not None
    return found


def test_every_officer_page_fits_a_phone_and_reads_on_a_laptop(
    netra: Netra, page: Any, shots: Path
) -> None:
    code = file_ticket(netra, "every-1", photo=PNG)
    file_ticket(netra, "every-2")
    who = make_officer(netra, "52.06")
    pages = {
        "inbox": "/dashboard/",
        "inbox-search": "/dashboard/?q=kampanye&date_from=01%2F01%2F2020",
        "ticket": f"/dashboard/tickets/{code}",
        "audit": "/dashboard/audit",
        "office": "/dashboard/offices/52.06",
        "identities": "/dashboard/identities",
        "account": "/dashboard/account",
        "password": "/dashboard/account/password",
        "not-found": "/dashboard/tickets/XXX-XXX",
    }
    with serve(netra) as served:
        page.goto(f"{served.base_url}/dashboard/login")
        problems = _fits_and_reads(page, "login", shots)
        login(page, served.base_url, who)
        for name, path in pages.items():
            page.goto(f"{served.base_url}{path}")
            problems += _fits_and_reads(page, name, shots)
    assert not problems, "\n".join(problems)


def test_every_admin_page_fits_a_phone_and_reads_on_a_laptop(
    netra: Netra, page: Any, shots: Path
) -> None:
    file_ticket(netra, "every-admin")
    admin = make_officer(netra, "RI", role="admin")
    with serve(netra) as served:
        broadcast = _broadcast(netra, served.base_url)
        pages = {
            "admin-national": "/dashboard/admin/national",
            "admin-offices": "/dashboard/admin/offices",
            "admin-officers": "/dashboard/admin/officers",
            "admin-broadcasts": "/dashboard/admin/broadcasts",
            "admin-broadcast": f"/dashboard/admin/broadcasts/{broadcast}",
            "admin-calendar": "/dashboard/admin/calendar",
            "admin-templates": "/dashboard/admin/templates",
            "admin-legal-holds": "/dashboard/admin/legal-holds",
            "admin-inbox": "/dashboard/",
            "admin-audit": "/dashboard/audit",
        }
        login(page, served.base_url, admin)
        problems = []
        for name, path in pages.items():
            page.goto(f"{served.base_url}{path}")
            problems += _fits_and_reads(page, name, shots)
    assert not problems, "\n".join(problems)


def test_the_forced_password_change_fits_a_phone(netra: Netra, page: Any, shots: Path) -> None:
    who = make_officer(netra, "52.06")
    with netra.session() as session:
        officer = session.exec(select(Officer).where(Officer.username == who.username)).one()
        officer.must_change_password = True
        session.add(officer)
        session.commit()
    with serve(netra) as served:
        page.goto(f"{served.base_url}/dashboard/login")
        page.fill("input[name=username]", who.username)
        page.fill("input[name=password]", who.password)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard/account/password")
        problems = _fits_and_reads(page, "forced-password", shots)
    assert not problems, "\n".join(problems)
