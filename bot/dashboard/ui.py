"""Templates, the officer-facing labels (Bahasa Indonesia and English), and safe responses.

Jinja2 autoescapes every value, so decrypted report text is shown as text, never as markup.
Every dashboard response forbids caching, framing and inline script (Content-Security-Policy).
Other modules add their own sections to the ticket page by creating
``templates/ticket_extra.html`` (included by ``ticket.html`` if present) and their labels with
``LABELS.update(...)``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from bot.dashboard.auth import CSRF_FIELD, csrf_token, ensure_pre_session
from handlers.categories import CATEGORIES
from handlers.dates import format_day

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
LANG_COOKIE = "netra_dash_lang"

TEMPLATES = Jinja2Templates(directory=str(TEMPLATE_DIR))

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}

# key → (Bahasa Indonesia, English)
LABELS: dict[str, tuple[str, str]] = {
    "app": ("Netra — Dasbor Bawaslu", "Netra — Bawaslu dashboard"),
    "login": ("Masuk", "Log in"),
    "logout": ("Keluar", "Log out"),
    "username": ("Nama pengguna", "Username"),
    "password": ("Kata sandi", "Password"),
    "totp": ("Kode autentikator (bila aktif)", "Authenticator code (if enabled)"),
    "login_bad": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "login_totp": ("Masukkan kode autentikator.", "Enter your authenticator code."),
    "login_locked": (
        "Terlalu banyak percobaan gagal. Coba lagi dalam {minutes} menit.",
        "Too many failed attempts. Try again in {minutes} minutes.",
    ),
    "inbox": ("Kotak masuk", "Inbox"),
    "audit": ("Log audit", "Audit log"),
    "account": ("Akun", "Account"),
    "offices": ("Kantor", "Offices"),
    "officers": ("Akun petugas", "Officer accounts"),
    "national": ("Rekap nasional", "National counts"),
    "export_csv": ("Ekspor CSV", "Export CSV"),
    "filter": ("Saring", "Filter"),
    "all": ("Semua", "All"),
    "status": ("Status", "Status"),
    "category": ("Kategori", "Category"),
    "region": ("Kab/Kota / wilayah", "Regency/city / region"),
    "received_from": ("Diterima sejak", "Received from"),
    "received_to": ("sampai", "to"),
    "code": ("Kode", "Code"),
    "incident_date": ("Tanggal kejadian", "Incident date"),
    "learned_date": ("Tanggal diketahui", "Date learned"),
    "received": ("Diterima", "Received"),
    "reporting_window": ("Batas pelaporan (7 hari)", "Reporting window (7 days)"),
    "processing_window": ("Batas penanganan", "Processing window"),
    "late": ("terlambat dilaporkan", "reported late"),
    "on_time": ("tepat waktu", "on time"),
    "overdue": ("LEWAT BATAS", "OVERDUE"),
    "hours_left": ("sisa {hours} jam", "{hours} h left"),
    "time_left": ("sisa {span}", "{span} left"),
    "decided": ("sudah diputuskan", "decided"),
    "escalated": ("Eskalasi", "Escalated"),
    "escalated_from": ("Eskalasi dari {office}", "Escalated from {office}"),
    "no_tickets": ("Tidak ada laporan.", "No reports."),
    "ticket": ("Laporan", "Report"),
    "office": ("Kantor", "Office"),
    "institution_level": ("Tingkat instansi", "Institution level"),
    "accused_position": ("Jabatan terlapor", "Accused's position"),
    "accused_name": ("Nama terlapor", "Accused's name"),
    "description": ("Kronologi", "Account of events"),
    "witnesses": ("Saksi", "Witnesses"),
    "evidence": ("Bukti", "Evidence"),
    "no_evidence": ("Tidak ada bukti.", "No evidence."),
    "view": ("Lihat", "View"),
    "download": ("Unduh", "Download"),
    "timeline": ("Linimasa", "Timeline"),
    "event_created": ("Laporan diterima", "Report received"),
    "event_status": ("Status diubah", "Status changed"),
    "event_note": ("Catatan", "Note"),
    "event_reassigned": ("Dialihkan", "Reassigned"),
    "event_escalated": ("Eskalasi ke Bawaslu Provinsi", "Escalated to Bawaslu Provinsi"),
    "event_question": ("Pertanyaan ke pelapor", "Question to reporter"),
    "event_answer": ("Jawaban pelapor", "Reporter's answer"),
    "change_status": ("Ubah status", "Change status"),
    "new_status": ("Status baru", "New status"),
    "note": ("Catatan (wajib)", "Note (required)"),
    "destination": ("Ditindaklanjuti ke", "Taken up as / forwarded to"),
    "dest_temuan": ("Temuan Bawaslu", "Bawaslu finding"),
    "dest_bkn": ("Rekomendasi ke BKN", "Recommendation to BKN"),
    "dest_gakkumdu": ("Sentra Gakkumdu", "Gakkumdu (criminal)"),
    "dest_lainnya": ("Lainnya", "Other"),
    "save": ("Simpan", "Save"),
    "add_note": ("Tambah catatan internal", "Add internal note"),
    "reassign": ("Alihkan ke kantor lain", "Reassign to another office"),
    "reason": ("Alasan (wajib)", "Reason (required)"),
    "office_code": ("Kode kantor", "Office code"),
    "no_transitions": ("Status akhir: tidak dapat diubah.", "Final status: cannot change."),
    "saved": ("Tersimpan.", "Saved."),
    "err_illegal_transition": (
        "Perubahan status itu tidak diizinkan.",
        "That change is not allowed.",
    ),
    "err_unknown_status": ("Status tidak dikenal.", "Unknown status."),
    "err_note_required": ("Catatan wajib diisi (min. 5 huruf).", "A note is required (5+ chars)."),
    "err_note_too_long": ("Catatan terlalu panjang.", "The note is too long."),
    "err_destination_required": (
        "Pilih ke mana ditindaklanjuti.",
        "Choose where the case goes.",
    ),
    "err_unknown_office": ("Kode kantor tidak dikenal.", "Unknown office code."),
    "err_same_office": ("Laporan sudah di kantor itu.", "The report is already at that office."),
    "err_ticket_closed": ("Laporan sudah diputuskan.", "The report is already decided."),
    "when": ("Waktu", "When"),
    "who": ("Petugas", "Officer"),
    "action": ("Tindakan", "Action"),
    "detail": ("Keterangan", "Detail"),
    "system": ("sistem", "system"),
    "display_name": ("Nama tampilan", "Display name"),
    "role": ("Peran", "Role"),
    "active": ("Aktif", "Active"),
    "add": ("Tambah", "Add"),
    "disable": ("Nonaktifkan", "Disable"),
    "enable": ("Aktifkan", "Enable"),
    "reset_password": ("Atur ulang sandi", "Reset password"),
    "new_password_is": (
        "Sandi baru untuk {user}: {password} — sampaikan secara langsung, lalu minta diganti.",
        "New password for {user}: {password} — hand it over in person.",
    ),
    "level": ("Tingkat", "Level"),
    "parent": ("Induk", "Parent"),
    "name": ("Nama", "Name"),
    "tickets": ("Laporan", "Reports"),
    "province": ("Provinsi", "Province"),
    "totp_setup": ("Aktifkan autentikator (TOTP)", "Enable authenticator (TOTP)"),
    "totp_on": ("Autentikator aktif.", "Authenticator is on."),
    "totp_off": ("Matikan autentikator", "Turn authenticator off"),
    "totp_secret": (
        "Kunci rahasia untuk aplikasi autentikator",
        "Secret for your authenticator app",
    ),
    "totp_code": ("Kode dari aplikasi", "Code from the app"),
    "totp_wrong": ("Kode salah; coba lagi.", "Wrong code; try again."),
    "api_tokens": ("Token API", "API tokens"),
    "token_name": ("Nama token", "Token name"),
    "create_token": ("Buat token", "Create token"),
    "token_shown_once": (
        "Token baru (hanya ditampilkan sekali):",
        "New token (shown only once):",
    ),
    "revoke": ("Cabut", "Revoke"),
    "revoked": ("dicabut", "revoked"),
    "previous": ("Sebelumnya", "Previous"),
    "next": ("Berikutnya", "Next"),
    "not_found": ("Tidak ditemukan.", "Not found."),
}
for _status, _labels in {
    "baru": ("Baru", "New"),
    "dikaji": ("Dikaji", "Under review"),
    "perlu_info": ("Perlu info tambahan", "More information needed"),
    "ditindaklanjuti": ("Ditindaklanjuti", "Taken up"),
    "selesai": ("Selesai", "Closed"),
    "tidak_ditindaklanjuti": ("Tidak ditindaklanjuti", "Not taken further"),
}.items():
    LABELS[f"st_{_status}"] = _labels


def lang_of(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "id"


def label(lang: str, key: str, **values: object) -> str:
    texts = LABELS.get(key)
    if texts is None:
        return key
    text = texts[1] if lang == "en" else texts[0]
    return text.format(**values) if values else text


def category_label(key: str, lang: str) -> str:
    for category in CATEGORIES:
        if category.key == key:
            return category.label(lang)
    return key


@pass_context
def _translate(context: Any, key: str, **values: object) -> str:
    return label(lang_of(context["request"]), key, **values)


@pass_context
def _csrf_field(context: Any) -> Any:
    from markupsafe import Markup, escape

    token = csrf_token(context["request"])
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')


@pass_context
def _category(context: Any, key: str) -> str:
    return category_label(key, lang_of(context["request"]))


@pass_context
def _level(context: Any, key: str) -> str:
    """The institution level as the reporter chose it ("Pemerintah provinsi"), not its key."""
    from handlers.messages import CATALOGUE, t

    name = f"level_{key}"
    return t(name, lang_of(context["request"])) if name in CATALOGUE else key


TEMPLATES.env.globals.update(
    _=_translate,
    csrf_field=_csrf_field,
    csrf_token=csrf_token,
    category_label=_category,
    level_label=_level,
)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page with the dashboard's security headers (and the pre-session cookie if needed)."""
    values = {"lang": lang_of(request), "officer": getattr(request.state, "officer", None)}
    values.update(context or {})
    response = TEMPLATES.TemplateResponse(request, template, values, status_code=status_code)
    # The template ran above: if it asked for a CSRF token without a session, keep its seed.
    ensure_pre_session(request, response)
    harden(response)
    return response


