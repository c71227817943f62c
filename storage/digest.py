"""What an office's daily digest holds, aggregated in SQL: codes, counts, dates and clocks.

Only routing columns are ever selected (code, category, region, dates, status, clock stamps):
the encrypted free text (description, position, names, witnesses, follow-up text) and anything
about the reporter never leave the database here, so no rendering mistake can leak them.

Each list is fetched with a LIMIT and counted separately, and every query filters on the office
first (``ix_ticket_office_status_created``), so an office's digest costs what its own tickets
cost, whatever the size of the table. A digest is taken "as of" its edition's scheduled moment:
a late or repeated send shows the same content the punctual one would have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.calendar import ElectionCalendar
from storage.models import Office, Ticket, TicketEvent
from storage.offices import NATIONAL_CODE
from storage.workflow import OPEN_STATUSES, Windows, escalation_cutoff, processing_due

# Lines kept per list (the e-mail shows them all, Telegram fewer); the rest is counted ("dan N
# lainnya") and the dashboard link shows everything.
LINE_LIMIT = 50
SCOPE_LIMIT = 1000  # an office's open, new and answered tickets fetched (oldest first)
STALE_TIP_DAYS = 5
EDITIONS = ("pagi", "malam")


@dataclass(frozen=True)
class Schedule:
    """When editions go out, in each office's own time zone."""

    morning_hour: int = 7
    evening_hour: int = 19


@dataclass(frozen=True)
class TicketLine:
    code: str
    category: str
    region_code: str
    office_code: str
    status: str
    incident_date: date
    learned_date: date
    late: bool
    due: datetime  # end of the processing window (UTC)


@dataclass(frozen=True)
class Section:
    total: int
    lines: tuple[TicketLine, ...]


@dataclass(frozen=True)
class ProvinceRow:
    province: str
    open: int
    overdue: int
    new: int


