"""Account changes an office must know about: an admin moving an account, and the notice
every officer of the receiving office sees (``storage.account_changes`` says why)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Response
from fastapi.responses import RedirectResponse
from jinja2 import pass_context

from bot.dashboard import ui
from bot.dashboard.auth import CsrfChecked, CurrentAdmin, DbSession
from bot.dashboard.followup import reading_session
from bot.dashboard.views import Offices
from bot.runtime import utcnow
from storage.account_changes import MoveError, move_officer, recent_account_changes
from storage.models import Officer

LABELS: dict[str, tuple[str, str]] = {
    "acct_notice_title": (
        "Perubahan akun di kantor ini (30 hari terakhir)",
        "Account changes in this office (last 30 days)",
    ),
    "acct_officer_add": (
        "Akun {user} dibuat di kantor ini oleh {by} pada {at}. Akun ini dapat membaca "
        "laporan kantor ini.",
        "Account {user} was created in this office by {by} on {at}. It can read this office's "
        "reports.",
    ),
    "acct_officer_move_in": (
        "Akun {user} dipindahkan ke kantor ini oleh {by} pada {at}. Akun ini dapat membaca "
        "laporan kantor ini.",
        "Account {user} was moved into this office by {by} on {at}. It can read this office's "
        "reports.",
    ),
    "acct_move": ("Pindah ke kantor", "Move to office"),
}
ui.LABELS.update(LABELS)


@pass_context
def _account_notices(context: Any, officer: Officer | None) -> list[dict[str, str]]:
    """Accounts added to / moved into the viewer's office lately (shown on every page)."""
    if officer is None:
        return []
    with reading_session(context, officer) as session:
        rows = recent_account_changes(session, officer.office_code, utcnow())
        zone = Offices(session).zone(officer.office_code)
    lang = ui.lang_of(context["request"])
    return [
        {
            "action": row.action,
            "user": (row.detail or "").removeprefix("cli: ").split("@")[0].split(" ")[0],
            "by": by or "cli",
            "at": ui.local_when(row.at, zone, lang),  # the office's clock, as on every page
        }
        for row, by in rows
    ]


ui.TEMPLATES.env.globals["account_notices"] = _account_notices


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard", include_in_schema=False)

    @api.post("/admin/officers/{officer_id}/office", dependencies=[CsrfChecked])
    def move(
        officer_id: int,
        session: DbSession,
        admin: CurrentAdmin,
        office_code: Annotated[str, Form(max_length=8)],
    ) -> Response:
        target = session.get(Officer, officer_id)
        if target is None:
            raise HTTPException(404, "Not Found")
        try:
            move_officer(session, admin=admin, target=target, office_code=office_code, now=utcnow())
        except MoveError:
            session.rollback()
            return RedirectResponse("/dashboard/admin/officers?error=move", status_code=303)
        session.commit()
        return RedirectResponse("/dashboard/admin/officers", status_code=303)

    return api
