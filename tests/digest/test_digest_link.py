"""The digest's link opens the dashboard inbox on exactly the tickets the digest lists: every
section of an office's digest, a province's escalations, and one section alone (both databases,
through the real app on loopback)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from sqlmodel import Session

from bot.digests import digest_for
from bot.runtime import Netra
from handlers.casework import escalate_overdue
from handlers.digest_text import email_text, telegram_text
from storage.digest import Digest
from storage.models import Office
from tests.digest.conftest import add_followup, at, config_of, make_ticket
from tests.fakes.dashboard import DashboardClient, OfficerLogin, ServedApp, http_login

JAKARTA, BANDUNG = "31.71", "32.73"
DAY = date(2024, 10, 10)
SEVEN_WIB = at("2024-10-10T00:00:00")
_LINK = re.compile(r"https?://\S+/dashboard/\?\S+")
_ROW = re.compile(r'<tr class="[^"]*" data-code="([^"]+)"')
_NEXT = re.compile(r'<a rel="next" href="\?([^"]+)"')


def _listed(digest: Digest) -> set[str]:
    """Every ticket code the digest's sections list (the lists here are below the cut)."""
    sections = (
        digest.overdue,
        digest.due_soon,
        digest.answered,
        digest.window_closing,
        digest.new,
        digest.stale_tips,
        digest.open_questions,
        digest.escalated,
    )
    assert all(s.total == len(s.lines) for s in sections), "a list was cut"
    return {line.code for s in sections for line in s.lines}


def _inbox(client: DashboardClient, link: str) -> set[str]:
    """The codes the inbox shows for ``link``, following its pages to the end."""
    path = link[link.index("/dashboard/") :]
    page = client.get(path)
    assert page.status_code == 200
    codes = _ROW.findall(page.text)
    while (more := _NEXT.search(page.text)) is not None:
        page = client.get("/dashboard/?" + more.group(1).replace("&amp;", "&"))
        codes += _ROW.findall(page.text)
    assert len(codes) == len(set(codes)), "a ticket shown twice"
    return set(codes)


def _link(text: str) -> str:
    found = _LINK.findall(text)
    assert len(found) == 1, found
    return found[0]


def _questioned(session: Session, received: float, asked: float, answered: float) -> str:
    """A ticket in perlu_info (hours before 07.00 WIB): asked, and answered (after 07.00 when
    ``answered`` is negative: then the question is still open at the digest)."""
    ticket = make_ticket(
        session,
        office=JAKARTA,
        created_at=SEVEN_WIB - timedelta(hours=received),
        status="perlu_info",
        info_requested_at=SEVEN_WIB - timedelta(hours=asked),
    )
    add_followup(
        session, ticket, SEVEN_WIB - timedelta(hours=asked), SEVEN_WIB - timedelta(hours=answered)
    )
    return ticket.code


def _office_day(session: Session) -> dict[str, str]:
    """One ticket per section of Jakarta's digest, and tickets it must not list."""
    seven = SEVEN_WIB
    return {
        "overdue": make_ticket(session, office=JAKARTA, created_at=seven - timedelta(days=10)).code,
        "due_soon": make_ticket(
            session, office=JAKARTA, created_at=seven - timedelta(days=3, hours=-3), status="dikaji"
        ).code,
        "answered": _questioned(session, received=30, asked=20, answered=2),
        "asked": _questioned(session, received=40, asked=30, answered=-72),
        "window_closing": make_ticket(
            session,
            office=JAKARTA,
            created_at=seven - timedelta(hours=36),
            learned=DAY - timedelta(days=6),
        ).code,
        "new": make_ticket(session, office=JAKARTA, created_at=seven - timedelta(hours=5)).code,
        "new_decided": make_ticket(
            session, office=JAKARTA, created_at=seven - timedelta(hours=4), status="selesai"
        ).code,
        # Not listed: decided long ago, received after the edition, another office's.
        "closed": make_ticket(
            session, office=JAKARTA, created_at=seven - timedelta(days=20), status="selesai"
        ).code,
        "later": make_ticket(session, office=JAKARTA, created_at=seven + timedelta(minutes=1)).code,
        "elsewhere": make_ticket(
            session, office=BANDUNG, created_at=seven - timedelta(hours=5)
        ).code,
    }


def test_the_link_opens_the_inbox_on_exactly_the_digests_tickets(
    netra: Netra,
    session: Session,
    dashboard: ServedApp,
    officer_factory: Callable[..., OfficerLogin],
) -> None:
    config = config_of(netra)
    made = _office_day(session)
    session.commit()
    office = session.get(Office, JAKARTA)
    assert office is not None
    digest = digest_for(session, office, DAY, "pagi", config)
    # The next morning's digest no longer counts yesterday's as new.
    tomorrow = digest_for(session, office, DAY + timedelta(days=1), "pagi", config)
    session.close()  # SQLite: an open read would hold up the app's writes (the login)
    listed = _listed(digest)
    assert listed == {made[k] for k in made if k not in ("closed", "later", "elsewhere")}

    officer = http_login(dashboard.base_url, officer_factory(JAKARTA))
    text = telegram_text(digest, dashboard.base_url)
    assert _inbox(officer, _link(text)) == listed
    assert _link(email_text(digest, dashboard.base_url)) == _link(text)
    # One section alone.
    only_new = _inbox(officer, _link(text) + "&section=new")
    assert (
        only_new == {line.code for line in digest.new.lines} == {made["new"], made["new_decided"]}
    )
    page = officer.get("/dashboard/?digest=2024-10-10").text
    assert "Hanya laporan yang tercantum di ringkasan harian Kamis, 10 Oktober 2024." in page
    assert made["new"] not in {line.code for line in tomorrow.new.lines}
    assert _inbox(officer, _link(telegram_text(tomorrow, dashboard.base_url))) == _listed(tomorrow)


def test_a_provinces_link_shows_its_escalations_and_nothing_it_cannot_open(
    netra: Netra,
    session: Session,
    dashboard: ServedApp,
    officer_factory: Callable[..., OfficerLogin],
) -> None:
    config = config_of(netra)
    _office_day(session)
    own = make_ticket(session, office="31", created_at=SEVEN_WIB - timedelta(hours=6))
    escalate_overdue(session, now=SEVEN_WIB - timedelta(hours=1), windows=config.windows)
    session.commit()
    province = session.get(Office, "31")
    assert province is not None
    digest = digest_for(session, province, DAY, "pagi", config)
    assert digest.escalated.total >= 1 and own.code in {x.code for x in digest.new.lines}
    session.close()
    officer = http_login(dashboard.base_url, officer_factory("31"))
    assert _inbox(officer, _link(telegram_text(digest, dashboard.base_url))) == _listed(digest)
