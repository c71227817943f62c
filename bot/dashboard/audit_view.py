"""The audit log as officers read it: their office's local time, words instead of action keys,
ticket codes instead of row ids, and filters by action and ticket."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from bot.dashboard import ui
from bot.dashboard.views import Offices, local_time
from storage.models import AuditLog, Officer, Ticket

# action key → (Bahasa Indonesia, English); an action missing here shows its key.
ACTIONS: dict[str, tuple[str, str]] = {
    "view_ticket": ("Membuka tiket", "Opened a ticket"),
    "view_evidence": ("Membuka bukti", "Opened evidence"),
    "download_evidence": ("Mengunduh bukti", "Downloaded evidence"),
    "status_change": ("Mengubah status", "Changed status"),
    "note": ("Menambah catatan", "Added a note"),
    "reassign": ("Memindahkan tiket", "Reassigned a ticket"),
    "escalated": ("Eskalasi otomatis", "Escalated automatically"),
    "followup_question": ("Bertanya kepada pelapor", "Asked the reporter"),
    "reveal_identity": ("Membuka identitas tersegel", "Revealed a sealed identity"),
    "reveal_identity_failed": ("Gagal membuka identitas", "Failed identity reveal"),
    "reseal_identity": ("Menyegel ulang identitas", "Resealed an identity"),
    "export_csv": ("Ekspor CSV", "CSV export"),
    "api_list": ("API: daftar tiket", "API: ticket list"),
    "api_view": ("API: membuka tiket", "API: opened a ticket"),
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
}
ui.LABELS.update(
    {
        "audit_filter_action": ("Tindakan", "Action"),
        "audit_filter_ticket": ("Kode tiket", "Ticket code"),
        "audit_unknown_ticket": ("Kode tiket tidak ditemukan.", "No ticket with that code."),
    }
)


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
    return [
        {
            "when": local_time(entry.at, zone),
            "who": username,
            "office": entry.office_code or "",
            "action": action_label(entry.action, lang),
            "ticket": codes.get(entry.ticket_id) if entry.ticket_id else None,
            "detail": entry.detail or "",
        }
        for entry, username in entries
    ]
