"""The inbox listing: keyset pages in the promised order, filters, bulk escalation, purges,
and (on PostgreSQL) no office-scoped statement that reads the whole ticket table."""

from __future__ import annotations

import base64
import itertools
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from bench.seed import BIG_OFFICE, seed_tickets
from bot.jobs import escalate_overdue_tickets, purge_old_records
from storage.db import make_engine
from storage.listing import (
    SORTS,
    Criteria,
    Listed,
    Listing,
    Position,
    Sort,
    Viewer,
    region_choices,
)
from storage.models import AuditLog, InboundMessage, OutboxMessage, Ticket, TicketEvent
from storage.regions import default_directory, office_timezone
from storage.workflow import OPEN_STATUSES, Windows, processing_due

BIMA = "52.06"  # Bawaslu Kabupaten Bima
KOTA_BIMA = "52.72"
NTB = "52"  # their Bawaslu Provinsi
BANDUNG = "32.73"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WINDOWS = Windows()
_numbers = itertools.count(1)


def _add(
    session: Session,
    office: str,
    *,
    age: timedelta,
    status: str = "baru",
    info: bool = False,
    escalated: bool = False,
    updated: timedelta = timedelta(0),
    category: str = "medsos",
    assignee: int | None = None,
) -> Ticket:
    n = next(_numbers)
    created = NOW - age
    ticket = Ticket(
        code=f"T{n:02d}-{n:03d}"[:7] if n < 100 else f"U{n % 100:02d}-{n:03d}"[:7],
        receipt_hash="x",
        office_code=office,
        region_code=office,
        category=category,
        institution_level="kabkota",
        incident_date=created.date(),
        learned_date=created.date(),
        status=status,
        created_at=created,
        updated_at=created + updated,
        accused_position="camat",
        description="kampanye",
        info_requested_at=created + timedelta(hours=1) if info else None,
        escalated_at=created + timedelta(days=4) if escalated else None,
        escalated_to=NTB if escalated else None,
        assignee_id=assignee,
    )
    session.add(ticket)
    return ticket


def _mixed_office(session: Session) -> None:
    """Bima's tickets of every kind, Kota Bima's escalated ones, and Bandung's as noise."""
    statuses = ("baru", "dikaji", "perlu_info", "selesai", "ditindaklanjuti")
    for i in range(23):
        _add(
            session,
            BIMA,
            age=timedelta(hours=7 * i + 1),
            status=statuses[i % 5],
            info=i % 5 == 2 or i % 7 == 0,
            updated=timedelta(hours=(i * 5) % 11),
            category="medsos" if i % 2 else "foto",
        )
    for i in range(4):
        _add(session, KOTA_BIMA, age=timedelta(days=5, hours=i), escalated=True)
    _add(session, KOTA_BIMA, age=timedelta(days=6))  # Kota Bima's own: not NTB's
    _add(session, BANDUNG, age=timedelta(hours=2))
    session.commit()


def _listing(office: str, sort: Sort, criteria: Criteria | None = None) -> Listing:
    return Listing(Viewer(office), criteria or Criteria(), sort, WINDOWS, NOW)


def _expected(session: Session, office: str, sort: Sort) -> list[str]:
    """The promised order, computed the slow way: overdue first, then the key, then id."""
    rows = session.exec(
        select(Ticket).where((Ticket.office_code == office) | (Ticket.escalated_to == office))
    ).all()

    zone = ZoneInfo(office_timezone(office))

    def position(t: Ticket) -> tuple[bool, datetime, int]:
        due = processing_due(t.created_at, t.info_requested_at, WINDOWS, zone)
        overdue = t.status in OPEN_STATUSES and NOW > due
        # Windows end at the end of a local day, so tickets of one day share a deadline; the
        # listing orders them by receipt + window length, which never contradicts the deadline.
        extension = 0 if t.info_requested_at is None else WINDOWS.info_extension_days
        days = WINDOWS.processing_days + extension
        key = {
            "received": t.created_at,
            "updated": t.updated_at,
            "deadline": t.created_at + timedelta(days=days),
        }[sort.key]
        key = key if key.tzinfo else key.replace(tzinfo=UTC)
        assert t.id is not None
        return (overdue if sort.overdue_first else False, key, t.id)

    ordered = sorted(rows, key=lambda t: position(t)[1:], reverse=sort.descending)
    ordered.sort(key=lambda t: not position(t)[0])  # stable: overdue ones first
    return [t.code for t in ordered]


