"""What an office's daily digest holds, aggregated in SQL: codes, counts, dates and clocks.

Only routing columns are ever selected (code, category, region, dates, status, clock stamps):
the encrypted free text (description, position, names, witnesses, follow-up text) and anything
about the reporter never leave the database here, so no rendering mistake can leak them.

All offices' digests are built together, set-based: a handful of statements grouped by office
(window functions count each section and keep its first lines per office), not a round trip per
office. Every statement filters on the offices and on the open or new tickets first
(``ix_ticket_office_status_created``, ``ix_ticket_office_created``), so one office's digest
costs what its own tickets cost, whatever the size of the table. A digest is taken "as of" its
edition's scheduled moment: a late or repeated send shows the same content the punctual one
would have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.calendar import ElectionCalendar
from storage.models import Office, Ticket, TicketEvent
from storage.offices import NATIONAL_CODE
from storage.tickets import STATUSES
from storage.workflow import (
    OPEN_STATUSES,
    Windows,
    escalation_cutoff,
    processing_due,
    reporting_last_day,
)

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
    Ticket.id,
)
_ORDER: tuple[Any, ...] = (col(Ticket.created_at), col(Ticket.id))  # oldest (most urgent) first


@dataclass(frozen=True)
class Moments:
    """What a digest is taken against. Offices that share it (as a rule: one time zone) are
    served by the same few statements, grouped by office, instead of a round trip each."""

    as_of: datetime  # the edition's scheduled moment (UTC)
    since: datetime  # the previous edition's: "new" means since then
    timezone: str


def moments_of(
    office: Office,
    local_date: date,
    edition: str,
    schedule: Schedule,
    calendar: ElectionCalendar,
) -> Moments:
    return Moments(
        edition_moment(local_date, edition, office.timezone, schedule),
        previous_moment(local_date, edition, office, schedule, calendar),
        office.timezone,
    )


def _line(r: Any, windows: Windows, zone: ZoneInfo) -> TicketLine:
    return TicketLine(
        code=r.code,
        category=r.category,
        region_code=r.region_code,
        office_code=r.office_code,
        status=r.status,
        incident_date=r.incident_date,
        learned_date=r.learned_date,
        late=bool(r.late),
        due=processing_due(r.created_at, r.info_requested_at, windows, zone),
    )


def _overdue_at(moment: datetime, windows: Windows, zone: ZoneInfo | None = None) -> Any:
    """Open tickets whose processing window has ended at ``moment`` (the workflow's cut-offs)."""
    plain, extended = escalation_cutoff(moment, windows, zone)
    return and_(
        col(Ticket.status).in_(OPEN_STATUSES),
        or_(
            and_(col(Ticket.info_requested_at).is_(None), col(Ticket.created_at) < plain),
            and_(col(Ticket.info_requested_at).is_not(None), col(Ticket.created_at) < extended),
        ),
    )


def _not_overdue_at(moment: datetime, windows: Windows, zone: ZoneInfo | None = None) -> Any:
    plain, extended = escalation_cutoff(moment, windows, zone)
    return or_(
        and_(col(Ticket.info_requested_at).is_(None), col(Ticket.created_at) >= plain),
        and_(col(Ticket.info_requested_at).is_not(None), col(Ticket.created_at) >= extended),
    )


def closing_from(local_date: date, windows: Windows) -> date:
    """The earliest learned date whose reporting window's last day is today (tomorrow's is
    one day later): the "window closing" section holds learned dates in those two days."""
    last = reporting_last_day(local_date, windows.reporting_days, windows.learned_day_is_day_zero)
    return local_date - (last - local_date)


def section_conditions(moments: Moments, local_date: date, windows: Windows) -> dict[str, Any]:
    """Each section's members as one SQL condition on a ticket: the digest counts and lists
    them, and the dashboard inbox filters by the same conditions, so the two always agree."""
    as_of, since = moments.as_of, moments.since
    zone = ZoneInfo(moments.timezone)
    is_open = col(Ticket.status).in_(OPEN_STATUSES)
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
    first = closing_from(local_date, windows)
    return {
        "overdue": _overdue_at(as_of, windows, zone),
        "due_soon": and_(
            is_open,
            _not_overdue_at(as_of, windows, zone),
            _overdue_at(as_of + timedelta(hours=24), windows, zone),
        ),
        # A decided ticket needs no more action, whatever the reporter answered.
        "answered": and_(is_open, col(Ticket.id).in_(answered_ids)),
        "window_closing": and_(
            is_open,
            col(Ticket.learned_date) >= first,
            col(Ticket.learned_date) <= first + timedelta(days=1),
        ),
        "new": col(Ticket.created_at) >= since,
        "stale_tips": and_(
            is_open, col(Ticket.created_at) < as_of - timedelta(days=STALE_TIP_DAYS)
        ),
        "open_questions": and_(col(Ticket.status) == "perlu_info", col(Ticket.id).in_(asked_ids)),
    }


def in_scope(moments: Moments) -> Any:
    """Every section lies within the open or new tickets received before the edition: the
    indexes on (office, status, created) and (office, created) find those without reading an
    office's decided history, which is what grows over an election."""
    return and_(
        col(Ticket.created_at) < moments.as_of,
        or_(col(Ticket.status).in_(OPEN_STATUSES), col(Ticket.created_at) >= moments.since),
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
    """One office's digest (the dashboard preview, the CLI, a re-send)."""
    return build_digests(
        session,
        [office],
        local_date,
        edition=edition,
        windows=windows,
        calendar=calendar,
        schedule=schedule,
    )[office.code]


def build_digests(
    session: Session,
    offices: Sequence[Office],
    local_date: date,
    *,
    edition: str = "pagi",
    windows: Windows,
    calendar: ElectionCalendar,
    schedule: Schedule,
) -> dict[str, Digest]:
    """Every given office's digest, as of its edition's scheduled moment, by office code.

    Offices are grouped by their moments (in practice one group per time zone) and each group
    costs five statements grouped by office, whatever the number of offices in it.
    """
    groups: dict[Moments, list[Office]] = {}
    for office in offices:
        moments = moments_of(office, local_date, edition, schedule, calendar)
        groups.setdefault(moments, []).append(office)
    built: dict[str, Digest] = {}
    for moments, members in groups.items():
        built |= _build_group(session, members, local_date, edition, moments, windows, calendar)
    return built


def _build_group(
    session: Session,
    offices: list[Office],
    local_date: date,
    edition: str,
    moments: Moments,
    windows: Windows,
    calendar: ElectionCalendar,
) -> dict[str, Digest]:
    codes = [o.code for o in offices]
    sections = _sections(session, codes, moments, local_date, windows)
    grouped = _grouped(session, codes, moments)
    totals = _status_totals(session, codes, moments.as_of)
    provinces = [o.code for o in offices if o.level == "provinsi"]
    escalated = _escalated(session, provinces, moments, windows) if provinces else {}
    national: tuple[ProvinceRow, ...] = ()
    if NATIONAL_CODE in codes:
        national = _national(session, moments.as_of, moments.since, windows)
    empty = Section(0, ())
    built: dict[str, Digest] = {}
    for office in offices:
        mine = sections.get(office.code, {})
        by_category, by_level = grouped.get(office.code, ({}, {}))
        lang = office.digest_lang or "id"
        built[office.code] = Digest(
            office_code=office.code,
            office_name=office.name,
            level=office.level,
            lang=lang,
            timezone=office.timezone,
            local_date=local_date,
            edition=edition,
            stage=calendar.describe(local_date, _region(office), lang),
            as_of=moments.as_of,
            since=moments.since,
            overdue=mine.get("overdue", empty),
            due_soon=mine.get("due_soon", empty),
            answered=mine.get("answered", empty),
            window_closing=mine.get("window_closing", empty),
            new=mine.get("new", empty),
            new_by_category=by_category,
            new_by_level=by_level,
            stale_tips=mine.get("stale_tips", empty),
            open_questions=mine.get("open_questions", empty),
            escalated=escalated.get(office.code, empty),
            national=national if office.code == NATIONAL_CODE else (),
            totals=totals.get(office.code, {}),
        )
    return built


def _sections(
    session: Session, codes: list[str], moments: Moments, local_date: date, windows: Windows
) -> dict[str, dict[str, Section]]:
    """Every section of every office in one statement: each ticket in scope is flagged once,
    window functions over (office, oldest first) count each section per office and number its
    members, and only the first ``LINE_LIMIT`` members of each section leave the database."""
    conditions = section_conditions(moments, local_date, windows)
    office = col(Ticket.office_code)
    flagged = (
        sa_select(
            *_LINE_COLUMNS,
            *(case((c, 1), else_=0).label(name) for name, c in conditions.items()),
        )
        .where(office.in_(codes), in_scope(moments))
        .subquery("flagged")
    )
    within = flagged.c.office_code
    order = (flagged.c.created_at, flagged.c.id)
    counted = sa_select(
        flagged,
        *(func.sum(flagged.c[n]).over(partition_by=within).label(f"{n}_total") for n in conditions),
        *(
            func.sum(flagged.c[n]).over(partition_by=within, order_by=order).label(f"{n}_nth")
            for n in conditions
        ),
    ).subquery("counted")
    kept = or_(*(and_(counted.c[n] == 1, counted.c[f"{n}_nth"] <= LINE_LIMIT) for n in conditions))
    # Core, not the ORM: tens of thousands of plain rows, no entities to load.
    rows = (
        session.connection()
        .execute(
            sa_select(counted).where(kept).order_by(counted.c.office_code, *_in(counted, order))
        )
        .all()
    )
    zone = ZoneInfo(moments.timezone)
    names = list(conditions)
    flags = len(_LINE_COLUMNS)  # the row: line columns, then flags, totals and numbers
    found: dict[str, dict[str, tuple[int, list[TicketLine]]]] = {}
    for r in rows:
        line = _line(r, windows, zone)
        mine = found.get(line.office_code)
        if mine is None:
            totals = r[flags + len(names) : flags + 2 * len(names)]
            mine = found[line.office_code] = {
                name: (int(total), []) for name, total in zip(names, totals, strict=True)
            }
        member = r[flags : flags + len(names)]
        nth = r[flags + 2 * len(names) :]
        for n, name in enumerate(names):
            if member[n] and nth[n] <= LINE_LIMIT:
                mine[name][1].append(line)
    return {
        code: {name: Section(total, tuple(lines)) for name, (total, lines) in mine.items()}
        for code, mine in found.items()
    }


def _in(subquery: Any, columns: tuple[Any, ...]) -> list[Any]:
    """The same columns as seen through ``subquery``."""
    return [subquery.c[c.name] for c in columns]


def _grouped(
    session: Session, codes: list[str], moments: Moments
) -> dict[str, tuple[dict[str, int], dict[str, int]]]:
    """New tickets counted by category and by institution level, per office, in one GROUP BY."""
    rows = session.execute(
        sa_select(
            col(Ticket.office_code),
            col(Ticket.category),
            col(Ticket.institution_level),
            func.count(),
        )
        .where(
            col(Ticket.office_code).in_(codes),
            col(Ticket.created_at) >= moments.since,
            col(Ticket.created_at) < moments.as_of,
        )
        .group_by(Ticket.office_code, Ticket.category, Ticket.institution_level)
    ).all()
    counts: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
    for office, category, level, count in rows:
        by_category, by_level = counts.setdefault(str(office), ({}, {}))
        by_category[str(category)] = by_category.get(str(category), 0) + int(count)
        by_level[str(level)] = by_level.get(str(level), 0) + int(count)

    def ordered(found: dict[str, int]) -> dict[str, int]:
        return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))

    return {code: (ordered(c), ordered(lv)) for code, (c, lv) in counts.items()}


