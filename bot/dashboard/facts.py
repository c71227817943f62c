"""Ticket page: the facts that route and qualify a report, and reclassifying its categories.

Race, employment status, NIP, place, time of day, how the reporter knows, whether witnesses
would give a statement, the Gakkumdu flag, the window to register an anonymous tip as a
*temuan*, and where a ticket taken up went. Rendered by ``templates/_ticket_more_facts.html``,
which the ticket page includes; the temuan register fields join the status form by its id.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from jinja2 import pass_context

from bot.dashboard import ui
from bot.dashboard.auth import CsrfChecked, CurrentOfficer, DbSession, netra_of
from bot.dashboard.followup import reading_session
from bot.dashboard.ticket_page import refused, refused_code
from bot.dashboard.views import windows_of
from bot.runtime import utcnow
from handlers import casework
from handlers.categories import CATEGORIES
from storage.access import ticket_for
from storage.models import Office, Ticket
from storage.workflow import DESTINATIONS_FOR, WorkflowError, temuan_last_day

LABELS: dict[str, tuple[str, str]] = {
    "facts_title": ("Fakta untuk kajian", "Facts for the assessment"),
    "race": ("Pemilihan", "Race"),
    "race_gubernur": ("Gubernur", "Governor"),
    "race_bupati_walikota": ("Bupati / Wali Kota", "Regent / mayor"),
    "race_keduanya": ("Keduanya", "Both"),
    "race_unknown": ("Tidak diketahui", "Unknown"),
    "employment": ("Status kepegawaian", "Employment status"),
    "emp_pns": ("PNS", "Civil servant (PNS)"),
    "emp_pppk": ("PPPK", "Contract civil servant (PPPK)"),
    "emp_honorer": ("Honorer / non-ASN", "Honorary / non-ASN"),
    "emp_desa": ("Kepala / perangkat desa", "Village head / official"),
    "emp_tni": ("TNI", "TNI"),
    "emp_polri": ("Polri", "Polri"),
    "emp_bumn": ("BUMN / BUMD", "BUMN / BUMD"),
    "emp_unknown": ("Tidak diketahui", "Unknown"),
    "nip": ("NIP terlapor", "Accused's NIP"),
    "place": ("Tempat", "Venue"),
    "incident_time": ("Waktu kejadian", "Time of day"),
    "how_known": ("Sumber pengetahuan pelapor", "How the reporter knows"),
    "how_saw": ("Melihat langsung", "Saw it"),
    "how_told": ("Diberi tahu orang lain", "Was told"),
    "how_social": ("Melihat di media sosial", "Saw it on social media"),
    "witnesses_willing": ("Saksi bersedia memberi keterangan", "Witnesses willing to testify"),
    "willing_ya": ("Ya", "Yes"),
    "willing_tidak": ("Tidak", "No"),
    "willing_unknown": ("Belum tahu", "Not sure"),
    "gakkumdu_flag": (
        "Indikasi politik uang: pertimbangkan Sentra Gakkumdu",
        "Possible vote buying: consider Gakkumdu",
    ),
    "temuan_window": ("Batas registrasi temuan", "Last day to register a finding"),
    "temuan_window_note": (
        "Informasi awal anonim tidak dapat diregistrasi sebagai laporan; Bawaslu dapat "
        "menjadikannya temuan sampai tanggal ini.",
        "An anonymous tip cannot be registered as a laporan; Bawaslu can make it its own "
        "finding until this date.",
    ),
    "destination_taken": ("Ditindaklanjuti ke", "Taken up as"),
    "dest_inspektorat": ("Rekomendasi ke Bupati / Inspektorat", "To the regent / inspectorate"),
    "dest_propam": ("Propam Polri", "Police professional standards (Propam)"),
    "dest_pom": ("POM / komandan satuan TNI", "Military police / unit commander (TNI)"),
    "dest_fits": ("Sesuai status terlapor", "Fits the accused's status"),
    "register_number": ("Nomor register temuan", "Finding register number"),
    "register_date": ("Tanggal register temuan", "Finding register date"),
    "err_register_required": (
        "Temuan memerlukan nomor dan tanggal register.",
        "A finding needs its register number and date.",
    ),
    "err_register_too_long": ("Nomor register terlalu panjang.", "Register number too long."),
    "extra_categories": ("Kategori tambahan", "Further categories"),
    "reclassify": ("Ubah kategori", "Reclassify"),
    "reclassify_hint": (
        "Boleh lebih dari satu; yang pertama dicentang menjadi kategori utama.",
        "More than one may apply; the first ticked becomes the main category.",
    ),
    "err_unknown_category": ("Pilih kategori dari daftar.", "Choose categories from the list."),
    "event_reclassified": ("Kategori diubah", "Reclassified"),
}
ui.LABELS.update(LABELS)


@pass_context
def _temuan_last_day(context: Any, ticket: Ticket) -> date:
    netra = netra_of(context["request"])
    with reading_session(context, ticket) as session:
        office = session.get(Office, ticket.office_code)
        zone = office.timezone if office else "Asia/Jakarta"
    return temuan_last_day(ticket.created_at, windows_of(netra), ZoneInfo(zone))


def _extra_categories(ticket: Ticket) -> list[str]:
    return [c for c in (ticket.extra_categories or "").split(",") if c]


def _reclassified(body: str | None) -> dict[str, Any] | None:
    """A reclassification's timeline entry as category keys and the note, to show as labels.

    ``casework.reclassify`` writes "old, keys → new, keys" and the note on the next line.
    """
    head, _, note = (body or "").partition("\n")
    before, arrow, after = head.partition(" → ")
    known = {c.key for c in CATEGORIES}
    split = [[k for k in part.split(", ") if k] for part in (before, after)]
    if not arrow or not all(k in known for part in split for k in part):
        return None
    return {"before": split[0], "after": split[1], "note": note}


ui.TEMPLATES.env.globals.update(
    reclassified=_reclassified,
    temuan_last_day=_temuan_last_day,
    extra_categories=_extra_categories,
    destinations_for=lambda employment: DESTINATIONS_FOR.get(employment, ()),
    all_categories=lambda: [c.key for c in CATEGORIES],
)


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard", include_in_schema=False)

    @api.post("/tickets/{code}/categories", dependencies=[CsrfChecked])
    def post_categories(
        code: str,
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        categories: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
        note: Annotated[str, Form(max_length=5000)] = "",
    ) -> Response:
        ticket = ticket_for(session, officer, code)
        if ticket is None:
            raise HTTPException(404, "Not Found")
        try:
            casework.reclassify(
                session,
                officer=officer,
                ticket=ticket,
                categories=categories[:20],
                note=note,
                now=utcnow(),
            )
        except WorkflowError as exc:
            held = {"categories": categories[:20], "note": note}
            error = refused_code(exc.code)
            return refused(request, session, officer, ticket, "categories", held, error)
        session.commit()
        return RedirectResponse(f"/dashboard/tickets/{ticket.code}?ok=saved", 303)

    return api
