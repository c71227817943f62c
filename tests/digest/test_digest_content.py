"""What a digest says: time zones, the empty day, escalations, the national table, the Telegram
cut, and that no report text or reporter detail ever appears (both databases)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.digests import channels_of, digest_for, run_due_digests
from bot.runtime import Netra
from handlers.casework import escalate_overdue
from handlers.digest_text import email_html, email_text, telegram_text
from storage.models import DigestRun, Office
from storage.workflow import processing_due
from tests.digest.conftest import SECRETS, add_followup, at, config_of, make_reporter, make_ticket

JAKARTA, DENPASAR, JAYAPURA = "31.71", "51.71", "91.71"
BASE = "http://127.0.0.1:8000"
DAY = date(2024, 10, 10)  # campaign period: one morning edition


def _zones(session: Session) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for office in session.exec(select(Office)):
        found.setdefault(office.timezone, set()).add(office.code)
    return found


def test_each_office_gets_its_digest_at_seven_in_its_own_time_zone(
    netra: Netra, session: Session
) -> None:
    config = config_of(netra)
    zones = _zones(session)
    session.close()  # SQLite: an open read would hold the write lock the job needs
    assert set(zones) == {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}

    def claimed() -> dict[str, date]:
        with netra.session() as s:
            return {r.office_code: r.local_date for r in s.exec(select(DigestRun))}

    # 21.59 UTC on the 9th: 06.59 in Jayapura, earlier elsewhere: nobody yet.
    assert run_due_digests(netra.db, at("2024-10-09T21:59:00"), config) == 0
    # 22.00 UTC on the 9th is 07.00 on the 10th in Jayapura (WIT).
    assert run_due_digests(netra.db, at("2024-10-09T22:00:00"), config) == len(
        zones["Asia/Jayapura"]
    )
    assert set(claimed()) == zones["Asia/Jayapura"]
    assert set(claimed().values()) == {DAY}
    # 23.00 UTC: WITA (Denpasar) offices; 00.00 UTC on the 10th: WIB (Jakarta) and RI.
    run_due_digests(netra.db, at("2024-10-09T23:00:00"), config)
    assert DENPASAR in claimed() and JAKARTA not in claimed()
    run_due_digests(netra.db, at("2024-10-10T00:00:00"), config)
    everything = claimed()
    assert len(everything) == 553 and set(everything.values()) == {DAY}
    # Run again the same day: nothing more.
    assert run_due_digests(netra.db, at("2024-10-10T03:00:00"), config) == 0
    with netra.session() as s:
        runs = s.exec(select(DigestRun)).all()
    assert len(runs) == 553
    assert all(r.channel == "none" and not r.late for r in runs)  # no channels configured here


def test_a_process_that_was_down_sends_the_missed_digest_marked_late(netra: Netra) -> None:
    config = config_of(netra)
    run_due_digests(netra.db, at("2024-10-10T04:15:00"), config)  # 11.15 WIB
    with netra.session() as s:
        jakarta = s.exec(select(DigestRun).where(DigestRun.office_code == JAKARTA)).one()
    assert jakarta.local_date == DAY and jakarta.late


def test_an_empty_day_says_so(netra: Netra, session: Session) -> None:
    office = session.get(Office, JAKARTA)
    assert office is not None
    digest = digest_for(session, office, DAY, "pagi", config_of(netra))
    text = telegram_text(digest, BASE)
    assert "Tidak ada laporan baru" in text
    assert "Masa kampanye hari ke-" in text and "H-48 pemungutan suara" in text
    office.digest_lang = "en"
    english = telegram_text(digest_for(session, office, DAY, "pagi", config_of(netra)), BASE)
    assert "No new reports" in english and "48 days to polling day" in english


def test_the_digest_lists_what_to_act_on_and_what_is_new(netra: Netra, session: Session) -> None:
    config = config_of(netra)
    office = session.get(Office, JAKARTA)
    assert office is not None
    seven_wib = at("2024-10-10T00:00:00")
    overdue = make_ticket(session, office=JAKARTA, created_at=seven_wib - timedelta(days=10))
    due_soon = make_ticket(
        session,
        office=JAKARTA,
        created_at=seven_wib - timedelta(days=config.windows.processing_days, hours=-3),
        status="dikaji",
    )
    answered = make_ticket(
        session,
        office=JAKARTA,
        created_at=seven_wib - timedelta(hours=30),
        status="perlu_info",
        info_requested_at=seven_wib - timedelta(hours=20),
    )
    add_followup(session, answered, seven_wib - timedelta(hours=20), seven_wib - timedelta(hours=2))
    fresh = make_ticket(session, office=JAKARTA, created_at=seven_wib - timedelta(hours=5))
    closed = make_ticket(
        session, office=JAKARTA, created_at=seven_wib - timedelta(days=20), status="selesai"
    )
    later = make_ticket(session, office=JAKARTA, created_at=seven_wib + timedelta(minutes=1))
    session.commit()

    digest = digest_for(session, office, DAY, "pagi", config)
    assert [t.code for t in digest.overdue.lines] == [overdue.code]
    assert [t.code for t in digest.due_soon.lines] == [due_soon.code]
    assert [t.code for t in digest.answered.lines] == [answered.code]
    assert [t.code for t in digest.new.lines] == [fresh.code]  # answered came in 30 h ago
    assert digest.new_by_category == {"kampanye": 1}
    assert [t.code for t in digest.stale_tips.lines] == [overdue.code]
    assert digest.totals == {"baru": 2, "dikaji": 1, "perlu_info": 1, "selesai": 1}  # not `later`
    text = telegram_text(digest, BASE)
    assert later.code not in text and closed.code not in text.split("Jumlah per status")[0]
    due = processing_due(fresh.created_at, None, config.windows).astimezone(
        ZoneInfo("Asia/Jakarta")
    )
    assert f"{fresh.code} · " in text and due.strftime("%d-%m %H.%M") in text
    assert "http://127.0.0.1:8000/dashboard/?digest=2024-10-10" in text


def test_a_province_sees_its_kabkota_overdue_tickets_and_ri_the_national_table(
    netra: Netra, session: Session
) -> None:
    config = config_of(netra)
    seven_wit = at("2024-10-09T22:00:00")
    late = make_ticket(session, office=JAYAPURA, created_at=seven_wit - timedelta(days=9))
    make_ticket(session, office=DENPASAR, created_at=seven_wit - timedelta(days=9))
    # The hourly escalation job marked them for their provinces during the night.
    escalate_overdue(session, now=seven_wit - timedelta(hours=1), windows=config.windows)
    session.commit()
    papua = session.get(Office, "91")
    bali = session.get(Office, "51")
    national = session.get(Office, "RI")
    assert papua is not None and bali is not None and national is not None
    escalated = digest_for(session, papua, DAY, "pagi", config)
    assert [t.code for t in escalated.escalated.lines] == [late.code]
    assert late.code in telegram_text(escalated, BASE)
    assert digest_for(session, bali, DAY, "pagi", config).escalated.total == 1
    table = digest_for(session, national, DAY, "pagi", config)
    rows = {r.province: (r.open, r.overdue) for r in table.national}
    assert rows == {"91": (1, 1), "51": (1, 1)}
    assert "91: 1 / 1 / 0" in telegram_text(table, BASE)


def test_no_digest_holds_report_text_or_anything_about_the_reporter(
    netra: Netra, session: Session
) -> None:
    config = config_of(netra)
    seven_wib = at("2024-10-10T00:00:00")
    reporter = make_reporter(session, seven_wib)
    for office, hours in ((JAKARTA, 3), (JAKARTA, 100), (DENPASAR, 5), ("31", 200), ("RI", 4)):
        ticket = make_ticket(
            session,
            office=office,
            region=JAKARTA if office in ("31", "RI") else office,
            created_at=seven_wib - timedelta(hours=hours),
            reporter=reporter,
            status="perlu_info",
        )
        add_followup(session, ticket, ticket.created_at, seven_wib - timedelta(hours=1))
    session.commit()
    scanned = 0
    for office in session.exec(select(Office)).all():
        digest = digest_for(session, office, DAY, "pagi", config)
        for text in (
            telegram_text(digest, BASE),
            email_text(digest, BASE),
            email_html(digest, BASE),
        ):
            scanned += 1
            for what, secret in SECRETS.items():
                assert secret.lower() not in text.lower(), f"{what} leaked into {office.code}"
    assert scanned == 553 * 3


def test_a_long_digest_is_cut_at_telegrams_limit_with_the_rest_counted(
    netra: Netra, session: Session
) -> None:
    config = config_of(netra)
    seven_wib = at("2024-10-10T00:00:00")
    for i in range(260):
        make_ticket(session, office=JAKARTA, created_at=seven_wib - timedelta(minutes=10 + i))
    session.commit()
    office = session.get(Office, JAKARTA)
    assert office is not None
    digest = digest_for(session, office, DAY, "pagi", config)
    assert digest.new.total == 260
    text = telegram_text(digest, BASE)
    assert len(text) <= 4096
    shown = sum(1 for line in text.splitlines() if line.startswith("• "))
    assert 0 < shown < 260
    assert f"dan {260 - shown} lainnya" in text
    assert text.rstrip().endswith("/dashboard/?digest=2024-10-10")
    assert "Jumlah per status" in text
    # The e-mail has no such limit: it lists every fetched line.
    assert email_text(digest, BASE).count("• ") > shown
    assert channels_of(office) == []


def test_round_the_clock_days_have_an_evening_edition_covering_the_day(
    netra: Netra, session: Session
) -> None:
    """25 November 2024 is in the quiet period (calendar data): 07.00 and 19.00 editions."""
    config = config_of(netra)
    quiet = date(2024, 11, 25)
    assert config.calendar.round_the_clock(quiet, JAKARTA)
    morning = make_ticket(session, office=JAKARTA, created_at=at("2024-11-24T20:00:00"))
    afternoon = make_ticket(session, office=JAKARTA, created_at=at("2024-11-25T08:00:00"))
    session.commit()
    office = session.get(Office, JAKARTA)
    assert office is not None
    session.close()
    run_due_digests(netra.db, at("2024-11-25T12:00:00"), config)  # 19.00 WIB
    with netra.session() as s:
        editions = s.exec(select(DigestRun.edition).where(DigestRun.office_code == JAKARTA)).all()
        assert sorted(editions) == ["malam", "pagi"]
        evening = digest_for(s, office, quiet, "malam", config)
    assert [t.code for t in evening.new.lines] == [afternoon.code]
    assert "edisi malam" in telegram_text(evening, BASE) and morning.code not in [
        t.code for t in evening.new.lines
    ]