def _status_totals(
    session: Session, codes: list[str], as_of: datetime
) -> dict[str, dict[str, int]]:
    """Tickets per status per office, in the workflow's order."""
    rows = session.execute(
        sa_select(col(Ticket.office_code), col(Ticket.status), func.count())
        .where(col(Ticket.office_code).in_(codes), col(Ticket.created_at) < as_of)
        .group_by(Ticket.office_code, Ticket.status)
    ).all()
    totals: dict[str, dict[str, int]] = {}
    rank = {status: n for n, status in enumerate(STATUSES)}
    for office, status, count in sorted(rows, key=lambda r: rank.get(r[1], len(rank))):
        totals.setdefault(str(office), {})[str(status)] = int(count)
    return totals


def escalated_condition(provinces: Sequence[str], as_of: datetime) -> Any:
    """A Bawaslu Provinsi's escalations: its kab/kota tickets that the escalation job marked for
    it (past their deadline) and that are still open, as of the edition. Exactly the other
    offices' tickets its inbox shows it, so the digest never lists one it cannot open."""
    return and_(
        col(Ticket.escalated_to).in_(provinces),
        col(Ticket.escalated_at) < as_of,
        col(Ticket.created_at) < as_of,
        col(Ticket.status).in_(OPEN_STATUSES),
    )


