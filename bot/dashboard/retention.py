"""Ticket page: when this ticket's identifying data and free text will be shredded, and the
admin's legal hold that stops it (``storage.retention`` says what is shredded and why)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from jinja2 import pass_context
from sqlmodel import col, select

from bot.dashboard import ui
from bot.dashboard.auth import CsrfChecked, CurrentAdmin, DbSession, netra_of
from bot.dashboard.followup import reading_session
from bot.jobs import retention_policy
from bot.runtime import utcnow
from storage.models import Ticket
from storage.retention import plan_for, set_legal_hold
from storage.tickets import format_code

LABELS: dict[str, tuple[str, str]] = {
    "ret_title": ("Retensi data", "Data retention"),
    "ret_open": (
        "Laporan masih terbuka. Identitas pelapor, bukti, dan teks bebas dihancurkan {selesai} "
        "hari setelah laporan ditutup sebagai Selesai, atau {days} hari setelah Tidak "
        "ditindaklanjuti.",
        "The report is open. The reporter's identity, evidence and free text are shredded after "
        "the report is closed: {selesai} days after Selesai, {days} days after Tidak "
        "ditindaklanjuti.",
    ),
    "ret_scheduled": (
        "Identitas pelapor, bukti, dan teks bebas akan dihancurkan pada {on}.",
        "The reporter's identity, evidence and free text will be shredded on {on}.",
    ),
    "ret_held": (
        "Penahanan hukum: data tidak dihancurkan selama penahanan berlaku. Alasan: {reason}",
        "Legal hold: nothing is shredded while it stands. Reason: {reason}",
    ),
    "ret_shredded": (
        "Identitas pelapor, bukti, dan teks bebas dihancurkan pada {on}. Statistik tetap ada.",
        "The reporter's identity, evidence and free text were shredded on {on}. Statistics stay.",
    ),
    "ret_hold": ("Tahan (penahanan hukum)", "Place a legal hold"),
    "ret_lift": ("Cabut penahanan hukum", "Lift the legal hold"),
    "ret_reason": ("Alasan penahanan", "Reason for the hold"),
    "ret_holds": ("Penahanan hukum", "Legal holds"),
    "ret_code": ("Kode laporan", "Report code"),
    "ret_none": ("Tidak ada laporan yang ditahan.", "No report is on hold."),
    "ret_error": (
        "Laporan tidak ditemukan (atau sudah dihancurkan), atau alasan kurang dari 10 karakter.",
        "No such report (or already shredded), or the reason is shorter than 10 characters.",
    ),
}
ui.LABELS.update(LABELS)
REASON_MIN = 10


@pass_context
def _retention_info(context: Any, ticket: Ticket) -> dict[str, Any]:
    settings = netra_of(context["request"]).settings
    with reading_session(context, ticket) as session:
        plan = plan_for(session, ticket, retention_policy(settings))
    return {
        "state": plan.state,
        "on": plan.on.isoformat() if plan.on else None,
        "reason": plan.reason,
        "selesai": settings.retention_selesai_days,
        "days": settings.retention_tidak_ditindaklanjuti_days,
    }


ui.TEMPLATES.env.globals["retention_info"] = _retention_info


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard", include_in_schema=False)

    @api.post("/admin/legal-holds", dependencies=[CsrfChecked])
    def legal_hold(
        session: DbSession,
        admin: CurrentAdmin,
        code: Annotated[str, Form(max_length=16)] = "",
        hold: Annotated[str, Form(max_length=1)] = "1",
        reason: Annotated[str, Form(max_length=300)] = "",
    ) -> Response:
        """Admins only, on any office's ticket by its code: the flag reveals no content, and
        the hold is audited to (and shown on the page of) the ticket's own office."""
        normal = format_code(code)
        ticket = (
            session.exec(select(Ticket).where(Ticket.code == normal)).first() if normal else None
        )
        if ticket is None or ticket.shredded_at is not None:
            return RedirectResponse("/dashboard/admin/legal-holds?error=1", status_code=303)
        placing = hold == "1"
        if placing and len(reason.strip()) < REASON_MIN:
            return RedirectResponse("/dashboard/admin/legal-holds?error=1", status_code=303)
        set_legal_hold(session, ticket, hold=placing, reason=reason, officer=admin, now=utcnow())
        session.commit()
        return RedirectResponse("/dashboard/admin/legal-holds", status_code=303)

    @api.get("/admin/legal-holds")
    def holds_page(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
        held = session.exec(
            select(Ticket).where(col(Ticket.legal_hold).is_(True)).order_by(col(Ticket.id))
        ).all()
        rows = [(t.code, t.office_code, t.legal_hold_reason or "") for t in held]
        return ui.render(
            request,
            "admin_legal_holds.html",
            {"rows": rows, "error": request.query_params.get("error") == "1"},
        )

    return api
