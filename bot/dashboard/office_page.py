"""The office page: where the daily digest goes, what went out, and today's digest.

Admins see every office; an officer sees their own. Linking Telegram needs no chat id typed by
hand: the page makes a one-time code that someone sends as ``/hubungkan KODE`` from the office's
group. E-mail addresses and the digest language are set by admins. Unlinking, making a code and
re-sending a digest are recorded in the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from bot.channels.email import addresses, valid_address
from bot.dashboard import ui
from bot.dashboard.auth import CsrfChecked, CurrentOfficer, DbSession, netra_of
from bot.digests import DigestConfig, channels_of, digest_for, history, resend
from bot.runtime import utcnow
from handlers.digest_text import telegram_text
from storage import audit
from storage.models import Office, Officer
from storage.office_links import new_link_code, unlink_telegram

LABELS: dict[str, tuple[str, str]] = {
    "op_channels": ("Saluran ringkasan harian", "Daily digest channels"),
    "op_telegram": ("Telegram", "Telegram"),
    "op_email": ("E-mail", "E-mail"),
    "op_linked": ("terhubung", "linked"),
    "op_not_linked": ("belum terhubung", "not linked"),
    "op_unlink": ("Putuskan", "Unlink"),
    "op_make_code": ("Buat kode penghubung", "Make a link code"),
    "op_code_help": (
        "Kirim pesan ini ke bot Netra dari grup Telegram kantor (kode berlaku 24 jam, sekali):",
        "Send this to the Netra bot from the office's Telegram group (valid 24 hours, once):",
    ),
    "op_save": ("Simpan", "Save"),
    "op_lang": ("Bahasa ringkasan", "Digest language"),
    "op_history": ("Riwayat ringkasan", "Digest history"),
    "op_preview": ("Pratinjau ringkasan hari ini", "Preview of today's digest"),
    "op_resend": ("Kirim ulang ringkasan hari ini", "Re-send today's digest"),
    "op_unreachable": (
        "Kantor ini belum punya saluran: ringkasannya hanya tercatat di sini.",
        "This office has no channel: its digest is only recorded here.",
    ),
    "op_bad_email": ("Alamat e-mail tidak valid.", "Invalid e-mail address."),
    "op_date": ("Tanggal", "Date"),
    "op_channel": ("Saluran", "Channel"),
    "op_status": ("Status", "Status"),
    "op_late": ("terlambat", "late"),
    "op_resent": ("kirim ulang", "re-sent"),
    "op_digest": ("Ringkasan", "Digest"),
    "op_unreachable_short": ("tidak terjangkau", "unreachable"),
    "op_no_history": ("Belum ada ringkasan yang dikirim.", "No digest sent yet."),
    "op_edition_pagi": ("Pagi", "Morning"),
    "op_edition_malam": ("Malam", "Evening"),
    "op_via_telegram": ("Telegram", "Telegram"),
    "op_via_email": ("E-mail", "E-mail"),
    "op_via_none": ("Tanpa saluran (hanya tercatat)", "No channel (recorded only)"),
    "op_state_recorded": ("Tercatat", "Recorded"),
    "op_state_pending": ("Menunggu dikirim", "Waiting to be sent"),
    "op_state_sent": ("Terkirim", "Sent"),
    "op_state_failed": ("Gagal", "Failed"),
    "op_state_held": ("Ditahan", "Held"),
    # The inbox opened from a digest's link (``?digest=DATE``).
    "inbox_digest_only": (
        "Hanya laporan yang tercantum di ringkasan harian {date}.",
        "Only the reports listed in the daily digest of {date}.",
    ),
    "inbox_digest_all": ("Tampilkan semua laporan", "Show all reports"),
}
ui.LABELS.update(LABELS)


def _office(session: DbSession, officer: Officer, code: str) -> Office:
    """The office, if this officer may see it (admins: all; officers: their own)."""
    office = session.get(Office, code)
    if office is None or (officer.role != "admin" and officer.office_code != code):
        raise HTTPException(404, "Not Found")
    return office


def _admin(officer: Officer) -> None:
    if officer.role != "admin":
        raise HTTPException(404, "Not Found")


def _back(code: str, **query: str) -> RedirectResponse:
    extra = "&".join(f"{k}={v}" for k, v in query.items())
    return RedirectResponse(f"/dashboard/offices/{code}?{extra}", status_code=303)


def _today(office: Office) -> date:
    return utcnow().astimezone(ZoneInfo(office.timezone)).date()


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard", include_in_schema=False)

    @api.get("/offices/{code}")
    def office_page(
        code: str, request: Request, session: DbSession, officer: CurrentOfficer
    ) -> Response:
        office = _office(session, officer, code)
        netra = netra_of(request)
        config = DigestConfig.from_settings(netra.settings)
        today = _today(office)
        preview = telegram_text(digest_for(session, office, today, "pagi", config), config.base_url)
        return ui.render(
            request,
            "office_page.html",
            {
                "office": office,
                "emails": addresses(office.email),
                "channels": [c for c, _ in channels_of(office)],
                "rows": history(session, office.code),
                "preview": preview,
                "today": today,
                "link_code": request.query_params.get("kode"),
                "error": request.query_params.get("error"),
                "is_admin": officer.role == "admin",
            },
        )

    @api.post("/offices/{code}/link-code", dependencies=[CsrfChecked])
    def make_code(code: str, session: DbSession, officer: CurrentOfficer) -> Response:
        office = _office(session, officer, code)
        now = utcnow()
        made = new_link_code(session, office.code, now=now, officer_id=officer.id)
        audit.record(session, "office_link_code", now=now, officer=officer, office_code=office.code)
        session.commit()
        return _back(office.code, kode=made)

    @api.post("/offices/{code}/telegram/unlink", dependencies=[CsrfChecked])
    def unlink(code: str, session: DbSession, officer: CurrentOfficer) -> Response:
        office = _office(session, officer, code)
        unlink_telegram(session, office)
        audit.record(
            session, "office_unlink", now=utcnow(), officer=officer, office_code=office.code
        )
        session.commit()
        return _back(office.code)

    @api.post("/offices/{code}/digest-settings", dependencies=[CsrfChecked])
    def settings(
        code: str,
        session: DbSession,
        officer: CurrentOfficer,
        email: Annotated[str, Form(max_length=254)] = "",
        lang: Annotated[str, Form(max_length=5)] = "id",
    ) -> Response:
        _admin(officer)
        office = _office(session, officer, code)
        found = addresses(email)
        if not all(valid_address(a) for a in found):
            return _back(office.code, error="email")
        office.email = ", ".join(found) or None
        office.digest_lang = "en" if lang == "en" else "id"
        session.add(office)
        audit.record(
            session,
            "office_digest_settings",
            now=utcnow(),
            officer=officer,
            office_code=office.code,
            detail=f"emails={len(found)} lang={office.digest_lang}",
        )
        session.commit()
        return _back(office.code)

    @api.post("/offices/{code}/resend", dependencies=[CsrfChecked])
    def resend_today(
        code: str, request: Request, session: DbSession, officer: CurrentOfficer
    ) -> Response:
        office = _office(session, officer, code)
        netra = netra_of(request)
        now = utcnow()
        today = _today(office)
        resend(
            session,
            office,
            today,
            now=now,
            config=DigestConfig.from_settings(netra.settings),
            officer_id=officer.id,
        )
        audit.record(
            session,
            "digest_resend",
            now=now,
            officer=officer,
            office_code=office.code,
            detail=today.isoformat(),
        )
        session.commit()
        request.app.state.sender.wake()
        return _back(office.code)

    return api
