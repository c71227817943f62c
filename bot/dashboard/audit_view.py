"""The audit log as officers read it: their office's local time in the dashboard's one date
format, words instead of action keys and of the machine-written details ("dikaji->perlu_info"
reads "Dikaji → Perlu info tambahan"), ticket codes instead of row ids, evidence by its number
on the ticket page, and filters by action, ticket and officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import unquote_plus

from sqlmodel import Session, col, select

from bot.dashboard import ui
from bot.dashboard.views import Offices
from storage.models import AuditLog, Evidence, Officer, Ticket

# action key → (Bahasa Indonesia, English); an action missing here shows its key.
ACTIONS: dict[str, tuple[str, str]] = {
    "view_ticket": ("Membuka laporan", "Opened a report"),
    "view_evidence": ("Membuka bukti", "Opened evidence"),
    "download_evidence": ("Mengunduh bukti", "Downloaded evidence"),
    "status_change": ("Mengubah status", "Changed status"),
    "note": ("Menambah catatan", "Added a note"),
    "reassign": ("Memindahkan laporan", "Reassigned a report"),
    "escalated": ("Eskalasi otomatis", "Escalated automatically"),
    "followup_question": ("Bertanya kepada pelapor", "Asked the reporter"),
    "reveal_identity": ("Membuka identitas tersegel", "Revealed a sealed identity"),
    "reveal_identity_failed": ("Gagal membuka identitas", "Failed identity reveal"),
    "reseal_identity": ("Menyegel ulang identitas", "Resealed an identity"),
    "export_csv": ("Ekspor CSV", "CSV export"),
    "api_list": ("API: daftar laporan", "API: report list"),
    "api_view": ("API: membuka laporan", "API: opened a report"),
    "login": ("Masuk", "Logged in"),
    "login_failed": ("Gagal masuk", "Failed login"),
    "logout": ("Keluar", "Logged out"),
    "password_changed": ("Mengganti kata sandi", "Changed password"),
    "totp_enabled": ("Mengaktifkan autentikator", "Enabled authenticator"),
    "totp_disabled": ("Mematikan autentikator", "Disabled authenticator"),
    "token_created": ("Membuat token API", "Created an API token"),
    "token_revoked": ("Mencabut token API", "Revoked an API token"),
    "officer_add": ("Menambah akun petugas", "Added an officer"),
    "officer_reset": ("Mengatur ulang sandi petugas", "Reset an officer's password"),
    "officer_enable": ("Mengaktifkan akun petugas", "Enabled an officer"),
    "officer_disable": ("Menonaktifkan akun petugas", "Disabled an officer"),
    "digest_resend": ("Mengirim ulang ringkasan", "Re-sent a digest"),
    "office_digest_settings": ("Mengubah pengaturan ringkasan", "Changed digest settings"),
    "office_link_code": ("Membuat kode tautan kantor", "Made an office link code"),
    "office_unlink": ("Melepas tautan kantor", "Unlinked an office chat"),
    "reclassify": ("Mengubah kategori", "Reclassified"),
    "officer_move_out": ("Memindahkan petugas keluar", "Moved an officer out"),
    "officer_move_in": ("Menerima petugas pindahan", "Moved an officer in"),
    "legal_hold_set": ("Menahan penghapusan data", "Set a legal hold"),
    "legal_hold_lifted": ("Mencabut penahanan data", "Lifted a legal hold"),
    "ticket_shredded": ("Menghapus data laporan (retensi)", "Shredded a report (retention)"),
    "broadcast_create": ("Membuat pengingat", "Created a reminder"),
    "broadcast_approve": ("Menyetujui pengingat", "Approved a reminder"),
    "broadcast_pause": ("Menjeda pengingat", "Paused a reminder"),
    "broadcast_resume": ("Melanjutkan pengingat", "Resumed a reminder"),
    "broadcast_cancel": ("Membatalkan pengingat", "Cancelled a reminder"),
}
ui.LABELS.update(
    {
        "audit_filter_action": ("Tindakan", "Action"),
        "audit_filter_ticket": ("Kode laporan", "Report code"),
        "audit_unknown_ticket": ("Kode laporan tidak ditemukan.", "No report with that code."),
        "audit_filter_who": ("Petugas (nama pengguna)", "Officer (username)"),
        "audit_unknown_who": ("Nama pengguna tidak ditemukan.", "No officer with that username."),
        "audit_from": ("Dari tanggal", "From"),
        "audit_to": ("Sampai tanggal", "To"),
        "audit_evidence": ("Bukti ke-{n}", "Evidence no. {n}"),
        "audit_all_tickets": ("semua laporan", "all reports"),
        "audit_filtered": ("dengan saringan {query}", "filtered by {query}"),
        "audit_rows": ("{n} laporan", "{n} reports"),
        "audit_to_office": ("ke {office}", "to {office}"),
        "audit_reason_chars": ("alasan dicatat ({n} huruf)", "reason recorded ({n} characters)"),
        "audit_login_bad": ("kata sandi salah", "wrong password"),
        "audit_login_totp": ("kode autentikator salah/kosong", "authenticator code wrong/missing"),
        "audit_login_locked": ("akun terkunci sementara", "account locked for a while"),
        "audit_fu_sent": ("terkirim", "sent"),
        "audit_fu_queued": ("menunggu pertanyaan sebelumnya", "waits for an earlier question"),
        "audit_fu_unreachable": ("pelapor tidak dapat dihubungi", "reporter unreachable"),
        "audit_digest": (
            "{n} alamat surel, bahasa {language}",
            "{n} email addresses, language {language}",
        ),
    }
)


@dataclass(frozen=True)
class Chosen:
    """The audit page's filters as typed (to show them again) and as query values.

    ``unknown`` names a filter that matches nothing (a ticket code or username that does not
    exist): the page says so instead of listing everything.
    """

    action: str | None = None
    ticket: str = ""
    who: str = ""
    date_from: date | None = None
    date_to: date | None = None
    ticket_id: int | None = None
    officer_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    unknown: str | None = None

    @classmethod
    def parse(
        cls,
        session: Session,
        viewer: Officer,
        *,
        action: str,
        ticket: str,
        who: str,
        start: str,
        end: str,
    ) -> Chosen:
        zone = Offices(session).zone(viewer.office_code)
        first, last = _day(start), _day(end)
        ticket, who = ticket.strip().upper(), who.strip().lower()
        ticket_id = ticket_id_of(session, ticket) if ticket else None
        # An officer looks up names in their own office only: no probing for other accounts.
        named = select(Officer.id).where(Officer.username == who)
        if viewer.role != "admin":
            named = named.where(Officer.office_code == viewer.office_code)
        found = session.exec(named).first() if who else None
        unknown = "ticket" if ticket and ticket_id is None else None
        unknown = unknown or ("who" if who and found is None else None)
        return cls(
            action=action if action in ACTIONS else None,
            ticket=ticket,
            who=who,
            date_from=first,
            date_to=last,
            ticket_id=ticket_id,
            officer_id=found,
            since=datetime.combine(first, time.min, zone).astimezone(UTC) if first else None,
            until=(
                datetime.combine(last + timedelta(days=1), time.min, zone).astimezone(UTC)
                if last
                else None
            ),
            unknown=unknown,
        )

    def query(self) -> dict[str, str]:
        values = {
            "action": self.action or "",
            "ticket": self.ticket,
            "who": self.who,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def action_label(action: str, lang: str) -> str:
    pair = ACTIONS.get(action)
    return (pair[0] if lang == "id" else pair[1]) if pair else action


def ticket_id_of(session: Session, code: str) -> int | None:
    found = session.exec(select(Ticket.id).where(Ticket.code == code.strip().upper())).first()
    return found


def rows(
    session: Session, viewer: Officer, entries: list[tuple[AuditLog, str | None]], lang: str
) -> list[dict[str, Any]]:
    """Each entry ready to show, in the viewer's office time zone."""
    offices = Offices(session)
    zone = offices.zone(viewer.office_code)
    ids = {e.ticket_id for e, _ in entries if e.ticket_id is not None}
    codes = (
        dict(session.exec(select(Ticket.id, Ticket.code).where(col(Ticket.id).in_(ids))).all())
        if ids
        else {}
    )
    numbers = _evidence_numbers(session, ids) if ids else {}
    return [
        {
            "when": ui.local_when(entry.at, zone, lang),
            "who": username,
            "office": entry.office_code or "",
            "action": action_label(entry.action, lang),
            "ticket": codes.get(entry.ticket_id) if entry.ticket_id else None,
            "detail": readable_detail(entry.action, entry.detail or "", lang, numbers),
        }
        for entry, username in entries
    ]


