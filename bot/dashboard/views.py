"""What an officer sees of a ticket, built explicitly from the table rows.

Nothing here reads a ``Reporter`` row: the views below are the only shapes in which tickets
leave storage for pages, CSV and the API, and none of them has a field for the reporter.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import false
from sqlmodel import Session, col, select

from bot.runtime import Netra, utcnow
from handlers.categories import CATEGORIES
from storage.access import is_escalated_to
from storage.digest import EDITIONS, SECTIONS, listed_in_digest
from storage.listing import SORTS, Criteria, Listed, Listing, Page, Sort, Viewer, sorted_by_name
from storage.listing import region_choices as listed_regions
from storage.models import Evidence, Office, Officer, Ticket, TicketEvent
from storage.tickets import STATUSES
from storage.workflow import Clocks, Windows, clocks

INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
PAGE_SIZE = 100


def windows_of(netra: Netra) -> Windows:
    s = netra.settings
    return Windows(
        reporting_days=s.reporting_window_days,
        processing_days=s.processing_days,
        info_extension_days=s.info_extension_days,
        learned_day_is_day_zero=s.learned_day_is_day_zero,
    )


@dataclass(frozen=True)
class ClockView:
    reporting_deadline: date
    open: bool
    overdue: bool
    hours_left: int
    due: str
    due_at: datetime
    zone: str = "Asia/Jakarta"  # the office's, for formatting ``due_at`` on a page


@dataclass(frozen=True)
class TicketView:
    id: int
    code: str
    status: str
    category: str
    category_refs: str
    region_code: str
    region_name: str
    office_code: str
    office_name: str
    institution_level: str
    incident_date: date
    learned_date: date
    late: bool
    received: str
    received_at: datetime
    escalated: bool
    escalated_here: bool
    clocks: ClockView
    accused_position: str = ""
    accused_name: str | None = None
    description: str = ""
    witnesses: str | None = None
    assignee_id: int | None = None


@dataclass
class Offices:
    """Office rows looked up once per request."""

    session: Session
    cache: dict[str, Office | None] = field(default_factory=dict)

    def get(self, code: str) -> Office | None:
        if code not in self.cache:
            self.cache[code] = self.session.get(Office, code)
        return self.cache[code]

    def name(self, code: str) -> str:
        office = self.get(code)
        return office.name if office else code

    def zone(self, code: str) -> ZoneInfo:
        office = self.get(code)
        return ZoneInfo(office.timezone if office else "Asia/Jakarta")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return _aware(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def ticket_view(
    netra: Netra,
    offices: Offices,
    ticket: Ticket | Listed,
    officer: Officer,
    now: datetime,
    *,
    content: bool = False,
) -> TicketView:
    """A ticket for display; ``content`` adds the decrypted free text (ticket page, API detail)."""
    zone = offices.zone(ticket.office_code)
    c: Clocks = clocks(
        learned_date=ticket.learned_date,
        late=ticket.late,
        created_at=ticket.created_at,
        info_requested_at=ticket.info_requested_at,
        status=ticket.status,
        now=now,
        windows=windows_of(netra),
        zone=zone,
    )
    region = netra.regions.get(ticket.region_code)
    refs = next((cat.refs for cat in CATEGORIES if cat.key == ticket.category), "")
    assert ticket.id is not None
    view = TicketView(
        id=ticket.id,
        code=ticket.code,
        status=ticket.status,
        category=ticket.category,
        category_refs=refs,
        region_code=ticket.region_code,
        region_name=region.name if region else ticket.region_code,
        office_code=ticket.office_code,
        office_name=offices.name(ticket.office_code),
        institution_level=ticket.institution_level,
        incident_date=ticket.incident_date,
        learned_date=ticket.learned_date,
        late=ticket.late,
        received=local_time(ticket.created_at, zone),
        received_at=_aware(ticket.created_at),
        escalated=ticket.escalated_at is not None,
        escalated_here=is_escalated_to(officer, ticket),
        clocks=ClockView(
            reporting_deadline=c.reporting_deadline,
            open=c.open,
            overdue=c.overdue,
            hours_left=max(0, c.remaining_hours),
            due=local_time(c.processing_due, zone),
            due_at=c.processing_due,
            zone=zone.key,
        ),
        assignee_id=ticket.assignee_id,
    )
    if not content or not isinstance(ticket, Ticket):
        return view
    return TicketView(
        **{
            **view.__dict__,
            "accused_position": ticket.accused_position,
            "accused_name": ticket.accused_name,
            "description": ticket.description,
            "witnesses": ticket.witnesses,
        }
    )


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    category: str | None = None
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    q: str | None = None  # a ticket code or its beginning
    assignee: str | None = None  # "me", "none" or an officer id
    sort: str = "received"
    order: str | None = None  # "asc" | "desc"; None: the sort's natural direction
    # A daily digest's link: only what that digest listed (all sections, or one).
    digest: date | None = None
    edition: str = "pagi"
    section: str | None = None

    @classmethod
    def parse(
        cls,
        status: str | None,
        category: str | None,
        region: str | None,
        date_from: str | None,
        date_to: str | None,
        *,
        overdue: str | None = None,
        q: str | None = None,
        assignee: str | None = None,
        sort: str | None = None,
        order: str | None = None,
        digest: str | None = None,
        edition: str | None = None,
        section: str | None = None,
    ) -> Filters:
        """Unknown or malformed values are dropped rather than refused: a filter, not a form."""
        categories = {c.key for c in CATEGORIES}
        who = (assignee or "").strip().lower()
        return cls(
            status=status if status in STATUSES else None,
            category=category if category in categories else None,
            region=(region or "").strip()[:8] or None,
            date_from=_date(date_from),
            date_to=_date(date_to),
            overdue=(overdue or "").lower() in ("1", "true", "on", "yes"),
            q=(q or "").strip()[:16] or None,
            assignee=who if who in ("me", "none") or who.isdigit() else None,
            sort=sort if sort in SORTS else "received",
            order=order if order in ("asc", "desc") else None,
            digest=_date(digest),
            edition=edition if edition in EDITIONS else "pagi",
            section=section if section in SECTIONS else None,
        )

    def criteria(self, officer: Officer) -> Criteria:
        assignee_id = None
        if self.assignee == "me":
            assignee_id = officer.id
        elif self.assignee and self.assignee.isdigit():
            assignee_id = int(self.assignee)
        return Criteria(
            status=self.status,
            category=self.category,
            region=self.region,
            date_from=self.date_from,
            date_to=self.date_to,
            overdue=self.overdue,
            assignee_id=assignee_id,
            unassigned=self.assignee == "none",
            code=self.q,
        )

    def query(self) -> dict[str, str]:
        """The filters as query-string values (empty ones left out), for links and audit."""
        values = {
            "status": self.status or "",
            "category": self.category or "",
            "region": self.region or "",
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "overdue": "1" if self.overdue else "",
            "q": self.q or "",
            "assignee": self.assignee or "",
            "sort": self.sort if self.sort != "received" else "",
            "order": self.order or "",
            "digest": self.digest.isoformat() if self.digest else "",
            "edition": self.edition if self.digest and self.edition != "pagi" else "",
            "section": self.section if self.digest else "",
        }
        return {k: v for k, v in values.items() if v}


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def listing(
    netra: Netra, officer: Officer, filters: Filters, now: datetime, session: Session
) -> Listing:
    """The officer's visible tickets under ``filters``: overdue first, then the chosen order."""
    criteria = filters.criteria(officer)
    if filters.digest is not None:
        criteria = replace(criteria, within=_digest_condition(session, netra, officer, filters))
    return Listing(
        viewer=Viewer(officer.office_code, officer.active),
        criteria=criteria,
        sort=Sort.parse(filters.sort, filters.order),
        windows=windows_of(netra),
        now=now,
    )