def _escalated(
    session: Session, provinces: list[str], moments: Moments, windows: Windows
) -> dict[str, Section]:
    """Each Bawaslu Provinsi's escalations, counted and numbered per province in one
    statement (a range of the partial index on ``escalated_to``)."""
    province = col(Ticket.escalated_to)
    ranked = (
        sa_select(
            province.label("province"),
            *_LINE_COLUMNS,
            func.count().over(partition_by=province).label("total"),
            func.row_number().over(partition_by=province, order_by=_ORDER).label("nth"),
        )
        .where(escalated_condition(provinces, moments.as_of))
        .subquery("ranked")
    )
    rows = (
        session.connection()
        .execute(
            sa_select(ranked)
            .where(ranked.c.nth <= LINE_LIMIT)
            .order_by(ranked.c.province, ranked.c.nth)
        )
        .all()
    )
    zone = ZoneInfo(moments.timezone)
    found: dict[str, tuple[int, list[TicketLine]]] = {}
    for r in rows:
        _, lines = found.setdefault(r.province, (int(r.total), []))
        lines.append(_line(r, windows, zone))
    return {code: Section(total, tuple(lines)) for code, (total, lines) in found.items()}


# What the dashboard link of a digest filters on: every section, or one of them.
SECTIONS = (
    "overdue",
    "due_soon",
    "answered",
    "window_closing",
    "new",
    "stale_tips",
    "open_questions",
    "escalated",
)


def listed_in_digest(
    office: Office,
    local_date: date,
    *,
    edition: str = "pagi",
    sections: Sequence[str] = SECTIONS,
    windows: Windows,
    calendar: ElectionCalendar,
    schedule: Schedule,
) -> Any:
    """Every ticket that office's digest lists in ``sections`` (all members, also those the
    message cut as "dan N lainnya"), as one SQL condition for the inbox: built from the very
    conditions the digest counts with, so the link opens exactly the digest's tickets."""
    moments = moments_of(office, local_date, edition, schedule, calendar)
    conditions = section_conditions(moments, local_date, windows)
    own = [conditions[name] for name in sections if name in conditions]
    parts: list[Any] = []
    if own:
        parts.append(and_(col(Ticket.office_code) == office.code, in_scope(moments), or_(*own)))
    if "escalated" in sections and office.level == "provinsi":
        parts.append(escalated_condition([office.code], moments.as_of))
    return or_(*parts) if parts else false()


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
