"""Own account: the forced change of a one-time password, and changing one's password.

A password printed by ``netra officers add`` (or shown to an admin after a reset) has been
seen by someone else, so until it is replaced every dashboard page leads here. Also the
per-address login throttle, which sits beside the per-account lockout.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from bot.dashboard import ui
from bot.dashboard.auth import (
    PASSWORD_PATH,
    CsrfChecked,
    CurrentOfficer,
    DbSession,
    netra_of,
    start_session,
)
from bot.flood import SlidingLimit
from bot.runtime import utcnow
from storage import audit
from storage.officers import AccountError, change_own_password

LABELS: dict[str, tuple[str, str]] = {
    "pw_title": ("Ganti kata sandi", "Change password"),
    "pw_forced": (
        "Kata sandi Anda sekali pakai (orang lain pernah melihatnya). Buat kata sandi baru "
        "sebelum melanjutkan.",
        "Your password was one-time (someone else has seen it). Choose a new one to continue.",
    ),
    "pw_current": ("Kata sandi sekarang", "Current password"),
    "pw_new": ("Kata sandi baru (minimal 10 karakter)", "New password (at least 10 characters)"),
    "pw_repeat": ("Ulangi kata sandi baru", "Repeat the new password"),
    "pw_save": ("Simpan kata sandi", "Save password"),
    "pw_mismatch": ("Kedua kata sandi baru tidak sama.", "The two new passwords differ."),
    "pw_wrong": (
        "Kata sandi sekarang salah, atau kata sandi baru terlalu pendek / sama dengan yang lama.",
        "Current password wrong, or the new one too short / the same as before.",
    ),
    "totp_off_wrong": (
        "Kata sandi atau kode salah; autentikator tetap aktif.",
        "Wrong password or code; the authenticator stays on.",
    ),
    "pw_done": (
        "Kata sandi diganti. Sesi di perangkat lain sudah berakhir.",
        "Password changed. Sessions on other devices have ended.",
    ),
}
ui.LABELS.update(LABELS)
# The inbox's search, assignee, sort and overdue controls (issue 12; queries in storage.listing).
ui.LABELS.update(
    {
        "inbox_search": ("Cari", "Search"),
        "inbox_search_hint": ("Kode atau kata, mis. camat", "Code or word, e.g. camat"),
        "inbox_search_help": (
            "Kode laporan, atau kata utuh dari uraian, terlapor dan tempat (semua kata harus "
            "ada; potongan kata tidak dicari).",
            "A report code, or whole words of the description, the accused and the place (all "
            "words must occur; parts of words are not searched).",
        ),
        "inbox_reported": ("Pelaporan", "Reported"),
        "inbox_more_filters": ("Saring lebih lanjut", "More filters"),
        "inbox_assignee": ("Petugas", "Assignee"),
        "inbox_assignee_me": ("Saya", "Me"),
        "inbox_assignee_none": ("Belum ditugaskan", "Unassigned"),
        "inbox_sort": ("Urutkan", "Sort"),
        "inbox_sort_received": ("Terbaru diterima", "Newest received"),
        "inbox_sort_deadline": ("Batas terdekat", "Nearest deadline"),
        "inbox_sort_updated": ("Terakhir diubah", "Last updated"),
        "inbox_overdue": ("Hanya yang lewat batas", "Overdue only"),
    }
)


def qr_svg(text: str) -> str:
    """An inline SVG QR code (no script, no external request): the authenticator app scans it."""
    import segno

    return str(segno.make(text, error="m").svg_inline(scale=4, border=2, title="QR TOTP"))


def address_throttle(request: Request) -> SlidingLimit:
    """Failed logins per client address, kept on the app (one per process)."""
    state = request.app.state
    limit: SlidingLimit | None = getattr(state, "login_throttle", None)
    if limit is None:
        settings = netra_of(request).settings
        per_address = settings.login_address_max_failures
        limit = SlidingLimit(per_address, per_address * 50, settings.login_lockout_minutes * 60)
        state.login_throttle = limit
    return limit


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard")

    @api.get("/account/password")
    def password_page(request: Request, officer: CurrentOfficer) -> Response:
        return ui.render(request, "account_password.html", {"forced": officer.must_change_password})

    @api.post("/account/password", dependencies=[CsrfChecked])
    def change_password(
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        current: Annotated[str, Form(max_length=256)],
        new: Annotated[str, Form(max_length=256)],
        repeat: Annotated[str, Form(max_length=256)],
    ) -> Response:
        forced = officer.must_change_password
        lang = ui.lang_of(request)
        error = ui.label(lang, "pw_mismatch") if new != repeat else None
        if error is None:
            try:
                change_own_password(session, officer, current=current, new=new)
            except AccountError:
                session.rollback()
                error = ui.label(lang, "pw_wrong")
        if error is not None:
            context = {"forced": forced, "error": error}
            return ui.render(request, "account_password.html", context, status_code=400)
        audit.record(session, "password_changed", now=utcnow(), officer=officer)
        session.commit()
        response = RedirectResponse("/dashboard/" if forced else PASSWORD_PATH + "?done=1", 303)
        start_session(netra_of(request), response, officer)  # the old cookies died with it
        return response

    return api
