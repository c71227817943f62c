"""The officers' pages: login, inbox, ticket, evidence, workflow actions, CSV export, audit.

Routes stay thin: access goes through ``storage.access``, actions through
``handlers.casework``, shapes through ``bot.dashboard.views``. A ticket or evidence item that
is not visible to the officer is a plain 404, indistinguishable from one that does not exist.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, RedirectResponse, StreamingResponse
from sqlmodel import Session

from bot.dashboard import ui
from bot.dashboard.auth import (
    PASSWORD_PATH,
    CsrfChecked,
    CurrentOfficer,
    DbSession,
    end_session,
    netra_of,
    optional_officer,
    start_session,
)
from bot.dashboard.own_account import address_throttle
from bot.dashboard.ticket_page import refused, refused_code, render_ticket
from bot.dashboard.views import (
    INLINE_TYPES,
    PAGE_SIZE,
    Filters,
    Offices,
    inbox,
    listing,
    region_choices,
    ticket_view,
    windows_of,
)
from bot.flood import client_address
from bot.runtime import Netra, utcnow
from handlers import casework
from handlers.categories import CATEGORIES
from storage import audit
from storage.access import evidence_for, ticket_for
from storage.listing import Listed
from storage.models import Ticket
from storage.officers import LoginPolicy, authenticate, by_username, revoke_sessions
from storage.tickets import STATUSES
from storage.workflow import (
    OPEN_STATUSES,
    WorkflowError,
    processing_due,
)

log = logging.getLogger(__name__)

EXPORT_BATCH = 1000  # rows per read and per chunk sent


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _not_found() -> HTTPException:
    return HTTPException(404, "Not Found")


def _flash(request: Request) -> dict[str, str]:
    """Only fixed label keys travel in the URL, so nothing user-written is ever reflected."""
    ok, err = request.query_params.get("ok"), request.query_params.get("err")
    lang = ui.lang_of(request)
    if err and f"err_{err}" in ui.LABELS:
        return {"flash": ui.label(lang, f"err_{err}"), "flash_kind": "err"}
    if ok == "saved":
        return {"flash": ui.label(lang, "saved"), "flash_kind": "ok"}
    return {}


def _filters(
    status: str | None = None,
    category: str | None = None,
    region: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    overdue: str | None = None,
    q: str | None = None,
    assignee: str | None = None,
    sort: str | None = None,
    order: str | None = None,
    digest: str | None = None,
    edition: str | None = None,
    section: str | None = None,
) -> Filters:
    """The inbox filters from the query string, shared by the inbox and its CSV export."""
    return Filters.parse(
        status,
        category,
        region,
        date_from,
        date_to,
        overdue=overdue,
        q=q,
        assignee=assignee,
        sort=sort,
        order=order,
        digest=digest,
        edition=edition,
        section=section,
    )


FiltersDep = Annotated[Filters, Depends(_filters)]


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard", include_in_schema=False)

    @api.get("/static/dashboard.css")
    def stylesheet() -> FileResponse:
        return FileResponse(ui.STATIC_DIR / "dashboard.css", media_type="text/css")

    @api.get("/static/keys.js")
    def keyboard_script() -> FileResponse:
        return FileResponse(ui.STATIC_DIR / "keys.js", media_type="text/javascript")

    @api.get("/lang/{code}")
    def set_language(code: str, next: str = "/dashboard/") -> Response:
        target = next if re.fullmatch(r"/dashboard/[\w/\-.]*", next) else "/dashboard/"
        response = _redirect(target)
        response.set_cookie(
            ui.LANG_COOKIE, "en" if code == "en" else "id", max_age=365 * 86400, samesite="strict"
        )
        return response

    # --- login -----------------------------------------------------------------------------

    @api.get("/login")
    def login_page(request: Request, session: DbSession) -> Response:
        if optional_officer(request, session) is not None:
            return _redirect("/dashboard/")
        return ui.render(request, "login.html")

    @api.post("/login", dependencies=[CsrfChecked])
    def login(
        request: Request,
        session: DbSession,
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=256)],
        totp: Annotated[str, Form(max_length=8)] = "",
    ) -> Response:
        netra = netra_of(request)
        now = utcnow()
        throttle = address_throttle(request)
        where = client_address(request, netra.settings.web_proxy_header)
        if throttle.blocked(where):
            minutes = netra.settings.login_lockout_minutes
            error = ui.label(ui.lang_of(request), "login_locked", minutes=minutes)
            context = {"error": error, "username": username}
            return ui.render(request, "login.html", context, status_code=429)
        policy = LoginPolicy(
            max_failures=netra.settings.login_max_failures,
            lockout=_minutes(netra.settings.login_lockout_minutes),
        )
        result = authenticate(
            session,
            username=username,
            password=password,
            totp_code=totp or None,
            now=now,
            policy=policy,
        )
        if result.officer is None:
            throttle.allow(where)  # counts this failure against the address
            known = by_username(session, username)
            # Only a real account's name is recorded: a mistyped password in the username
            # field must not end up in the audit log.
            audit.record(
                session,
                "login_failed",
                now=now,
                officer=known,
                detail=f"reason={result.reason}",
            )
            session.commit()
            lang = ui.lang_of(request)
            if result.reason == "locked":
                minutes = int((result.retry_after or _minutes(1)).total_seconds() // 60) + 1
                error = ui.label(lang, "login_locked", minutes=minutes)
                code = 429
            else:
                error = ui.label(lang, "login_totp" if result.reason == "totp" else "login_bad")
                code = 401
            return ui.render(
                request, "login.html", {"error": error, "username": username}, status_code=code
            )
        audit.record(session, "login", now=now, officer=result.officer)
        session.commit()
        after = PASSWORD_PATH if result.officer.must_change_password else "/dashboard/"
        response = _redirect(after)
        start_session(netra, response, result.officer)
        return response

    @api.post("/logout", dependencies=[CsrfChecked])
    def logout(request: Request, session: DbSession) -> Response:
        officer = optional_officer(request, session)
        if officer is not None:
            revoke_sessions(session, officer)  # a copy of the cookie dies too
            audit.record(session, "logout", now=utcnow(), officer=officer)
            session.commit()
        response = _redirect("/dashboard/login")
        end_session(response)
        return response

    # --- inbox and export --------------------------------------------------------------------

    @api.get("/")
    def inbox_page(
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        filters: FiltersDep,
        after: Annotated[str | None, Query(max_length=80)] = None,
        before: Annotated[str | None, Query(max_length=80)] = None,
    ) -> Response:
        netra = netra_of(request)
        # Overdue first, then the chosen order, across all pages: done in SQL by the listing.
        page = inbox(session, netra, officer, filters, limit=PAGE_SIZE, after=after, before=before)
        now = utcnow()
        offices = Offices(session)
        rows = [ticket_view(netra, offices, t, officer, now) for t in page.rows]
        query = urlencode(filters.query())
        return ui.render(
            request,
            "inbox.html",
            {
                "rows": rows,
                "next_cursor": page.next,
                "previous_cursor": page.previous,
                "filters": filters,
                "query": query,
                "statuses": STATUSES,
                "categories": [c.key for c in CATEGORIES],
                "regions": region_choices(netra, officer),
                "office_name": offices.name(officer.office_code),
            },
        )

    @api.get("/export.csv")
    def export_csv(
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        filters: FiltersDep,
    ) -> Response:
        """Every matching ticket, streamed in batches: no cap, constant memory.

        The export is audited before the first row leaves; rows are read a batch per short
        transaction of its own, since the request's session ends when this function returns.
        """
        netra = netra_of(request)
        now = utcnow()
        shown = urlencode(filters.query())
        audit.record(session, "export_csv", now=now, officer=officer, detail=f"streamed {shown}")
        session.commit()
        rows = listing(netra, officer, filters, now, session).iterate(
            lambda: Session(netra.db, expire_on_commit=False), batch=EXPORT_BATCH
        )
        return ui.harden(
            StreamingResponse(
                _csv_lines(netra, rows, now),
                media_type="text/csv; charset=utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="netra-{officer.office_code}.csv"'
                },
            )
        )

    # --- ticket ------------------------------------------------------------------------------

    @api.get("/tickets/{code}")
    def ticket_page(
        code: str, request: Request, session: DbSession, officer: CurrentOfficer
    ) -> Response:
        ticket = ticket_for(session, officer, code)
        if ticket is None:
            raise _not_found()
        audit.record(session, "view_ticket", now=utcnow(), officer=officer, ticket_id=ticket.id)
        session.commit()
        return render_ticket(request, session, officer, ticket, extra=_flash(request))

    @api.get("/tickets/{code}/evidence/{evidence_id}")
    def evidence_file(
        code: str,
        evidence_id: int,
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        download: bool = False,
    ) -> Response:
        found = evidence_for(session, officer, code, evidence_id)
        if found is None:
            raise _not_found()
        ticket, evidence = found
        if evidence.data is None:
            raise _not_found()  # a link has no file
        inline = not download and (evidence.content_type or "") in INLINE_TYPES
        # A thumbnail on the ticket page is part of that page's one "view_ticket" entry; a file
        # opened on its own or downloaded gets its own entry.
        thumbnail = inline and request.headers.get("sec-fetch-dest") == "image"
        if not thumbnail:
            audit.record(
                session,
                "view_evidence" if inline else "download_evidence",
                now=utcnow(),
                officer=officer,
                ticket_id=ticket.id,
                detail=f"evidence={evidence.id}",
            )
            session.commit()
        # Decrypted in memory and streamed; never written to disk. Anything not a plain image
        # is forced to download and sandboxed, so a file cannot run script in our origin.
        name = _safe_filename(evidence.filename, evidence.id, evidence.content_type)
        disposition = "inline" if inline else "attachment"
        return Response(
            evidence.data,
            media_type=evidence.content_type if inline else "application/octet-stream",
            headers={
                "Content-Disposition": f'{disposition}; filename="{name}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'",
                "Referrer-Policy": "no-referrer",
            },
        )

    @api.post("/tickets/{code}/status", dependencies=[CsrfChecked])
    def post_status(
        code: str,
        session: DbSession,
        officer: CurrentOfficer,
        request: Request,
        status: Annotated[str, Form(max_length=24)],
        note: Annotated[str, Form(max_length=5000)] = "",
        destination: Annotated[str, Form(max_length=16)] = "",
        register_number: Annotated[str, Form(max_length=64)] = "",
        register_date: Annotated[str, Form(max_length=10)] = "",
    ) -> Response:
        ticket = ticket_for(session, officer, code)
        if ticket is None:
            raise _not_found()
        try:
            casework.change_status(
                session,
                officer=officer,
                ticket=ticket,
                target=status,
                note=note,
                destination=destination or None,
                register_number=register_number or None,
                register_date=_day(register_date),
                now=utcnow(),
                windows=windows_of(netra_of(request)),
            )
        except WorkflowError as exc:
            held = {
                "status": status,
                "note": note,
                "destination": destination,
                "register_number": register_number,
                "register_date": register_date,
            }
            return refused(
                request, session, officer, ticket, "status", held, refused_code(exc.code)
            )
        session.commit()
        request.app.state.sender.wake()
        return _redirect(f"/dashboard/tickets/{ticket.code}?ok=saved")

    @api.post("/tickets/{code}/note", dependencies=[CsrfChecked])
    def post_note(
        code: str,
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        note: Annotated[str, Form(max_length=5000)] = "",
    ) -> Response:
        ticket = ticket_for(session, officer, code)
        if ticket is None:
            raise _not_found()
        try:
            casework.add_note(session, officer=officer, ticket=ticket, note=note, now=utcnow())
        except WorkflowError as exc:
            held = {"note": note}
            return refused(request, session, officer, ticket, "note", held, refused_code(exc.code))
        session.commit()
        return _redirect(f"/dashboard/tickets/{ticket.code}?ok=saved")

    @api.post("/tickets/{code}/reassign", dependencies=[CsrfChecked])
    def post_reassign(
        code: str,
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        office_code: Annotated[str, Form(max_length=8)],
        reason: Annotated[str, Form(max_length=5000)] = "",
    ) -> Response:
        ticket = ticket_for(session, officer, code)
        if ticket is None:
            raise _not_found()
        try:
            casework.reassign(
                session,
                officer=officer,
                ticket=ticket,
                office_code=office_code,
                reason=reason,
                now=utcnow(),
            )
        except WorkflowError as exc:
            held = {"office_code": office_code, "reason": reason}
            error = refused_code(exc.code)
            return refused(request, session, officer, ticket, "reassign", held, error)
        session.commit()
        # The ticket has left this office: its page would now be a 404 here.
        return _redirect("/dashboard/?ok=saved")

    # --- audit -------------------------------------------------------------------------------

    @api.get("/audit")
    def audit_page(
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        action: Annotated[str, Query(max_length=40)] = "",
        ticket: Annotated[str, Query(max_length=16)] = "",
        who: Annotated[str, Query(max_length=64)] = "",
        date_from: Annotated[str, Query(max_length=10)] = "",
        date_to: Annotated[str, Query(max_length=10)] = "",
    ) -> Response:
        from bot.dashboard import audit_view

        size = 200
        chosen = audit_view.Chosen.parse(
            session, officer, action=action, ticket=ticket, who=who, start=date_from, end=date_to
        )
        entries = (
            []
            if chosen.unknown
            else audit.entries_for(
                session,
                officer,
                limit=size + 1,
                offset=(page - 1) * size,
                action=chosen.action,
                ticket_id=chosen.ticket_id,
                officer_id=chosen.officer_id,
                since=chosen.since,
                until=chosen.until,
            )
        )
        lang = ui.lang_of(request)
        return ui.render(
            request,
            "audit.html",
            {
                "rows": audit_view.rows(session, officer, entries[:size], lang),
                "more": len(entries) > size,
                "page": page,
                "actions": [(k, audit_view.action_label(k, lang)) for k in audit_view.ACTIONS],
                "chosen": chosen,
                "query": urlencode(chosen.query()),
            },
        )

    return api


CSV_COLUMNS = (
    "code",
    "status",
    "category",
    "region_code",
    "region_name",
    "office_code",
    "institution_level",
    "incident_date",
    "learned_date",
    "late_report",
    "received_at",
    "processing_due",
    "overdue",
    "escalated",
    # Non-identifying facts (issue 9); NIP and place stay on the ticket page only.
    "race",
    "employment",
    "how_known",
    "witnesses_willing",
    "incident_time",
    "gakkumdu",
    "extra_categories",
    "destination",
    "destination_date",
)


def _facts(ticket: Ticket | Listed) -> tuple[object, ...]:
    return (
        ticket.race,
        ticket.employment,
        ticket.how_known,
        ticket.witnesses_willing,
        ticket.incident_time,
        ticket.gakkumdu,
        ticket.extra_categories,
        ticket.destination,
        ticket.destination_date,
    )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _cell(value: object) -> str:
    """CSV cells never start a spreadsheet formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv_lines(netra: Netra, rows: Iterable[Listed], now: datetime) -> Iterator[str]:
    """The CSV text, a chunk per batch of rows: the exported columns only, no free text.

    Built straight from the listed columns (no page view, no time-zone formatting): an
    export of a big office is tens of thousands of rows.
    """
    windows = windows_of(netra)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for n, t in enumerate(rows, 1):
        due = processing_due(t.created_at, t.info_requested_at, windows)
        region = netra.regions.get(t.region_code)
        # Every column is a value Netra itself wrote (codes, dates, names from the region
        # list); only the name goes through the formula guard, in case the list changes.
        writer.writerow(
            (
                t.code,
                t.status,
                t.category,
                t.region_code,
                _cell(region.name if region else t.region_code),
                t.office_code,
                t.institution_level,
                t.incident_date,
                t.learned_date,
                t.late,
                t.created_at.isoformat(),
                due.isoformat(),
                t.status in OPEN_STATUSES and now > due,
                t.escalated_at is not None,
                *_facts(t),
            )
        )
        if n % EXPORT_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


_EXT = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf", "video/mp4": "mp4"}


def _safe_filename(name: str | None, evidence_id: int | None, content_type: str | None) -> str:
    if name:
        cleaned = re.sub(r"[^\w.\-]", "_", name)[:80].strip("._")
        if cleaned:
            return cleaned
    return f"bukti-{evidence_id}.{_EXT.get(content_type or '', 'bin')}"