def _walk(session: Session, listing: Listing, limit: int) -> tuple[list[str], list[list[str]]]:
    """Every page forward, then every page back from the last one."""
    pages: list[list[str]] = []
    page = listing.page(session, limit=limit)
    pages.append([t.code for t in page.rows])
    while page.next:
        page = listing.page(session, limit=limit, after=page.next)
        pages.append([t.code for t in page.rows])
    back: list[list[str]] = [pages[-1]]
    while page.previous:
        page = listing.page(session, limit=limit, before=page.previous)
        back.insert(0, [t.code for t in page.rows])
    return [code for p in pages for code in p], back


@pytest.mark.parametrize("key", SORTS)
@pytest.mark.parametrize("descending", [True, False])
def test_pages_list_every_visible_ticket_once_overdue_first_both_ways(
    db_url: str, keys: object, key: str, descending: bool
) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        _mixed_office(session)
        for office in (BIMA, NTB):
            sort = Sort(key, descending)
            walked, back = _walk(session, _listing(office, sort), limit=4)
            assert walked == _expected(session, office, sort), (office, key)
            assert [code for p in back for code in p] == walked  # "previous" retraces them
            assert all(len(p) == 4 for p in back[:-1])
        flat = Sort(key, descending, overdue_first=False)
        walked, _ = _walk(session, _listing(BIMA, flat), limit=5)
        assert walked == _expected(session, BIMA, flat)
    engine.dispose()


def test_filters_narrow_the_listing(db_url: str, keys: object) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        _mixed_office(session)
        mine = _add(session, BIMA, age=timedelta(hours=3), status="dikaji", assignee=None)
        session.commit()

        def codes(criteria: Criteria, office: str = BIMA) -> set[str]:
            rows = _listing(office, Sort(), criteria).page(session, limit=100).rows
            return {t.code for t in rows}

        every = session.exec(select(Ticket).where(Ticket.office_code == BIMA)).all()
        overdue = {
            t.code
            for t in every
            if t.status in OPEN_STATUSES
            and NOW
            > processing_due(
                t.created_at, t.info_requested_at, WINDOWS, ZoneInfo(office_timezone(BIMA))
            )
        }
        assert overdue and codes(Criteria(overdue=True)) == overdue
        assert codes(Criteria(status="selesai", category="foto")) == {
            t.code for t in every if t.status == "selesai" and t.category == "foto"
        }
        assert codes(Criteria(code=mine.code.lower().replace("-", ""))) == {mine.code}
        prefix = mine.code[:2]
        assert codes(Criteria(code=prefix)) == {t.code for t in every if t.code[:2] == prefix}
        assert codes(Criteria(code=mine.code), office=BANDUNG) == set()  # not Bandung's
        assert codes(Criteria(unassigned=True)) == {t.code for t in every}
        assert codes(Criteria(assignee_id=12345)) == set()
        escalated = codes(Criteria(), office=NTB)
        assert len(escalated) == 4
    engine.dispose()


def test_a_cursor_that_is_garbage_starts_from_the_top(db_url: str, keys: object) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        _mixed_office(session)
        listing = _listing(BIMA, Sort())
        first = listing.page(session, limit=3).rows
        assert listing.page(session, limit=3, after="%%not-a-cursor").rows == first
        far = base64.urlsafe_b64encode(f"0.{10**30}.1".encode()).decode()
        assert listing.page(session, limit=3, after=far).rows == first
        position = Position(1, NOW, 42)
        assert Position.decode(position.encode()) == position
    engine.dispose()


def test_export_iterates_everything_in_batches(db_url: str, keys: object) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        _mixed_office(session)
        expected = _expected(session, BIMA, Sort())
    rows = list(_listing(BIMA, Sort()).iterate(lambda: Session(engine), batch=4))
    assert [r.code for r in rows] == expected
    assert all(isinstance(r, Listed) for r in rows)
    engine.dispose()


def test_region_choices_come_from_the_region_list() -> None:
    directory = default_directory()
    assert [r.code for r in region_choices(directory, BIMA)] == [BIMA]
    province = [r.code for r in region_choices(directory, NTB)]
    assert province[0] == NTB and BIMA in province and KOTA_BIMA in province
    assert all(code.startswith("52") for code in province)
    assert len(region_choices(directory, "RI")) == len(directory.all())