def inbox(
    session: Session,
    netra: Netra,
    officer: Officer,
    filters: Filters,
    *,
    limit: int,
    after: str | None = None,
    before: str | None = None,
) -> Page:
    """One keyset page of the officer's inbox (see ``storage.listing``)."""
    return listing(netra, officer, filters, utcnow(), session).page(
        session, limit=limit, after=after, before=before
    )


def _digest_condition(session: Session, netra: Netra, officer: Officer, filters: Filters) -> Any:
    """The tickets the officer's office's digest of ``filters.digest`` listed."""
    from bot.digests import DigestConfig

    office = session.get(Office, officer.office_code)
    assert filters.digest is not None
    if office is None:
        return false()
    config = DigestConfig.from_settings(netra.settings).with_edits(session)
    return listed_in_digest(
        office,
        filters.digest,
        edition=filters.edition,
        sections=[filters.section] if filters.section else SECTIONS,
        windows=config.windows,
        calendar=config.calendar,
        schedule=config.schedule,
    )


def region_choices(netra: Netra, officer: Officer) -> list[tuple[str, str]]:
    """The kab/kota filter's choices, from the region list: never a scan of the tickets."""
    return sorted_by_name(listed_regions(netra.regions, officer.office_code))


@dataclass(frozen=True)
class EvidenceView:
    id: int
    kind: str
    content_type: str | None
    size: int
    filename: str | None
    link: str | None
    url: str
    inline: bool
    safe_link: bool


