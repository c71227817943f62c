"""The JSON API (``/api/v1``): the dashboard's reads and status changes for office systems.

Authenticated with a Bearer token (``netra officers token USERNAME``), scoped exactly like the
officer's dashboard through ``storage.access``: another office's ticket is a 404. The response
models below are the whole contract and have no field for anything about the reporter.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from bot.dashboard.auth import ApiOfficer, DbSession, netra_of
from bot.dashboard.views import (
    Filters,
    Offices,
    TicketView,
    evidence_views,
    inbox,
    ticket_view,
    windows_of,
)
from bot.runtime import utcnow
from handlers import casework
from storage import audit
from storage.access import ticket_for
from storage.models import Ticket
from storage.workflow import WorkflowError, allowed_next


class Deadlines(BaseModel):
    reporting_deadline: date = Field(
        description="last day of the reporting window (7 days, the learned day as day 1 unless "
        "NETRA_LEARNED_DAY_IS_DAY_ZERO)"
    )
    reported_late: bool = Field(description="the report arrived after the reporting window")
    processing_due: datetime = Field(
        description="end of the office's local day 3 days after receipt (5 if info was asked "
        "within the 3 days)"
    )
    open: bool = Field(description="the processing clock is running (no decision yet)")
    overdue: bool


class TicketSummary(BaseModel):
    code: str
    status: str
    category: str
    region_code: str
    region_name: str
    office_code: str
    institution_level: str
    incident_date: date
    learned_date: date
    received_at: datetime
    escalated: bool
    deadlines: Deadlines


class EvidenceItem(BaseModel):
    id: int
    kind: str
    content_type: str | None
    size: int
    filename: str | None
    link: str | None


class TimelineEntry(BaseModel):
    at: str
    kind: str
    officer: str | None
    from_status: str | None
    to_status: str | None
    from_office: str | None
    to_office: str | None
    body: str | None


class TicketFacts(BaseModel):
    race: str = Field(description="gubernur | bupati_walikota | keduanya | unknown")
    employment: str = Field(
        description="pns | pppk | honorer | desa | tni | polri | bumn | unknown"
    )
    accused_nip: str | None
    place: str | None
    incident_time: str | None
    how_known: str | None = Field(description="saw | told | social")
    witnesses_willing: str | None = Field(description="ya | tidak | unknown")
    gakkumdu: bool = Field(description="possible vote buying")
    extra_categories: list[str]
    destination: str | None
    destination_ref: str | None
    destination_date: date | None


class TicketDetail(TicketSummary):
    accused_position: str
    accused_name: str | None
    description: str
    witnesses: str | None
    allowed_next_statuses: list[str]
    facts: TicketFacts | None = None
    evidence: list[EvidenceItem]
    timeline: list[TimelineEntry]


class StatusChange(BaseModel):
    status: str = Field(description="one of the allowed next statuses", max_length=24)
    note: str = Field(
        description="internal note (required, not sent to the reporter)",
        min_length=1,
        max_length=4000,
    )
    destination: str | None = Field(
        default=None,
        description="for ditindaklanjuti: temuan | bkn | inspektorat | propam | pom | gakkumdu "
        "| lainnya",
    )
    register_number: str | None = Field(
        default=None, max_length=64, description="for a temuan: its register number"
    )
    register_date: date | None = Field(default=None, description="for a temuan: register date")


class ApiError(BaseModel):
    detail: str


def _summary(view: TicketView) -> dict[str, object]:
    return {
        "code": view.code,
        "status": view.status,
        "category": view.category,
        "region_code": view.region_code,
        "region_name": view.region_name,
        "office_code": view.office_code,
        "institution_level": view.institution_level,
        "incident_date": view.incident_date,
        "learned_date": view.learned_date,
        "received_at": view.received_at,
        "escalated": view.escalated,
        "deadlines": Deadlines(
            reporting_deadline=view.clocks.reporting_deadline,
            reported_late=view.late,
            processing_due=view.clocks.due_at,
            open=view.clocks.open,
            overdue=view.clocks.overdue,
        ),
    }


def router() -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["tickets"])
    not_found: dict[int | str, dict[str, Any]] = {
        404: {"model": ApiError, "description": "no such ticket for this office"}
    }

    @api.get("/tickets", response_model=list[TicketSummary])
    def list_tickets(
        request: Request,
        response: Response,
        session: DbSession,
        officer: ApiOfficer,
        status: str | None = None,
        category: str | None = None,
        region: str | None = None,
        date_from: Annotated[
            str | None, Query(description="received on or after (YYYY-MM-DD)")
        ] = None,
        date_to: Annotated[
            str | None, Query(description="received on or before (YYYY-MM-DD)")
        ] = None,
        overdue: Annotated[
            bool, Query(description="only open tickets past their processing window")
        ] = False,
        q: Annotated[
            str | None,
            Query(
                description="a ticket code or its beginning, or whole words of the report "
                "(all must occur; no parts of words)"
            ),
        ] = None,
        assignee: Annotated[str | None, Query(description='"me", "none" or an officer id')] = None,
        sort: Annotated[
            str, Query(description="received | deadline | updated (overdue tickets come first)")
        ] = "received",
        order: Annotated[
            str | None, Query(description="asc | desc (default: the sort's natural order)")
        ] = None,
        cursor: Annotated[
            str | None,
            Query(max_length=80, description="the X-Next-Cursor of the previous page"),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[TicketSummary]:
        """The tickets visible to the token's officer, a page at a time.

        Pages are keyset pages: pass the ``X-Next-Cursor`` response header as ``cursor`` for
        the next one (also given as a ``Link: <…>; rel="next"`` header); no header, no more.
        """
        netra = netra_of(request)
        filters = Filters.parse(
            status,
            category,
            region,
            date_from,
            date_to,
            overdue=str(overdue),
            q=q,
            assignee=assignee,
            sort=sort,
            order=order,
        )
        page = inbox(session, netra, officer, filters, limit=limit, after=cursor)
        now = utcnow()
        offices = Offices(session)
        result = [
            TicketSummary(**_summary(ticket_view(netra, offices, t, officer, now)))
            for t in page.rows
        ]
        if page.next:
            response.headers["X-Next-Cursor"] = page.next
            following = request.url.include_query_params(cursor=page.next)
            response.headers["Link"] = f'<{following}>; rel="next"'
        audit.record(session, "api_list", now=now, officer=officer, detail=f"rows={len(result)}")
        session.commit()
        return result

    def _detail(
        request: Request, session: DbSession, officer: ApiOfficer, ticket: Ticket
    ) -> TicketDetail:
        from bot.dashboard.views import timeline

        netra = netra_of(request)
        offices = Offices(session)
        view = ticket_view(netra, offices, ticket, officer, utcnow(), content=True)
        return TicketDetail(
            **_summary(view),
            accused_position=view.accused_position,
            accused_name=view.accused_name,
            description=view.description,
            witnesses=view.witnesses,
            allowed_next_statuses=list(allowed_next(ticket.status)),
            facts=TicketFacts(
                race=ticket.race,
                employment=ticket.employment,
                accused_nip=ticket.accused_nip,
                place=ticket.place,
                incident_time=ticket.incident_time,
                how_known=ticket.how_known,
                witnesses_willing=ticket.witnesses_willing,
                gakkumdu=ticket.gakkumdu,
                extra_categories=[c for c in ticket.extra_categories.split(",") if c],
                destination=ticket.destination,
                destination_ref=ticket.destination_ref,
                destination_date=ticket.destination_date,
            ),
            evidence=[
                EvidenceItem(
                    id=e.id,
                    kind=e.kind,
                    content_type=e.content_type,
                    size=e.size,
                    filename=e.filename,
                    link=e.link,
                )
                for e in evidence_views(session, ticket)
            ],
            timeline=[
                TimelineEntry(
                    at=e.at,
                    kind=e.kind,
                    officer=e.officer,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    from_office=e.from_office,
                    to_office=e.to_office,
                    body=e.body,
                )
                for e in timeline(session, ticket, offices.zone(ticket.office_code))
            ],
        )

    @api.get("/tickets/{code}", response_model=TicketDetail, responses=not_found)
    def get_ticket(
        code: str, request: Request, session: DbSession, officer: ApiOfficer
    ) -> TicketDetail:
        """One ticket with its content, evidence list and timeline (no reporter identity)."""
        ticket = ticket_for(session, officer, code)
        if ticket is None:
            raise HTTPException(404, "Not Found")
        detail = _detail(request, session, officer, ticket)
        audit.record(session, "api_view", now=utcnow(), officer=officer, ticket_id=ticket.id)
        session.commit()
        return detail

    @api.post(
        "/tickets/{code}/status",
        response_model=TicketDetail,
        responses={**not_found, 422: {"model": ApiError, "description": "change refused"}},
    )
    def post_status(
        code: str, body: StatusChange, request: Request, session: DbSession, officer: ApiOfficer
    ) -> TicketDetail:
        """Change the status (with an internal note); the reporter is told the new status."""
        ticket = ticket_for(session, officer, code)
        if ticket is None:
            raise HTTPException(404, "Not Found")
        try:
            casework.change_status(
                session,
                officer=officer,
                ticket=ticket,
                target=body.status,
                note=body.note,
                destination=body.destination,
                register_number=body.register_number,
                register_date=body.register_date,
                now=utcnow(),
                windows=windows_of(netra_of(request)),
            )
        except WorkflowError as exc:
            session.rollback()
            raise HTTPException(422, exc.code) from exc
        session.commit()
        request.app.state.sender.wake()
        return _detail(request, session, officer, ticket)

    return api
