"""The ticket page as one render, shared by its own route and by every form on it.

A refused form (status change, note, reassignment, follow-up question, reclassification) is
answered with the page itself, status 422, the officer's input back in the form and the reason
beside it: a redirect would lose what they typed. Each form names its values in ``held``; only
``error_form`` gets the message. Labels for what the page shows instead of internal words
(evidence kinds, file formats) live here too.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from sqlmodel import Session, select

from bot.dashboard import ui
from bot.dashboard.auth import netra_of
from bot.dashboard.views import Offices, evidence_views, ticket_view, timeline
from bot.runtime import utcnow
from storage.models import Office, Officer, Ticket
from storage.workflow import DESTINATIONS, allowed_next

# The forms that post to /dashboard/tickets/{code}/<form>; a GET there (a reload after a refused
# form, the language switch) goes back to the ticket page.
FORMS = ("status", "note", "reassign", "followup", "categories", "assign")

LABELS: dict[str, tuple[str, str]] = {
    "tk_report": ("Laporan", "Report"),
    "tk_state": ("Status dan batas waktu", "Status and deadlines"),
    "tk_actions": ("Tindakan", "Actions"),
    "tk_to_actions": ("Ke tindakan ↓", "To actions ↓"),
    "tk_due": ("Batas", "Due"),
    "tk_received_at": ("Diterima", "Received"),
    "tk_choose": ("— pilih —", "— choose —"),
    "tk_dest_only": (
        "Diisi hanya bila status baru Ditindaklanjuti.",
        "Only when the new status is Taken up.",
    ),
    "tk_dest_where": ("Tujuan", "Where to"),
    "tk_register_only": ("Untuk Temuan Bawaslu:", "For a Bawaslu finding:"),
    "tk_fits": ("sesuai status terlapor", "fits the accused's status"),
    "tk_by": ("oleh", "by"),
    "tk_open_file": ("Buka", "Open"),
    "tk_no_name": ("Bukti {n}", "Evidence {n}"),
    "tk_link_unsafe": ("tautan tidak dibuka otomatis", "link not opened automatically"),
    "err_destination_not_allowed": (
        "Tujuan tindak lanjut hanya diisi untuk status Ditindaklanjuti: kosongkan tujuan, "
        "atau pilih status Ditindaklanjuti.",
        "A destination goes only with the status Taken up: clear it, or choose Taken up.",
    ),
    "err_register_not_allowed": (
        "Nomor dan tanggal register hanya untuk tujuan Temuan Bawaslu.",
        "A register number and date go only with a Bawaslu finding.",
    ),
    "err_status_missing": ("Pilih status baru.", "Choose the new status."),
    "ev_link": ("Tautan", "Link"),
    "ev_photo": ("Foto", "Photo"),
    "ev_document": ("Dokumen", "Document"),
    "ev_video": ("Video", "Video"),
    "ev_voice": ("Rekaman suara", "Voice recording"),
    "ev_audio": ("Rekaman suara", "Audio recording"),
    "ev_location": ("Lokasi", "Location"),
    "ev_file": ("Berkas", "File"),
}
ui.LABELS.update(LABELS)

_FORMATS = {
    "image/jpeg": "JPG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "application/pdf": "PDF",
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "audio/ogg": "OGG",
    "audio/mpeg": "MP3",
    "audio/mp4": "M4A",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/zip": "ZIP",
}


def file_format(content_type: str | None) -> str:
    """What a person calls the file ("PDF", "JPG", "Word"), never its MIME type."""
    if not content_type:
        return ""
    known = _FORMATS.get(content_type.split(";")[0].strip().lower())
    if known:
        return known
    subtype = content_type.split("/")[-1].split(";")[0].strip()
    return subtype.upper() if subtype.isalnum() and len(subtype) <= 5 else ""


def evidence_kind(kind: str) -> str:
    return f"ev_{kind}" if f"ev_{kind}" in ui.LABELS else "ev_file"


ui.TEMPLATES.env.globals.update(file_format=file_format, evidence_kind=evidence_kind)


def render_ticket(
    request: Request,
    session: Session,
    officer: Officer,
    ticket: Ticket,
    *,
    held: dict[str, dict[str, Any]] | None = None,
    error_form: str | None = None,
    error: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The ticket page; with ``error_form`` and ``error`` (a label key): a refused form."""
    netra = netra_of(request)
    offices = Offices(session)
    zone = offices.zone(ticket.office_code)
    view = ticket_view(netra, offices, ticket, officer, utcnow(), content=True)
    context: dict[str, Any] = {
        "ticket": view,
        "ticket_row": ticket,
        "zone": zone.key,
        "evidence": evidence_views(session, ticket),
        "timeline": timeline(session, ticket, zone),
        "transitions": allowed_next(ticket.status),
        "destinations": DESTINATIONS,
        "offices": session.exec(select(Office).order_by(Office.code)).all(),
        "assignee": session.get(Officer, ticket.assignee_id) if ticket.assignee_id else None,
        "held": held or {},
        "error_form": error_form,
        "error": ui.label(ui.lang_of(request), error) if error else None,
    }
    context.update(extra or {})
    return ui.render(request, "ticket.html", context, status_code=422 if error_form else 200)


def refused_code(code: str) -> str:
    """A workflow refusal's label key (an unknown code still reads as a refusal)."""
    return f"err_{code}" if f"err_{code}" in ui.LABELS else "err_illegal_transition"


def refused(
    request: Request,
    session: Session,
    officer: Officer,
    ticket: Ticket,
    form: str,
    held: dict[str, Any],
    error: str,
) -> Response:
    """Undo the refused change and answer with the page: what was typed, and why (``error``)."""
    session.rollback()
    session.refresh(ticket)  # the rolled-back change must not show as done
    return render_ticket(
        request, session, officer, ticket, held={form: held}, error_form=form, error=error
    )


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard", include_in_schema=False)

    @api.get("/static/ticket.js")
    def ticket_script() -> FileResponse:
        return FileResponse(ui.STATIC_DIR / "ticket.js", media_type="text/javascript")

    @api.get("/tickets/{code}/{form}")
    def back_to_ticket(code: str, form: str) -> Response:
        """A form's address opened as a page (a reload after a refusal): the ticket itself."""
        if form not in FORMS:
            raise HTTPException(404, "Not Found")
        return RedirectResponse(f"/dashboard/tickets/{code}", status_code=303)

    return api