@dataclass(frozen=True)
class Digest:
    office_code: str
    office_name: str
    level: str
    lang: str
    timezone: str
    local_date: date
    edition: str
    stage: str  # "Masa kampanye hari ke-22 · H-42 pemungutan suara"
    as_of: datetime  # the edition's scheduled moment (UTC)
    since: datetime  # the previous edition's moment: "new" means since then
    overdue: Section
    due_soon: Section
    answered: Section
    window_closing: Section
    new: Section
    new_by_category: dict[str, int]
    new_by_level: dict[str, int]
    stale_tips: Section
    open_questions: Section
    escalated: Section  # a Bawaslu Provinsi: its kab/kota offices' overdue tickets
    national: tuple[ProvinceRow, ...]  # Bawaslu RI: one row per province
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Nothing new and nothing to act on: the digest says "Tidak ada laporan baru"."""
        return self.new.total == 0 and not self.act_today_total

    @property
    def act_today_total(self) -> int:
        return (
            self.overdue.total
            + self.due_soon.total
            + self.answered.total
            + self.window_closing.total
        )


def edition_moment(local_date: date, edition: str, timezone: str, schedule: Schedule) -> datetime:
    """The UTC moment of an edition: 07.00 in Jayapura on the 10th is 22.00 UTC on the 9th."""
    hour = schedule.evening_hour if edition == "malam" else schedule.morning_hour
    local = datetime.combine(local_date, time(hour), tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def previous_moment(
    local_date: date,
    edition: str,
    office: Office,
    schedule: Schedule,
    calendar: ElectionCalendar,
) -> datetime:
    """The edition before this one: this morning's for an evening edition, else the previous
    day's evening edition on a round-the-clock day, else the previous morning's."""
    if edition == "malam":
        return edition_moment(local_date, "pagi", office.timezone, schedule)
    yesterday = local_date - timedelta(days=1)
    if calendar.round_the_clock(yesterday, _region(office)):
        return edition_moment(yesterday, "malam", office.timezone, schedule)
    return edition_moment(yesterday, "pagi", office.timezone, schedule)


def _region(office: Office) -> str | None:
    return None if office.code == NATIONAL_CODE else office.code


_LINE_COLUMNS: tuple[Any, ...] = (
    Ticket.code,
    Ticket.category,
    Ticket.region_code,
    Ticket.office_code,
    Ticket.status,
    Ticket.incident_date,
    Ticket.learned_date,
    Ticket.late,
    Ticket.created_at,
    Ticket.info_requested_at,
)


def _lines(session: Session, where: Sequence[Any], windows: Windows, order: Any) -> Section:
    """A counted list: the total in SQL, then at most ``LINE_LIMIT`` lines of routing columns."""
    total = session.exec(select(func.count()).select_from(Ticket).where(*where)).one()
    if not total:
        return Section(0, ())
    rows = session.execute(
        sa_select(*_LINE_COLUMNS).where(*where).order_by(order).limit(LINE_LIMIT)
    ).all()
    return Section(int(total), tuple(_line(r, windows) for r in rows))


def _line(r: Any, windows: Windows) -> TicketLine:
    return TicketLine(
        code=r[0],
        category=r[1],
        region_code=r[2],
        office_code=r[3],
        status=r[4],
        incident_date=r[5],
        learned_date=r[6],
        late=bool(r[7]),
        due=processing_due(r[8], r[9], windows),
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _overdue_at(moment: datetime, windows: Windows) -> Any:
    """Open tickets whose processing window has ended at ``moment`` (the workflow's cut-offs)."""
    plain, extended = escalation_cutoff(moment, windows)
    return and_(
        col(Ticket.status).in_(OPEN_STATUSES),
        or_(
            and_(col(Ticket.info_requested_at).is_(None), col(Ticket.created_at) < plain),
            and_(col(Ticket.info_requested_at).is_not(None), col(Ticket.created_at) < extended),
        ),
    )


def _not_overdue_at(moment: datetime, windows: Windows) -> Any:
    plain, extended = escalation_cutoff(moment, windows)
    return or_(
        and_(col(Ticket.info_requested_at).is_(None), col(Ticket.created_at) >= plain),
        and_(col(Ticket.info_requested_at).is_not(None), col(Ticket.created_at) >= extended),
    )


def build_digest(
    session: Session,
    office: Office,
    local_date: date,
    *,
    edition: str = "pagi",
    windows: Windows,
    calendar: ElectionCalendar,
    schedule: Schedule,
) -> Digest:
    """Everything one office's digest shows, as of the edition's scheduled moment."""
    as_of = edition_moment(local_date, edition, office.timezone, schedule)
    since = previous_moment(local_date, edition, office, schedule, calendar)
    mine = Ticket.office_code == office.code
    received = col(Ticket.created_at) < as_of
    by_due = col(Ticket.created_at)
    is_open = col(Ticket.status).in_(OPEN_STATUSES)

    # The sections' members, as SQL conditions: counted exactly in one aggregate query.
    answered_ids = (
        select(TicketEvent.ticket_id)
        .where(
            TicketEvent.kind == "answer",
            col(TicketEvent.at) >= since,
            col(TicketEvent.at) < as_of,
        )
        .scalar_subquery()
    )
    asked_ids = (
        select(TicketEvent.ticket_id)
        .where(TicketEvent.kind == "question", col(TicketEvent.at) < as_of)
        .scalar_subquery()
    )
    # Reporting window: learned_date + N days. It closes today or tomorrow (office's date).
    closing_from = local_date - timedelta(days=windows.reporting_days)
    is_answered = col(Ticket.id).in_(answered_ids)
    is_asked = and_(col(Ticket.status) == "perlu_info", col(Ticket.id).in_(asked_ids))
    is_new = col(Ticket.created_at) >= since
    conditions = {
        "overdue": _overdue_at(as_of, windows),
        "due_soon": and_(
            is_open,
            _not_overdue_at(as_of, windows),
            _overdue_at(as_of + timedelta(hours=24), windows),
        ),
        "answered": and_(is_open, is_answered),  # a decided ticket needs no more action
        "window_closing": and_(
            is_open,
            col(Ticket.learned_date) >= closing_from,
            col(Ticket.learned_date) <= closing_from + timedelta(days=1),
        ),
        "new": is_new,
        "stale_tips": and_(
            is_open, col(Ticket.created_at) < as_of - timedelta(days=STALE_TIP_DAYS)
        ),
        "open_questions": is_asked,
    }
    # Every section is within the office's open or new tickets: the indexes on (office, status,
    # created) and (office, created) find those (a BitmapOr) without reading the office's
    # decided history, which is what grows over an election.
    scope: list[Any] = [mine, received, or_(is_open, is_new)]
    totals_row = session.execute(
        sa_select(*(func.count().filter(c) for c in conditions.values())).where(*scope)
    ).one()
    section_totals = dict(zip(conditions, (int(v) for v in totals_row), strict=True))
    rows = session.execute(
        sa_select(*_LINE_COLUMNS, is_answered.label("answered"), is_asked.label("asked"))
        .where(*scope)
        .order_by(by_due)
        .limit(SCOPE_LIMIT)
    ).all()
    members: dict[str, list[TicketLine]] = {name: [] for name in conditions}
    soon = as_of + timedelta(hours=24)
    stale_before = as_of - timedelta(days=STALE_TIP_DAYS)
    for r in rows:
        line = _line(r, windows)
        is_open_row = line.status in OPEN_STATUSES
        flags = {
            "overdue": is_open_row and line.due < as_of,
            "due_soon": is_open_row and as_of <= line.due < soon,
            "answered": is_open_row and bool(r[-2]),
            "window_closing": is_open_row
            and closing_from <= line.learned_date <= closing_from + timedelta(days=1),
            "new": _aware(r[8]) >= since,
            "stale_tips": is_open_row and _aware(r[8]) < stale_before,
            "open_questions": bool(r[-1]),
        }
        for name, member in flags.items():
            if member and len(members[name]) < LINE_LIMIT:
                members[name].append(line)

    def section(name: str) -> Section:
        return Section(section_totals[name], tuple(members[name]))

    overdue, due_soon, answered = section("overdue"), section("due_soon"), section("answered")
    window_closing, new = section("window_closing"), section("new")
    stale_tips, open_questions = section("stale_tips"), section("open_questions")
    new_where = [mine, is_new, received]
    new_by_category, new_by_level = _grouped(session, new_where) if new.total else ({}, {})
    escalated = Section(0, ())
    national: tuple[ProvinceRow, ...] = ()
    if office.level == "provinsi":
        children = select(Office.code).where(Office.parent_code == office.code).scalar_subquery()
        escalated = _lines(
            session,
            [col(Ticket.office_code).in_(children), received, _overdue_at(as_of, windows)],
            windows,
            by_due,
        )
    elif office.code == NATIONAL_CODE:
        national = _national(session, as_of, since, windows)
    totals = dict(
        session.exec(
            select(Ticket.status, func.count()).where(mine, received).group_by(Ticket.status)
        ).all()
    )
    return Digest(
        office_code=office.code,
        office_name=office.name,
        level=office.level,
        lang=office.digest_lang or "id",
        timezone=office.timezone,
        local_date=local_date,
        edition=edition,
        stage=calendar.describe(local_date, _region(office), office.digest_lang or "id"),
        as_of=as_of,
        since=since,
        overdue=overdue,
        due_soon=due_soon,
        answered=answered,
        window_closing=window_closing,
        new=new,
        new_by_category=new_by_category,
        new_by_level=new_by_level,
        stale_tips=stale_tips,
        open_questions=open_questions,
        escalated=escalated,
        national=national,
        totals={str(k): int(v) for k, v in totals.items()},
    )


def _grouped(session: Session, where: Sequence[Any]) -> tuple[dict[str, int], dict[str, int]]:
    """New tickets counted by category and by institution level, in one GROUP BY."""
    rows = session.execute(
        sa_select(col(Ticket.category), col(Ticket.institution_level), func.count())
        .where(*where)
        .group_by(Ticket.category, Ticket.institution_level)
    ).all()
    by_category: dict[str, int] = {}
    by_level: dict[str, int] = {}
    for category, level, count in rows:
        by_category[str(category)] = by_category.get(str(category), 0) + int(count)
        by_level[str(level)] = by_level.get(str(level), 0) + int(count)

    def ordered(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    return ordered(by_category), ordered(by_level)


def _national(
    session: Session, as_of: datetime, since: datetime, windows: Windows
) -> tuple[ProvinceRow, ...]:
    """Open, overdue and new tickets per province (the region code's first two digits)."""
    province = func.substr(Ticket.region_code, 1, 2)
    is_open = col(Ticket.status).in_(OPEN_STATUSES)
    is_new = col(Ticket.created_at) >= since
    # One pass over the open and the new tickets (the status index finds them), three counts.
    rows = session.execute(
        sa_select(
            province,
            func.count().filter(is_open),
            func.count().filter(_overdue_at(as_of, windows)),
            func.count().filter(is_new),
        )
        .where(col(Ticket.created_at) < as_of, or_(is_open, is_new))
        .group_by(province)
        .order_by(province)
    ).all()
    return tuple(ProvinceRow(str(p), int(o), int(d), int(n)) for p, o, d, n in rows)
