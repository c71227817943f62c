"""Admin pages (Bawaslu RI): offices, officer accounts, national counts; and the own-account
page every officer has (second factor, API tokens).

Admin routes answer 404 to non-admins, like any other page they may not see.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import func
from sqlmodel import col, select

from bot.dashboard import ui
from bot.dashboard.auth import CsrfChecked, CurrentAdmin, CurrentOfficer, DbSession, start_session
from bot.dashboard.auth import netra_of as _netra
from bot.dashboard.own_account import qr_svg
from bot.runtime import utcnow
from storage import audit
from storage.access import national_counts
from storage.account_changes import record_added
from storage.models import Office, Officer, Ticket
from storage.officers import (
    AccountError,
    add_officer,
    create_token,
    disable_totp,
    enable_totp,
    new_totp_secret,
    random_password,
    reset_password,
    revoke_token,
    set_active,
    tokens_of,
    totp_uri,
)
from storage.tickets import STATUSES
from storage.workflow import OPEN_STATUSES

# What the officers page calls the roles (the stored keys stay "officer" and "admin").
ui.LABELS.update({"role_officer": ("Petugas", "Officer"), "role_admin": ("Admin", "Admin")})


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard", include_in_schema=False)

    # --- national counts and offices --------------------------------------------------------

    @api.get("/admin/national")
    def national(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
        table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
        for province, status, count in national_counts(session):
            table[province][status] = count
        names = {
            o.code: o.name
            for o in session.exec(select(Office).where(col(Office.level).in_(("provinsi", "ri"))))
        }
        rows = [(code, names.get(code, code), counts) for code, counts in sorted(table.items())]
        return ui.render(request, "admin_national.html", {"rows": rows, "statuses": STATUSES})

    @api.get("/admin/offices")
    def offices(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
        officers = dict(
            session.exec(
                select(Officer.office_code, func.count())
                .where(col(Officer.active).is_(True))
                .group_by(Officer.office_code)
            ).all()
        )
        open_tickets = dict(
            session.exec(
                select(Ticket.office_code, func.count())
                .where(col(Ticket.status).in_(OPEN_STATUSES))
                .group_by(Ticket.office_code)
            ).all()
        )
        rows = session.exec(select(Office).order_by(Office.code)).all()
        return ui.render(
            request,
            "admin_offices.html",
            {"rows": rows, "officers": officers, "open_tickets": open_tickets},
        )

    # --- accounts ------------------------------------------------------------------------

    @api.get("/admin/officers")
    def officers(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
        rows = session.exec(select(Officer).order_by(Officer.office_code, Officer.username)).all()
        shown = request.query_params.get("shown")
        return ui.render(
            request,
            "admin_officers.html",
            {"rows": rows, "error": request.query_params.get("error"), "shown": shown},
        )

    def _page_with(request: Request, session: DbSession, **extra: object) -> Response:
        rows = session.exec(select(Officer).order_by(Officer.office_code, Officer.username)).all()
        return ui.render(request, "admin_officers.html", {"rows": rows, **extra})

    @api.post("/admin/officers", dependencies=[CsrfChecked])
    def add(
        request: Request,
        session: DbSession,
        admin: CurrentAdmin,
        username: Annotated[str, Form(max_length=64)],
        office_code: Annotated[str, Form(max_length=8)],
        display_name: Annotated[str, Form(max_length=120)] = "",
        role: Annotated[str, Form(max_length=12)] = "officer",
    ) -> Response:
        password = random_password()
        try:
            officer = add_officer(
                session,
                username=username,
                display_name=display_name,
                password=password,
                office_code=office_code.strip(),
                role=role,
                now=utcnow(),
                one_time=True,
            )
        except AccountError as exc:
            session.rollback()
            return _page_with(request, session, error=str(exc))
        # Audited as the receiving office's event, so its officers see it (issue 10).
        record_added(session, admin=admin, added=officer, now=utcnow())
        session.commit()
        # The one-time password is shown once on this response, never put in a URL or log.
        return _page_with(request, session, new_password=(officer.username, password))

    def _target(session: DbSession, officer_id: int) -> Officer:
        target = session.get(Officer, officer_id)
        if target is None:
            raise HTTPException(404, "Not Found")
        return target

    @api.post("/admin/officers/{officer_id}/active", dependencies=[CsrfChecked])
    def toggle(
        officer_id: int,
        session: DbSession,
        admin: CurrentAdmin,
        active: Annotated[str, Form(max_length=5)],
    ) -> Response:
        target = _target(session, officer_id)
        set_active(session, target, active == "1")
        audit.record(
            session,
            "officer_enable" if active == "1" else "officer_disable",
            now=utcnow(),
            officer=admin,
            detail=target.username,
        )
        session.commit()
        return _redirect("/dashboard/admin/officers")

    @api.post("/admin/officers/{officer_id}/reset", dependencies=[CsrfChecked])
    def reset(
        officer_id: int, request: Request, session: DbSession, admin: CurrentAdmin
    ) -> Response:
        target = _target(session, officer_id)
        password = random_password()
        reset_password(session, target, password, one_time=True)
        audit.record(session, "officer_reset", now=utcnow(), officer=admin, detail=target.username)
        session.commit()
        return _page_with(request, session, new_password=(target.username, password))

    # --- own account: second factor and API tokens -------------------------------------------

    def _account(
        request: Request, session: DbSession, officer: Officer, **extra: object
    ) -> Response:
        secret = new_totp_secret()
        return ui.render(
            request,
            "account.html",
            {
                "tokens": tokens_of(session, officer),
                "totp_secret": secret,
                "totp_uri": totp_uri(secret, officer.username),
                "totp_qr": qr_svg(totp_uri(secret, officer.username)),
                **extra,
            },
        )

    @api.get("/account")
    def account(request: Request, session: DbSession, officer: CurrentOfficer) -> Response:
        return _account(request, session, officer)

    @api.post("/account/totp", dependencies=[CsrfChecked])
    def totp_on(
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        secret: Annotated[str, Form(max_length=64)],
        code: Annotated[str, Form(max_length=8)],
    ) -> Response:
        if not enable_totp(session, officer, secret, code, now=utcnow()):
            return _account(request, session, officer, totp_error=True)
        audit.record(session, "totp_enabled", now=utcnow(), officer=officer)
        session.commit()
        response = _redirect("/dashboard/account")
        start_session(_netra(request), response, officer)  # the old session ended with the change
        return response

    @api.post("/account/totp/off", dependencies=[CsrfChecked])
    def totp_off(
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        password: Annotated[str, Form(max_length=256)],
        code: Annotated[str, Form(max_length=8)],
    ) -> Response:
        if not disable_totp(session, officer, password=password, code=code, now=utcnow()):
            session.rollback()
            return _account(request, session, officer, totp_off_error=True)
        audit.record(session, "totp_disabled", now=utcnow(), officer=officer)
        session.commit()
        response = _redirect("/dashboard/account")
        start_session(_netra(request), response, officer)
        return response

    @api.post("/account/tokens", dependencies=[CsrfChecked])
    def token_new(
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        name: Annotated[str, Form(max_length=80)] = "api",
    ) -> Response:
        token = create_token(session, officer, name, now=utcnow())
        audit.record(session, "token_created", now=utcnow(), officer=officer, detail=name[:80])
        session.commit()
        return _account(request, session, officer, new_token=token)

    @api.post("/account/tokens/{token_id}/revoke", dependencies=[CsrfChecked])
    def token_revoke(token_id: int, session: DbSession, officer: CurrentOfficer) -> Response:
        if not revoke_token(session, officer, token_id):
            raise HTTPException(404, "Not Found")
        audit.record(session, "token_revoked", now=utcnow(), officer=officer, detail=str(token_id))
        session.commit()
        return _redirect("/dashboard/account")

    return api