def _evidence_numbers(session: Session, ticket_ids: set[int]) -> dict[int, int]:
    """Evidence id → its number on its ticket's page (1, 2, …), as the officer saw it there."""
    found = session.exec(
        select(Evidence.id, Evidence.ticket_id)
        .where(col(Evidence.ticket_id).in_(ticket_ids))
        .order_by(col(Evidence.ticket_id), col(Evidence.id))
    ).all()
    numbers: dict[int, int] = {}
    last, n = None, 0
    for evidence_id, ticket_id in found:
        n = n + 1 if ticket_id == last else 1
        last = ticket_id
        if evidence_id is not None:
            numbers[evidence_id] = n
    return numbers


def _status(key: str, lang: str) -> str:
    return ui.label(lang, f"st_{key}") if f"st_{key}" in ui.LABELS else key


def readable_detail(action: str, detail: str, lang: str, evidence: dict[int, int]) -> str:
    """The machine-written detail in words; anything not recognised is shown as written."""
    say = ui.label
    before, arrow, after = detail.partition("->")
    if action == "status_change" and arrow:
        return f"{_status(before, lang)} → {_status(after, lang)}"
    if action == "reassign" and arrow:
        return f"{before} → {after}"
    if action == "reclassify" and detail:
        return "; ".join(ui.category_label(k, lang) for k in detail.split(","))
    if action in ("view_evidence", "download_evidence") and detail.startswith("evidence="):
        number = detail.removeprefix("evidence=")
        if number.isdigit():
            return say(lang, "audit_evidence", n=evidence.get(int(number), number))
    if action == "login_failed" and detail.startswith("reason="):
        key = f"audit_login_{detail.removeprefix('reason=')}"
        return say(lang, key) if key in ui.LABELS else detail
    if action == "followup_question" and f"audit_fu_{detail}" in ui.LABELS:
        return say(lang, f"audit_fu_{detail}")
    if action == "export_csv" and detail.startswith("streamed"):
        query = unquote_plus(detail.removeprefix("streamed").strip())
        return say(lang, "audit_filtered", query=query) if query else say(lang, "audit_all_tickets")
    if action == "api_list" and detail.startswith("rows="):
        return say(lang, "audit_rows", n=detail.removeprefix("rows="))
    if action == "reseal_identity" and detail.startswith("to="):
        return say(lang, "audit_to_office", office=detail.removeprefix("to="))
    if action == "ticket_shredded" and detail.startswith("status="):
        return _status(detail.removeprefix("status="), lang)
    if action.startswith(("reveal_identity", "legal_hold")):
        return _reason_detail(detail, lang)
    if action == "office_digest_settings":
        values = dict(part.split("=", 1) for part in detail.split() if "=" in part)
        if {"emails", "lang"} <= values.keys():
            return say(lang, "audit_digest", n=values["emails"], language=values["lang"])
    return detail


def _reason_detail(detail: str, lang: str) -> str:
    """ "reason=klarifikasi;chars=24" → "Klarifikasi kepada pelapor; alasan dicatat (24 huruf)"."""
    parts = []
    for part in detail.split(";"):
        key, _, value = part.partition("=")
        if key == "reason" and f"idn_reason_{value}" in ui.LABELS:
            parts.append(ui.label(lang, f"idn_reason_{value}"))
        elif key == "chars" and value.isdigit():
            parts.append(ui.label(lang, "audit_reason_chars", n=value))
        else:
            parts.append(part)
    return "; ".join(parts)