def evidence_views(session: Session, ticket: Ticket) -> list[EvidenceView]:
    rows = session.exec(
        select(Evidence).where(Evidence.ticket_id == ticket.id).order_by(col(Evidence.id))
    ).all()
    views = []
    for ev in rows:
        assert ev.id is not None
        views.append(
            EvidenceView(
                id=ev.id,
                kind=ev.kind,
                content_type=ev.content_type,
                size=ev.size,
                filename=ev.filename,
                link=ev.link,
                url=f"/dashboard/tickets/{ticket.code}/evidence/{ev.id}",
                inline=(ev.content_type or "") in INLINE_TYPES,
                safe_link=(ev.link or "").startswith(("https://", "http://")),
            )
        )
    return views


@dataclass(frozen=True)
class EventView:
    at: str
    kind: str
    officer: str | None
    from_status: str | None
    to_status: str | None
    from_office: str | None
    to_office: str | None
    body: str | None
    evidence_url: str | None
    moment: datetime | None = None  # ``at`` as a moment, for the page's own date format


def timeline(session: Session, ticket: Ticket, zone: ZoneInfo) -> list[EventView]:
    """Oldest first, beginning with the report's arrival."""
    events: list[EventView] = [
        EventView(
            at=local_time(ticket.created_at, zone),
            kind="created",
            officer=None,
            from_status=None,
            to_status="baru",
            from_office=None,
            to_office=None,
            body=None,
            evidence_url=None,
            moment=_aware(ticket.created_at),
        )
    ]
    rows = session.exec(
        select(TicketEvent, Officer.display_name)
        .join(Officer, col(Officer.id) == col(TicketEvent.officer_id), isouter=True)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(col(TicketEvent.at), col(TicketEvent.id))
    ).all()
    for event, name in rows:
        if event.kind == "created":
            continue
        events.append(
            EventView(
                at=local_time(event.at, zone),
                kind=event.kind,
                officer=name,
                from_status=event.from_status,
                to_status=event.to_status,
                from_office=event.from_office,
                to_office=event.to_office,
                body=event.body,
                evidence_url=(
                    f"/dashboard/tickets/{ticket.code}/evidence/{event.evidence_id}"
                    if event.evidence_id
                    else None
                ),
                moment=_aware(event.at),
            )
        )
    return events
