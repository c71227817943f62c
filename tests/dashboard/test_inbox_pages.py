"""What an officer and an API client see of the keyset listing: next/previous links, the
API's next cursor, the overdue filter, and a CSV export that holds every ticket."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import httpx

from bot.dashboard import pages
from bot.runtime import utcnow
from storage.models import Officer, Ticket
from storage.officers import create_token
from tests.fakes.dashboard import http_login, make_officer

BIMA = "52.06"


def _tickets(netra, count: int, *, office: str = BIMA) -> list[str]:  # type: ignore[no-untyped-def]
    """``count`` tickets an hour apart; every third one open and past its window."""
    now = utcnow()
    codes = []
    with netra.session() as session:
        for i in range(count):
            created = (
                now - timedelta(hours=i + 1) - (timedelta(days=4) if i % 3 == 0 else timedelta(0))
            )
            code = f"K{i // 100:02d}-{i % 100:03d}"[:7]
            session.add(
                Ticket(
                    code=code,
                    receipt_hash="x",
                    office_code=office,
                    region_code=office,
                    category="medsos",
                    institution_level="kabkota",
                    incident_date=created.date(),
                    learned_date=created.date(),
                    status="baru" if i % 3 == 0 else "selesai",
                    created_at=created,
                    updated_at=created,
                    accused_position="camat",
                    description="kampanye",
                )
            )
            codes.append(code)
        session.commit()
    return codes


def _codes(html: str) -> list[str]:
    return re.findall(r'data-code="([^"]+)"', html)


def test_inbox_pages_forward_and_back_with_cursor_links(netra, dashboard, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pages, "PAGE_SIZE", 4)
    codes = _tickets(netra, 10)
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    seen: list[list[str]] = []
    page = client.get("/dashboard/").text
    assert 'rel="prev"' not in page
    while True:
        seen.append(_codes(page))
        following = re.search(r'rel="next" href="([^"]+)"', page)
        if following is None:
            break
        page = client.get("/dashboard/" + following.group(1).replace("&amp;", "&")).text
    listed = [code for chunk in seen for code in chunk]
    assert sorted(listed) == sorted(codes) and len(listed) == len(set(listed))
    overdue = [c for i, c in enumerate(codes) if i % 3 == 0]
    assert listed[: len(overdue)] == overdue  # overdue first, across pages
    previous = re.search(r'rel="prev" href="([^"]+)"', page)
    assert previous is not None
    back = client.get("/dashboard/" + previous.group(1).replace("&amp;", "&")).text
    assert _codes(back) == seen[-2]

    only_overdue = _codes(client.get("/dashboard/", params={"overdue": "1"}).text)
    assert only_overdue == overdue


def test_api_pages_follow_the_next_cursor_to_the_end(netra, dashboard):  # type: ignore[no-untyped-def]
    codes = _tickets(netra, 7)
    officer = make_officer(netra, BIMA)
    with netra.session() as session:
        token = create_token(session, session.get(Officer, officer.id), "t", now=utcnow())  # type: ignore[arg-type]
        session.commit()
    api = httpx.Client(base_url=dashboard.base_url, headers={"Authorization": f"Bearer {token}"})
    listed: list[str] = []
    params: dict[str, str] = {"limit": "3", "sort": "deadline"}
    while True:
        answer = api.get("/api/v1/tickets", params=params)
        assert answer.status_code == 200
        listed += [t["code"] for t in answer.json()]
        cursor = answer.headers.get("X-Next-Cursor")
        if cursor is None:
            assert "Link" not in answer.headers
            break
        assert 'rel="next"' in answer.headers["Link"]
        params = {**params, "cursor": cursor}
    assert sorted(listed) == sorted(codes) and len(listed) == len(codes)


def test_csv_export_holds_every_ticket_however_many_batches(netra, dashboard, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pages, "EXPORT_BATCH", 4)
    codes = _tickets(netra, 11)
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    answer = client.get("/dashboard/export.csv")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert sorted(r["code"] for r in rows) == sorted(codes)
    assert {r["overdue"] for r in rows if r["status"] == "baru"} == {"True"}
    assert set(rows[0]) == set(pages.CSV_COLUMNS)
