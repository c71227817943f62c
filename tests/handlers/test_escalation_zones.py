"""Escalation follows each office's own day: WIT first, then WITA, then WIB, an hour apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from handlers.casework import escalate_overdue
from storage.db import run_in_transaction
from storage.models import Ticket, TicketEvent
from storage.workflow import Windows
from tests.fakes.dashboard import file_ticket

OFFICES = {"WIB": "32.73", "WITA": "52.06", "WIT": "91.71"}
PLACES = {"WIB": "Kota Bandung", "WITA": "Kab. Bima", "WIT": "Kota Jayapura"}
PROVINCE = {"32.73": "32", "52.06": "52", "91.71": "91"}
# Thursday 10 October 2024, 03:00 UTC: 10.00 WIB, 11.00 WITA, 12.00 WIT; the same local day
# everywhere. Three days on, each office's window closes at 23:59:59 on Sunday 13 October, its
# time: 14:59:59 UTC in Jayapura, 15:59:59 in Bima, 16:59:59 in Bandung.
RECEIVED = datetime(2024, 10, 10, 3, 0, tzinfo=UTC)
SUNDAY = datetime(2024, 10, 13, tzinfo=UTC)


def _file(netra, zone: str, reporter: str, *, received: datetime = RECEIVED) -> str:
    """A report filed through the engine at ``received``, about a place in ``zone``."""
    code = file_ticket(netra, reporter, region=PLACES[zone], at=received)
    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        assert ticket.office_code == OFFICES[zone]
    return code


def _escalate(netra, now: datetime) -> list[str]:
    return run_in_transaction(
        netra.db, lambda s: escalate_overdue(s, now=now, windows=Windows(), limit=500)
    )


@pytest.fixture
def tickets(netra) -> dict[str, str]:
    return {zone: _file(netra, zone, f"zone-{zone}") for zone in OFFICES}


@pytest.mark.parametrize(
    ("utc", "escalated"),
    [
        ((14, 59, 59), set()),  # still Sunday everywhere
        ((15, 0, 0), {"WIT"}),  # Monday 00.00 in Jayapura; 23.00 in Bima, 22.00 in Bandung
        ((15, 59, 59), {"WIT"}),
        ((16, 0, 0), {"WIT", "WITA"}),  # Monday in Bima too; Bandung has an hour left
        ((16, 59, 59), {"WIT", "WITA"}),
        ((17, 0, 0), {"WIT", "WITA", "WIB"}),
    ],
    ids=["all-in-time", "wit-midnight", "wit-only", "wita-midnight", "wib-last-second", "all"],
)
def test_each_office_escalates_at_the_end_of_its_own_local_day(netra, tickets, utc, escalated):
    now = SUNDAY.replace(hour=utc[0], minute=utc[1], second=utc[2])
    assert set(_escalate(netra, now)) == {tickets[zone] for zone in escalated}


def test_escalation_goes_to_each_office_province_once(netra, tickets):
    first = _escalate(netra, SUNDAY.replace(hour=15, minute=30))
    later = _escalate(netra, SUNDAY.replace(hour=17, minute=30))
    assert first == [tickets["WIT"]]
    assert sorted(later) == sorted([tickets["WITA"], tickets["WIB"]])
    assert _escalate(netra, SUNDAY + timedelta(days=2)) == []
    with netra.session() as session:
        rows = session.exec(select(Ticket).where(col(Ticket.escalated_at).is_not(None))).all()
        assert {t.code: t.escalated_to for t in rows} == {
            tickets[zone]: PROVINCE[office] for zone, office in OFFICES.items()
        }
        events = session.exec(select(TicketEvent).where(TicketEvent.kind == "escalated")).all()
        assert len(events) == 3


def test_a_batch_spans_zones_and_stops_at_its_limit(netra):
    # Three overdue tickets in each zone: batches of 4, 4 and 1, then nothing. (On PostgreSQL a
    # locking subquery re-run inside the UPDATE once marked 6 in a batch of 4.)
    for zone in OFFICES:
        for n in range(3):
            _file(netra, zone, f"batch-{zone}-{n}", received=RECEIVED - timedelta(days=3))
    now = SUNDAY.replace(hour=17, minute=30)

    def batch(limit: int) -> list[str]:
        return run_in_transaction(
            netra.db, lambda s: escalate_overdue(s, now=now, windows=Windows(), limit=limit)
        )

    batches = [batch(4), batch(4), batch(4)]
    assert [len(b) for b in batches] == [4, 4, 1]
    assert len(set().union(*batches)) == 9
    assert batch(4) == []
