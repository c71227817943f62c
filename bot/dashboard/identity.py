"""Ticket page: the sealed formal identity — reveal with the passphrase, re-seal on reassignment.

A reveal answers the POST itself with the identity (no redirect, no storage, ``no-store``
headers): it exists only in that one response. The passphrase and the reason text are never
logged or stored; the audit log gets the reason's category and length.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from jinja2 import pass_context
from sqlmodel import Session

from bot.config import Settings
from bot.dashboard import ui
from bot.dashboard.auth import CsrfChecked, CurrentOfficer, DbSession, netra_of
from bot.dashboard.followup import reading_session
from bot.runtime import utcnow
from storage import audit
from storage.access import ticket_for
from storage.identity import (
    REASON_MIN,
    REVEAL_REASONS,
    IdentityError,
    UnlockLimits,
    awaiting_reseal,
    claim_unlock,
    finish_unlock,
    office_key,
    reseal,
    reveal_identity,
    sealed_identity_for,
)
from storage.models import Office, SealedIdentity, Ticket
from storage.sealing import WrongPassphrase

log = logging.getLogger(__name__)

LABELS: dict[str, tuple[str, str]] = {
    "idn_title": ("Identitas pelapor (tersegel)", "Reporter's identity (sealed)"),
    "idn_none": (
        "Tidak ada identitas: laporan ini informasi awal (anonim).",
        "No identity: this report is initial information (anonymous).",
    ),
    "idn_sealed": (
        "Pelapor melampirkan identitas untuk laporan resmi. Identitas tersegel untuk kunci "
        "kantor {office}; hanya kata sandi custodian kantor itu yang dapat membukanya. Setiap "
        "pembukaan dicatat di log audit.",
        "The reporter attached their identity for a formal report. It is sealed to office "
        "{office}'s key; only that office custodian's passphrase opens it. Every opening is "
        "written to the audit log.",
    ),
    "idn_elsewhere": (
        "Identitas masih tersegel untuk kantor {office}. Custodian kantor itu perlu menyegel "
        "ulang ke kantor ini (halaman Identitas tersegel di kantor itu).",
        "The identity is still sealed to office {office}. That office's custodian must re-seal "
        "it to this office (their Sealed identities page).",
    ),
    "idn_passphrase": ("Kata sandi kunci kantor", "Office key passphrase"),
    "idn_reason_category": ("Alasan", "Reason"),
    "idn_reason": ("Keterangan alasan", "Reason details"),
    "idn_reveal": ("Buka identitas", "Reveal identity"),
    "idn_reason_laporan_resmi": ("Registrasi laporan resmi", "Registering a formal report"),
    "idn_reason_klarifikasi": ("Klarifikasi kepada pelapor", "Clarification with the reporter"),
    "idn_reason_penegak_hukum": (
        "Permintaan Gakkumdu/penegak hukum",
        "Request from Gakkumdu/law enforcement",
    ),
    "idn_reason_lainnya": ("Lainnya", "Other"),
    "idn_reseal_title": ("Segel ulang ke kantor lain", "Re-seal to another office"),
    "idn_reseal_explain": (
        "Sebelum mengalihkan laporan, custodian dapat menyegel ulang identitas ke kunci kantor "
        "tujuan, agar kantor itu dapat membukanya.",
        "Before reassigning the report, the custodian can re-seal the identity to the target "
        "office's key so that office can open it.",
    ),
    "idn_reseal": ("Segel ulang", "Re-seal"),
    "idn_target": ("Kode kantor tujuan", "Target office code"),
    "idn_pending_title": (
        "Identitas tersegel menunggu segel ulang",
        "Sealed identities to re-seal",
    ),
    "idn_pending_none": (
        "Tidak ada identitas yang perlu disegel ulang.",
        "No identity needs re-sealing.",
    ),
    "idn_pending_explain": (
        "Laporan berikut sudah dialihkan ke kantor lain, tetapi identitas pelapornya masih "
        "tersegel untuk kunci kantor ini. Segel ulang dengan kata sandi kantor ini.",
        "These reports moved to another office, but their reporter's identity is still sealed "
        "to this office's key. Re-seal it with this office's passphrase.",
    ),
    "idn_shown_once": (
        "Identitas ini ditampilkan sekali dan tidak disimpan. Jangan menyalinnya ke tempat "
        "yang tidak aman. Pembukaan ini tercatat di log audit.",
        "This identity is shown once and is not stored. Do not copy it anywhere unsafe. This "
        "opening is recorded in the audit log.",
    ),
    "idn_name": ("Nama", "Name"),
    "idn_nik": ("NIK", "NIK"),
    "idn_address": ("Alamat", "Address"),
    "idn_phone": ("Telepon", "Phone"),
    "idn_back": ("Kembali ke laporan", "Back to the report"),
    "idn_ok_resealed": ("Identitas disegel ulang.", "Identity re-sealed."),
    "idn_err_wrong_passphrase": (
        "Kata sandi salah. Percobaan ini dicatat.",
        "Wrong passphrase. This attempt was logged.",
    ),
    "idn_err_locked": (
        "Terlalu banyak kata sandi salah. Coba lagi dalam 15 menit.",
        "Too many wrong passphrases. Try again in 15 minutes.",
    ),
    "idn_err_reason": (
        f"Pilih kategori alasan dan tulis keterangannya (min. {REASON_MIN} karakter).",
        f"Choose a reason category and write details ({REASON_MIN}+ characters).",
    ),
    "idn_err_busy": (
        "Server sedang memeriksa kata sandi lain. Coba lagi sebentar lagi.",
        "The server is checking other passphrases. Try again in a moment.",
    ),
    "idn_err_refused": (
        "Tidak dapat dilakukan (kantor tujuan belum punya kunci, atau identitas tersegel untuk "
        "kantor lain).",
        "Not possible (the target office has no key yet, or the identity is sealed to another "
        "office).",
    ),
    "sealed_identities": ("Identitas tersegel", "Sealed identities"),
}
ui.LABELS.update(LABELS)
FLASHES = (
    "ok_resealed",
    "err_wrong_passphrase",
    "err_locked",
    "err_reason",
    "err_refused",
    "err_busy",
)

# How long a passphrase try waits for a free slot before the officer is told to retry.
UNLOCK_WAIT_SECONDS = 10.0
# One semaphore per cap, shared by every request of the process.
_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


@dataclass(frozen=True)
class Unlocking:
    """The settings' limits on passphrase tries, and this process's slots for running them.

    Each unlock runs scrypt with 128 MiB: a burst of them must not exhaust the server's memory,
    so at most ``NETRA_UNLOCK_MAX_CONCURRENT`` run at once.
    """

    limits: UnlockLimits
    slots: threading.BoundedSemaphore

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """One of the few concurrent passphrase checks, or False when none frees up in time."""
        acquired = self.slots.acquire(timeout=UNLOCK_WAIT_SECONDS)
        try:
            yield acquired
        finally:
            if acquired:
                self.slots.release()


def unlocking_for(settings: Settings) -> Unlocking:
    cap = settings.unlock_max_concurrent
    with _slots_lock:
        slots = _slots.setdefault(cap, threading.BoundedSemaphore(cap))
    limits = UnlockLimits(
        per_officer=settings.unlock_officer_max_failures,
        per_key=settings.unlock_key_max_failures,
        lockout=timedelta(minutes=settings.unlock_lockout_minutes),
    )
    return Unlocking(limits, slots)


def _unlocking(request: Request) -> Unlocking:
    return unlocking_for(netra_of(request).settings)


UnlockingDep = Annotated[Unlocking, Depends(_unlocking)]


@pass_context
def _identity_info(context: Any, ticket: Ticket) -> dict[str, Any]:
    """What the ticket page may say about the sealed identity: presence and office, no content."""
    with reading_session(context, ticket) as session:
        assert ticket.id is not None
        row = sealed_identity_for(session, ticket.id)
        return {
            "sealed": row is not None,
            "sealed_office": row.office_code if row else None,
            "here": row is not None and row.office_code == ticket.office_code,
            "office_has_key": office_key(session, ticket.office_code) is not None,
            "reasons": REVEAL_REASONS,
        }


ui.TEMPLATES.env.globals["identity_info"] = _identity_info


def _back(code: str, flash: str) -> RedirectResponse:
    return RedirectResponse(f"/dashboard/tickets/{code}?idf={flash}", status_code=303)


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard", include_in_schema=False)

    @api.post("/tickets/{code}/identity/reveal", dependencies=[CsrfChecked])
    def post_reveal(
        code: str,
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        unlocking: UnlockingDep,
        passphrase: Annotated[str, Form(max_length=1000)] = "",
        reason_category: Annotated[str, Form(max_length=40)] = "",
        reason: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        ticket = ticket_for(session, officer, code)
        if ticket is None or ticket.id is None or sealed_identity_for(session, ticket.id) is None:
            raise HTTPException(404, "Not Found")
        try:
            with unlocking.slot() as free:
                if not free:
                    return _back(ticket.code, "err_busy")
                result = reveal_identity(
                    session,
                    ticket=ticket,
                    officer=officer,
                    passphrase=passphrase,
                    reason_category=reason_category,
                    reason=reason,
                    now=utcnow(),
                    limits=unlocking.limits,
                )
        except IdentityError as exc:
            session.rollback()
            refused = "err_reason" if "reason" in str(exc) else "err_refused"
            return _back(ticket.code, refused)
        session.commit()  # the audit row, whether or not the passphrase was right
        if result.identity is None:
            return _back(ticket.code, f"err_{result.reason}")
        return ui.render(
            request, "identity_reveal.html", {"code": ticket.code, "identity": result.identity}
        )

    @api.post("/tickets/{code}/identity/reseal", dependencies=[CsrfChecked])
    def post_reseal_here(
        code: str,
        session: DbSession,
        officer: CurrentOfficer,
        unlocking: UnlockingDep,
        passphrase: Annotated[str, Form(max_length=1000)] = "",
        office_code: Annotated[str, Form(max_length=8)] = "",
    ) -> Response:
        """Before a reassignment: re-seal from this office to the office it is going to."""
        ticket = ticket_for(session, officer, code)
        if ticket is None or ticket.id is None:
            raise HTTPException(404, "Not Found")
        row = sealed_identity_for(session, ticket.id)
        if row is None or row.office_code != officer.office_code:
            return _back(ticket.code, "err_refused")
        target = office_code.strip()
        return _reseal(session, officer, unlocking, ticket, passphrase, target, ticket.code)

    @api.get("/identities")
    def pending_page(request: Request, session: DbSession, officer: CurrentOfficer) -> Response:
        pending = [
            {"id": row.id, "code": ticket.code, "office": ticket.office_code}
            for row, ticket in awaiting_reseal(session, officer.office_code)
        ]
        flash = request.query_params.get("idf")
        return ui.render(
            request,
            "identity_pending.html",
            {"pending": pending, "idf": flash if flash in FLASHES else None},
        )

    @api.post("/identities/{sealed_id}/reseal", dependencies=[CsrfChecked])
    def post_reseal_pending(
        sealed_id: int,
        session: DbSession,
        officer: CurrentOfficer,
        unlocking: UnlockingDep,
        passphrase: Annotated[str, Form(max_length=1000)] = "",
    ) -> Response:
        """After a reassignment: the old office re-seals to wherever the ticket now is."""
        row = session.get(SealedIdentity, sealed_id)
        ticket = session.get(Ticket, row.ticket_id) if row else None
        if row is None or ticket is None or row.office_code != officer.office_code:
            raise HTTPException(404, "Not Found")
        if ticket.office_code == officer.office_code:
            raise HTTPException(404, "Not Found")
        return _reseal(session, officer, unlocking, ticket, passphrase, ticket.office_code, None)

    return api


def _reseal(
    session: Session,
    officer: Any,
    unlocking: Unlocking,
    ticket: Ticket,
    passphrase: str,
    target: str,
    back_to: str | None,
) -> Response:
    def done(flash: str) -> RedirectResponse:
        if back_to is not None:
            return _back(back_to, flash)
        return RedirectResponse(f"/dashboard/identities?idf={flash}", status_code=303)

    now = utcnow()
    if session.get(Office, target) is None:
        return done("err_refused")
    with unlocking.slot() as free:
        if not free:
            return done("err_busy")
        attempt = claim_unlock(
            session,
            officer=officer,
            office_code=officer.office_code,
            now=now,
            limits=unlocking.limits,
        )
        if attempt is None:
            session.rollback()
            return done("err_locked")
        session.commit()  # the try is counted before the KDF runs (see ``claim_unlock``)
        try:
            reseal(session, ticket, passphrase, target, officer=officer, now=now)
        except WrongPassphrase:
            session.rollback()
            finish_unlock(session, attempt, ok=False)
            # Audited like a failed reveal: both are passphrase guesses.
            audit.record(
                session,
                "reveal_identity_failed",
                now=now,
                officer=officer,
                ticket_id=ticket.id,
                detail="reseal",
            )
            session.commit()
            return done("err_wrong_passphrase")
        except IdentityError:
            session.rollback()
            finish_unlock(session, attempt, ok=False)
            session.commit()
            return done("err_refused")
        finish_unlock(session, attempt, ok=True)
    session.commit()
    log.info("identity of a ticket re-sealed from %s to %s", officer.office_code, target)
    return done("ok_resealed")
