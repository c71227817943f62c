"""The inbox, API and CSV listing: keyset pages over the tickets an officer may see.

Why this shape: at a million tickets, ``OFFSET`` reads and throws away every earlier row, and
one ``WHERE office = X OR escalated_to = X ORDER BY …`` cannot walk a single index in order.
So a page is assembled from a few *lanes*, each one statement that is a range scan of one
index in its own order, merged here by the sort key:

- visibility: the office's own tickets, and those escalated to it (``escalated_to``);
- the deadline sort: tickets without and with an information request, whose due moments are
  receipt + processing days and receipt + processing + extension days (a constant shift each);
- overdue first: the overdue segment is read to its end before the rest begins.

A cursor is the last row's position (segment, sort key, id), so page 1,000 costs what page 1
costs. Only plain columns are read: no ciphertext is fetched or decrypted for a list.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, false, literal_column, not_, true, tuple_
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from storage.models import Ticket
from storage.regions import Region, RegionDirectory, office_timezone
from storage.tickets import format_code
from storage.workflow import OPEN_STATUSES, Windows, escalation_cutoff

SORTS = ("received", "deadline", "updated")
# The natural direction of each sort: the newest first, or the most urgent deadline first.
DEFAULT_DESCENDING = {"received": True, "deadline": False, "updated": True}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Listed:
    """A ticket as a list shows it: plain routing columns only, never the encrypted ones."""

    id: int
    code: str
    status: str
    category: str
    region_code: str
    office_code: str
    institution_level: str
    incident_date: date
    learned_date: date
    late: bool
    lang: str
    created_at: datetime
    updated_at: datetime
    info_requested_at: datetime | None
    escalated_at: datetime | None
    escalated_to: str | None
    assignee_id: int | None
    # --- issue 9: the non-identifying facts (the CSV carries them) ---
    race: str
    employment: str
    how_known: str | None
    witnesses_willing: str | None
    incident_time: str | None
    gakkumdu: bool
    extra_categories: str
    destination: str | None
    destination_date: date | None


_COLUMNS: tuple[Any, ...] = tuple(getattr(Ticket, f.name) for f in fields(Listed))


@dataclass(frozen=True)
class Viewer:
    """Whose tickets: an office (and whether the account may see anything at all)."""

    office_code: str
    active: bool = True


@dataclass(frozen=True)
class Criteria:
    """What the officer filtered on; every field narrows, none widens."""

    status: str | None = None
    category: str | None = None
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    assignee_id: int | None = None
    unassigned: bool = False
    code: str | None = None  # a whole ticket code or its beginning, as typed
    # Only the tickets a daily digest listed (``storage.digest.listed_in_digest``): the
    # digest's link opens the inbox on exactly what the digest said.
    within: ColumnElement[bool] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Sort:
    key: str = "received"
    descending: bool = True
    overdue_first: bool = True

    @classmethod
    def parse(
        cls, key: str | None, order: str | None = None, *, overdue_first: bool = True
    ) -> Sort:
        """Unknown values fall back to the default sort rather than being refused."""
        chosen = key if key in SORTS else "received"
        descending = {"desc": True, "asc": False}.get(order or "", DEFAULT_DESCENDING[chosen])
        return cls(chosen, descending, overdue_first)


@dataclass(frozen=True, order=True)
class Position:
    """Where a row stands in the listing order; a cursor is one of these, encoded."""

    segment: int
    key: datetime
    id: int

    def encode(self) -> str:
        micros = (self.key - _EPOCH) // timedelta(microseconds=1)
        raw = f"{self.segment}.{micros}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Position | None:
        """None for a missing or malformed cursor: the listing then starts from the top."""
        if not text:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            segment, micros, ident = (int(part) for part in raw.split("."))
            return cls(segment, _EPOCH + timedelta(microseconds=micros), ident)
        except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
            return None


@dataclass(frozen=True)
class Page:
    rows: list[Listed]
    next: str | None  # cursor for the following page, when there is one
    previous: str | None  # cursor for the page before, when there is one


@dataclass(frozen=True)
class _Lane:
    """One index-ordered stream: rows matching ``where``, ordered by ``column`` (+ ``shift``)."""

    where: tuple[ColumnElement[bool], ...]
    column: InstrumentedAttribute[Any]
    shift: timedelta = timedelta(0)
    info_requested: bool | None = None  # known per deadline lane, else either


@dataclass(frozen=True)
class Listing:
    """A listing's fixed parts: who looks, what they filter, the order, and the clock."""

    viewer: Viewer
    criteria: Criteria
    sort: Sort
    windows: Windows
    now: datetime
    _cutoffs: tuple[datetime, datetime] = field(init=False)

    def __post_init__(self) -> None:
        # Windows end at the end of the viewer's local day (a province's kab/kota share its zone).
        zone = ZoneInfo(office_timezone(self.viewer.office_code))
        object.__setattr__(self, "_cutoffs", escalation_cutoff(self.now, self.windows, zone))

    # --- the pieces of each statement ------------------------------------------------------

    def _visibility(self) -> list[ColumnElement[bool]]:
        if not self.viewer.active:
            return []
        office = self.viewer.office_code
        return [
            col(Ticket.office_code) == office,
            and_(col(Ticket.escalated_to).is_not(None), col(Ticket.escalated_to) == office),
        ]

    def _lanes(self) -> list[_Lane]:
        if self.sort.key == "updated":
            return [_Lane((), Ticket.updated_at)]  # type: ignore[arg-type]
        if self.sort.key == "deadline":
            w = self.windows
            return [
                _Lane(
                    (col(Ticket.info_requested_at).is_(None),),
                    Ticket.created_at,  # type: ignore[arg-type]
                    timedelta(days=w.processing_days),
                    False,
                ),
                _Lane(
                    (col(Ticket.info_requested_at).is_not(None),),
                    Ticket.created_at,  # type: ignore[arg-type]
                    timedelta(days=w.processing_days + w.info_extension_days),
                    True,
                ),
            ]
        return [_Lane((), Ticket.created_at)]  # type: ignore[arg-type]

    def _overdue(self, lane: _Lane) -> ColumnElement[bool]:
        plain, extended = self._cutoffs
        created = col(Ticket.created_at)
        if lane.info_requested is None:
            # One comparison, not an OR of two ranges: the planner then walks the sort
            # index and filters, instead of collecting and sorting every overdue ticket.
            due_before = case((col(Ticket.info_requested_at).is_(None), plain), else_=extended)
            late = created < due_before
        else:
            late = created < (extended if lane.info_requested else plain)
        return and_(is_open(), late)

    def _segments(self) -> list[int]:
        """0 is the overdue segment, 1 the rest; without overdue-first there is one (-1)."""
        if self.criteria.overdue:
            return [0]
        return [0, 1] if self.sort.overdue_first else [-1]

    def _segment_clause(self, segment: int, lane: _Lane) -> ColumnElement[bool]:
        if segment == 0:
            return self._overdue(lane)
        if segment == 1:
            return not_(self._overdue(lane))
        return true()

    def _filters(self) -> list[ColumnElement[bool]]:
        c = self.criteria
        where: list[ColumnElement[bool]] = []
        if c.status:
            where.append(col(Ticket.status) == c.status)
        if c.category:
            where.append(col(Ticket.category) == c.category)
        if c.region:
            where.append(col(Ticket.region_code) == c.region)
        if c.date_from:
            where.append(col(Ticket.created_at) >= datetime.combine(c.date_from, time.min, UTC))
        if c.date_to:
            end = datetime.combine(c.date_to + timedelta(days=1), time.min, UTC)
            where.append(col(Ticket.created_at) < end)
        if c.assignee_id is not None:
            where.append(col(Ticket.assignee_id) == c.assignee_id)
        if c.unassigned:
            where.append(col(Ticket.assignee_id).is_(None))
        if c.code:
            where.append(_code_clause(c.code))
        if c.within is not None:
            where.append(c.within)
        return where

    def statement(
        self,
        segment: int,
        visibility: ColumnElement[bool],
        lane: _Lane,
        *,
        bound: Position | None,
        backwards: bool,
        limit: int,
    ) -> Select[Any]:
        """One lane of one segment: a single index range scan, in the index's order."""
        descending = self.sort.descending != backwards
        query = select(*_COLUMNS).where(
            visibility, *lane.where, self._segment_clause(segment, lane), *self._filters()
        )
        if bound is not None:
            at = tuple_(lane.column, Ticket.id)
            edge = tuple_(bound.key - lane.shift, bound.id)
            query = query.where(at < edge if descending else at > edge)
        if descending:
            query = query.order_by(lane.column.desc(), col(Ticket.id).desc())
        else:
            query = query.order_by(lane.column.asc(), col(Ticket.id).asc())
        return query.limit(limit)

    def statements(self, *, bound: Position | None = None, limit: int = 101) -> list[Select[Any]]:
        """Every statement a page may run (for EXPLAIN checks), each segment and lane."""
        return [
            self.statement(s, v, lane, bound=bound, backwards=False, limit=limit)
            for s in self._segments()
            for v in self._visibility()
            for lane in self._lanes()
        ]

    # --- running it ----------------------------------------------------------------------

    def _fetch(
        self, session: Session, segment: int, bound: Position | None, need: int, backwards: bool
    ) -> list[tuple[Position, Listed]]:
        found: list[tuple[Position, Listed]] = []
        for visibility in self._visibility():
            for lane in self._lanes():
                query = self.statement(
                    segment, visibility, lane, bound=bound, backwards=backwards, limit=need
                )
                # Core execution: plain rows, without the ORM's per-row bookkeeping.
                for row in session.connection().execute(query):
                    listed = _listed(row)
                    key = _aware(getattr(listed, lane.column.key)) + lane.shift
                    found.append((Position(segment, key, listed.id), listed))
        descending = self.sort.descending != backwards
        found.sort(key=lambda item: (item[0].key, item[0].id), reverse=descending)
        return found[:need]

    def _walk(
        self, session: Session, start: Position | None, need: int, backwards: bool
    ) -> list[tuple[Position, Listed]]:
        """Up to ``need`` rows strictly past ``start`` in the chosen direction."""
        segments = self._segments()
        if backwards:
            segments = segments[::-1]
        if start is not None and start.segment in segments:
            segments = segments[segments.index(start.segment) :]
        rows: list[tuple[Position, Listed]] = []
        for segment in segments:
            bound = start if start is not None and start.segment == segment else None
            rows += self._fetch(session, segment, bound, need - len(rows), backwards)
            if len(rows) >= need:
                break
        return rows

    def page(
        self, session: Session, *, limit: int, after: str | None = None, before: str | None = None
    ) -> Page:
        """``limit`` rows after the ``after`` cursor (or before ``before``), with both cursors."""
        back = Position.decode(before)
        if back is not None:
            rows = self._walk(session, back, limit + 1, backwards=True)
            more_before = len(rows) > limit
            rows = rows[:limit][::-1]
            return Page(
                [r for _, r in rows],
                next=rows[-1][0].encode() if rows else None,
                previous=rows[0][0].encode() if rows and more_before else None,
            )
        start = Position.decode(after)
        rows = self._walk(session, start, limit + 1, backwards=False)
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(
            [r for _, r in rows],
            next=rows[-1][0].encode() if more else None,
            previous=rows[0][0].encode() if start is not None and rows else None,
        )

    def iterate(self, open_session: Any, *, batch: int = 1000) -> Iterator[Listed]:
        """Every matching row, a batch per short transaction: constant memory for any size.

        ``open_session`` makes a session (e.g. ``lambda: Session(engine)``); none is held
        open between batches, so a slow download keeps no snapshot or lock.
        """
        start: Position | None = None
        while True:
            with open_session() as session:
                rows = self._walk(session, start, batch, backwards=False)
            for _, listed in rows:
                yield listed
            if len(rows) < batch:
                return
            start = rows[-1][0]