def test_a_backlog_is_escalated_in_batches_once(netra, db_url: str) -> None:  # type: ignore[no-untyped-def]
    netra.settings.escalation_batch = 3
    with netra.session() as session:
        for hours in range(7):
            _add(session, BIMA, age=timedelta(days=4, hours=hours))
        _add(session, BIMA, age=timedelta(hours=5))  # still within its window
        own = _add(session, NTB, age=timedelta(days=9))  # a province's own: never escalates
        session.commit()
    escalated = escalate_overdue_tickets(netra)
    assert len(escalated) == 7
    assert escalate_overdue_tickets(netra) == []
    with netra.session() as session:
        rows = session.exec(select(Ticket).where(col(Ticket.escalated_at).is_not(None))).all()
        assert {t.code for t in rows} == set(escalated)
        assert {t.escalated_to for t in rows} == {NTB}
        events = session.exec(select(TicketEvent).where(TicketEvent.kind == "escalated")).all()
        assert sorted(e.ticket_id for e in events) == sorted(t.id for t in rows)  # type: ignore[type-var]
        assert {(e.from_office, e.to_office) for e in events} == {(BIMA, NTB)}
        audited = session.exec(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "escalated")
        ).one()
        assert audited == 7
        listed = _listing(NTB, Sort()).page(session, limit=50).rows
        assert {t.code for t in listed} == {*escalated, own.code}


def test_spent_records_are_purged_and_the_rest_kept(netra, db_url: str) -> None:  # type: ignore[no-untyped-def]
    netra.settings.purge_batch = 2
    now = datetime.now(UTC)
    with netra.session() as session:
        for i in range(5):
            old = now - timedelta(days=netra.settings.retention_sent_outbox_days + 1, minutes=i)
            session.add(_outbox(old, "sent", sent_at=old))
        session.add(_outbox(now - timedelta(days=30), "pending"))  # never sent: kept
        session.add(_outbox(now, "sent", sent_at=now))  # recent: kept
        for i in range(3):
            session.add(
                InboundMessage(
                    channel="telegram", platform_id=f"old{i}", received_at=now - timedelta(days=9)
                )
            )
        session.add(InboundMessage(channel="telegram", platform_id="new", received_at=now))
        session.commit()
    counts = purge_old_records(netra)
    assert counts["outbox_sent"] == 5 and counts["dedup"] == 3
    with netra.session() as session:
        left = session.exec(select(OutboxMessage.status)).all()
        assert sorted(left) == ["pending", "sent"]
        assert len(session.exec(select(InboundMessage.platform_id)).all()) == 1  # "new" stays


def _outbox(created: datetime, status: str, sent_at: datetime | None = None) -> OutboxMessage:
    return OutboxMessage(
        transport="telegram",
        address="1",
        payload={"text": "x"},
        status=status,
        next_attempt_at=created,
        created_at=created,
        sent_at=sent_at,
    )


# --- EXPLAIN on PostgreSQL ---------------------------------------------------------------


def _scans_of_ticket(plan: dict[str, object]) -> list[str]:
    """How each plan node reads the ticket table; an index walked end to end without a
    condition (``Index Scan`` with no ``Index Cond``) counts as a full read too."""
    found = []
    if plan.get("Relation Name") == "ticket":
        kind = str(plan["Node Type"])
        if kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan:
            kind = f"{kind} without condition"
        found.append(kind)
    for child in plan.get("Plans", []):  # type: ignore[attr-defined]
        found += _scans_of_ticket(child)
    return found


def _full_reads(scans: list[str]) -> list[str]:
    return [s for s in scans if s == "Seq Scan" or s.endswith("without condition")]


def test_no_office_scoped_statement_reads_the_whole_ticket_table(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE ticket RESTART IDENTITY CASCADE"))
        seed_tickets(conn, count=40_000, now=NOW)
        conn.execute(text("ANALYZE ticket"))
    variants = [
        Criteria(),
        Criteria(status="dikaji", category="medsos"),
        Criteria(overdue=True),
        Criteria(code="ACD"),
        Criteria(code="ACD-EFH"),
        Criteria(assignee_id=1),
        Criteria(region=BIMA, date_from=(NOW - timedelta(days=30)).date()),
        # Word search (hashed words): one ticket_term range per word, inside the office lanes.
        Criteria(terms=("a" * 32,)),
        Criteria(terms=("a" * 32, "b" * 32), status="baru"),
        Criteria(code="CAMAT", terms=("c" * 32,)),
    ]
    checked = 0
    with engine.connect() as conn:
        for office, criteria, key, first in itertools.product(
            (BIG_OFFICE, KOTA_BIMA, NTB), variants, SORTS, (True, False)
        ):
            listing = Listing(Viewer(office), criteria, Sort.parse(key), WINDOWS, NOW)
            bound = None if first else Position(1, NOW - timedelta(days=40), 10**9)
            for statement in listing.statements(bound=bound):
                compiled = statement.compile(dialect=engine.dialect)
                plan = conn.exec_driver_sql(
                    f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params
                ).scalar_one()
                plan = plan if isinstance(plan, list) else json.loads(plan)
                scans = _scans_of_ticket(plan[0]["Plan"])
                assert scans and not _full_reads(scans), (office, criteria, key, str(compiled))
                checked += 1
    assert checked > 100
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE ticket RESTART IDENTITY CASCADE"))
    engine.dispose()