def harden(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def span(hours: int, lang: str = "id") -> str:
    """Hours as officers say them: "2 hari 4 jam" rather than "52 jam"."""
    days, rest = divmod(max(0, int(hours)), 24)
    day_word, hour_word = ("hari", "jam") if lang == "id" else ("d", "h")
    if days and rest:
        return f"{days} {day_word} {rest} {hour_word}"
    if days:
        return f"{days} {day_word}"
    return f"{rest} {hour_word}"


TEMPLATES.env.filters["span"] = span


def local_day(day: date, lang: str = "id") -> str:
    """A calendar day as officers read it: "Senin, 7 Oktober 2024" (the weekday catches typos)."""
    return format_day(day, lang)


def local_when(moment: datetime, zone: ZoneInfo | str, lang: str = "id") -> str:
    """A moment in the office's time zone, one format for every dashboard page.

    "Senin, 7 Oktober 2024 14.05 WITA" (Indonesian writes the time with a dot), or
    "Monday, 7 October 2024 14:05 WITA". A naive ``moment`` is UTC, as the database keeps it.
    """
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = aware.astimezone(tz)
    clock = local.strftime("%H.%M" if lang == "id" else "%H:%M")
    return f"{local_day(local.date(), lang)} {clock} {local.strftime('%Z')}"


def file_size(size: int, lang: str = "id") -> str:
    """Bytes as a person reads them: "1,2 MB", "350 KB", "< 1 KB" (never a byte count)."""
    if size < 1024:
        return "< 1 KB"
    amount, unit = size / 1024, "KB"
    for unit in ("KB", "MB", "GB"):
        if amount < 1000 or unit == "GB":
            break
        amount /= 1024
    text = f"{amount:.0f}" if unit == "KB" or amount >= 100 else f"{amount:.1f}"
    return f"{text.replace('.', ',') if lang == 'id' else text} {unit}"


@pass_context
def _when(context: Any, moment: datetime, zone: ZoneInfo | str) -> str:
    return local_when(moment, zone, lang_of(context["request"]))


@pass_context
def _day(context: Any, day: date | str | None) -> str:
    """A ``date`` or its ISO text (some views hand dates over as text); nothing: "—"."""
    if not day:
        return "—"
    return local_day(
        date.fromisoformat(day) if isinstance(day, str) else day, lang_of(context["request"])
    )


@pass_context
def _size(context: Any, size: int) -> str:
    return file_size(size, lang_of(context["request"]))


TEMPLATES.env.filters.update(when=_when, day=_day, size=_size)