def is_open() -> ColumnElement[bool]:
    """The processing clock runs. Literal values, so PostgreSQL matches the partial indexes
    even under a generic (prepared) plan."""
    return col(Ticket.status).in_([literal_column(f"'{s}'") for s in OPEN_STATUSES])


def _code_clause(text: str) -> ColumnElement[bool]:
    """A whole code matches exactly; a beginning ("ACD", "acd-e") matches as a prefix."""
    whole = format_code(text)
    if whole is not None:
        return col(Ticket.code) == whole
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())[:6]
    if not cleaned:
        return true()
    prefix = cleaned if len(cleaned) <= 3 else f"{cleaned[:3]}-{cleaned[3:]}"
    # Only letters, digits and the dash reach LIKE: nothing to escape.
    return col(Ticket.code).like(f"{prefix}%") if prefix.isascii() else false()


def _listed(row: Any) -> Listed:
    listed = Listed(*row)
    if listed.created_at.tzinfo is not None:
        return listed  # PostgreSQL: already aware
    return replace(
        listed,
        created_at=_aware(listed.created_at),
        updated_at=_aware(listed.updated_at),
        info_requested_at=listed.info_requested_at and _aware(listed.info_requested_at),
        escalated_at=listed.escalated_at and _aware(listed.escalated_at),
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes; PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def region_choices(directory: RegionDirectory, office_code: str) -> list[Region]:
    """The regions an office's tickets can come from, from the region list, not the tickets.

    A kab/kota office gets its own region; a Bawaslu Provinsi its province and its kab/kota
    (its own cases and the escalated ones); Bawaslu RI every region.
    """
    region = directory.get(office_code)
    if region is None:
        return list(directory.all())
    if region.level != "provinsi":
        return [region]
    return [region, *(r for r in directory.kabkota() if r.parent_code == region.code)]


def sorted_by_name(regions: Sequence[Region]) -> list[tuple[str, str]]:
    return sorted(((r.code, r.name) for r in regions), key=lambda item: item[1])
