"""The formal-identity lane: office keys, identities sealed to them, reveal and re-seal.

A reporter who wants a formal *laporan* gives name, NIK, address and phone. Each field is
sealed to the handling office's public key the moment it arrives (``seal_field``), so even the
conversation draft never holds it in a form the server can read. The finished set is stored
as one ``SealedIdentity`` row (a small container of the sealed fields). Only the office's
custodian, with the passphrase, can open it; every reveal, and every refused one, is written
to the audit log with the reason's category and length, never the identity or the reason text.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from storage import audit
from storage.models import (
    Office,
    OfficeKey,
    Officer,
    SealedIdentity,
    Ticket,
    UnlockAttempt,
)
from storage.sealing import (
    DEFAULT_SCRYPT_LOG_N,
    SealingError,
    WrongPassphrase,
    make_office_key,
    open_sealed,
    seal,
    unlock_office_key,
)

FIELDS = ("name", "nik", "address", "phone")
CONTAINER_VERSION = 1
REVEAL_REASONS = ("laporan_resmi", "klarifikasi", "penegak_hukum", "lainnya")
# The defaults of ``UnlockLimits`` (settings: NETRA_UNLOCK_*).
REVEAL_MAX_FAILURES = 5  # per officer, within REVEAL_LOCKOUT
REVEAL_OFFICE_MAX_FAILURES = 10  # per office key, whoever tries: a team cannot share guesses
REVEAL_LOCKOUT = timedelta(minutes=15)
REASON_MIN = 10


@dataclass(frozen=True)
class UnlockLimits:
    """Failed passphrase tries allowed within ``lockout``, per officer and per office key.

    Passed in by the caller (the settings decide), so storage stays free of configuration.
    """

    per_officer: int = REVEAL_MAX_FAILURES
    per_key: int = REVEAL_OFFICE_MAX_FAILURES
    lockout: timedelta = REVEAL_LOCKOUT


DEFAULT_UNLOCK_LIMITS = UnlockLimits()


class IdentityError(ValueError):
    """A request about sealed identities that cannot be done; the message is safe to show."""


@dataclass(frozen=True)
class FormalIdentity:
    """A reporter's identity in clear: lives only in memory, for one page render."""

    name: str
    nik: str
    address: str
    phone: str


@dataclass(frozen=True)
class RevealResult:
    """``identity`` on success; otherwise ``reason``: wrong_passphrase | locked."""

    identity: FormalIdentity | None
    reason: str


# --- office keys ----------------------------------------------------------------------------


def office_key(session: Session, office_code: str) -> OfficeKey | None:
    return session.get(OfficeKey, office_code)


def office_and_key(session: Session, office_code: str) -> tuple[Office | None, OfficeKey | None]:
    """An office and its sealing key in one query. A filed report needs both (the office's
    name for the receipt, its key for the formal lane's offer)."""
    found = session.execute(_OFFICE_AND_KEY, {"code": office_code}).first()
    return (None, None) if found is None else (found[0], found[1])


_OFFICE_AND_KEY = (
    select(Office, OfficeKey)
    .outerjoin(OfficeKey, col(OfficeKey.office_code) == col(Office.code))
    .where(col(Office.code) == bindparam("code"))
)


def create_office_key(
    session: Session,
    office_code: str,
    passphrase: str,
    *,
    now: datetime,
    replace: bool = False,
    scrypt_log_n: int = DEFAULT_SCRYPT_LOG_N,
) -> OfficeKey:
    """Make and store an office's key pair; the passphrase itself is never stored."""
    if session.get(Office, office_code) is None:
        raise IdentityError(f"unknown office code {office_code!r}")
    existing = session.get(OfficeKey, office_code)
    if existing is not None:
        if not replace:
            raise IdentityError(f"office {office_code} already has a key (use --replace)")
        sealed = session.exec(
            select(func.count())
            .select_from(SealedIdentity)
            .where(SealedIdentity.office_code == office_code)
        ).one()
        if sealed:
            raise IdentityError(
                f"{sealed} identities are sealed to office {office_code}'s current key; "
                "replacing it would make them unreadable"
            )
    try:
        public, wrapped = make_office_key(passphrase, office_code, scrypt_log_n=scrypt_log_n)
    except SealingError as exc:
        raise IdentityError(str(exc)) from exc
    key = existing or OfficeKey(
        office_code=office_code, public_key=public, private_key_sealed=wrapped, created_at=now
    )
    key.public_key, key.private_key_sealed, key.created_at = public, wrapped, now
    session.add(key)
    return key


# --- sealing fields -------------------------------------------------------------------------


def _context(ticket_code: str, office_code: str, field: str) -> bytes:
    return f"netra identity|{ticket_code}|{office_code}|{field}".encode()


def seal_field(
    public_key: bytes, *, ticket_code: str, office_code: str, field: str, value: str
) -> str:
    """One identity field sealed to an office (base64 text, safe to keep in a draft)."""
    if field not in FIELDS:
        raise ValueError(f"unknown identity field {field!r}")
    blob = seal(public_key, value.encode("utf-8"), _context(ticket_code, office_code, field))
    return base64.b64encode(blob).decode()


def _pack(office_code: str, sealed_fields: dict[str, str]) -> bytes:
    document = {"v": CONTAINER_VERSION, "office": office_code, "fields": sealed_fields}
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _unpack(ciphertext: bytes) -> tuple[str, dict[str, bytes]]:
    try:
        document = json.loads(bytes(ciphertext))
        fields = {name: base64.b64decode(document["fields"][name]) for name in FIELDS}
        return str(document["office"]), fields
    except (ValueError, KeyError, TypeError) as exc:
        raise SealingError("not a sealed identity") from exc


def sealed_identity_for(session: Session, ticket_id: int) -> SealedIdentity | None:
    return session.exec(select(SealedIdentity).where(SealedIdentity.ticket_id == ticket_id)).first()


def attach_identity(
    session: Session,
    *,
    ticket: Ticket,
    public_key: bytes,
    sealed_fields: dict[str, str],
    now: datetime,
) -> SealedIdentity:
    """Store the sealed fields gathered in the conversation as the ticket's formal identity.

    ``public_key`` is the key the fields were sealed to; if the office changed its key (or the
    ticket moved) meanwhile, the fields could never be opened, so this refuses instead.
    """
    key = session.get(OfficeKey, ticket.office_code)
    if key is None or bytes(key.public_key) != bytes(public_key):
        raise IdentityError("the office key changed while the identity was being given")
    if set(sealed_fields) != set(FIELDS):
        raise IdentityError("the identity is incomplete")
    if ticket.id is None or sealed_identity_for(session, ticket.id) is not None:
        raise IdentityError("this ticket already has a formal identity")
    row = SealedIdentity(
        ticket_id=ticket.id,
        office_code=ticket.office_code,
        ciphertext=_pack(ticket.office_code, sealed_fields),
        created_at=now,
    )
    session.add(row)
    return row


def _open_all(
    session: Session, ticket: Ticket, row: SealedIdentity, passphrase: str
) -> dict[str, str]:
    key = session.get(OfficeKey, row.office_code)
    if key is None:
        raise IdentityError(f"office {row.office_code} has no key")
    office, blobs = _unpack(row.ciphertext)
    if office != row.office_code:
        raise SealingError("sealed identity does not belong to this office")
    private = unlock_office_key(key.private_key_sealed, passphrase, row.office_code)
    return {
        name: open_sealed(private, blob, _context(ticket.code, row.office_code, name)).decode()
        for name, blob in blobs.items()
    }


def open_identity(session: Session, ticket: Ticket, passphrase: str) -> FormalIdentity:
    """Decrypt a ticket's identity with its office's passphrase (``WrongPassphrase`` if not)."""
    assert ticket.id is not None
    row = sealed_identity_for(session, ticket.id)
    if row is None:
        raise IdentityError("this ticket has no formal identity")
    return FormalIdentity(**_open_all(session, ticket, row, passphrase))


# --- reveal and re-seal (the dashboard's actions) -------------------------------------------


def recent_reveal_failures(
    session: Session, officer: Officer, now: datetime, lockout: timedelta = REVEAL_LOCKOUT
) -> int:
    """Passphrase tries of this officer not known to have succeeded (pending ones count)."""
    return _failures(session, col(UnlockAttempt.officer_id) == officer.id, now, lockout)


def _failures(session: Session, who: object, now: datetime, lockout: timedelta) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(UnlockAttempt)
            .where(
                who,  # type: ignore[arg-type]
                UnlockAttempt.outcome != "ok",
                col(UnlockAttempt.at) >= now - lockout,
            )
        ).one()
    )


def claim_unlock(
    session: Session,
    *,
    officer: Officer,
    office_code: str,
    now: datetime,
    limits: UnlockLimits = DEFAULT_UNLOCK_LIMITS,
) -> UnlockAttempt | None:
    """Count a passphrase try *before* the slow KDF runs; None when this try is locked out.

    The office key row is locked (``FOR UPDATE``; SQLite writers are serialised anyway) while
    the failures are counted and the try is recorded as "pending", and the caller commits
    before deriving the key: sixteen parallel guesses are counted one after another, so only
    the first few are ever checked. Pending tries count as failures until they succeed.
    """
    session.exec(
        select(OfficeKey).where(OfficeKey.office_code == office_code).with_for_update()
    ).first()
    by_key = col(UnlockAttempt.office_code) == office_code
    if (
        recent_reveal_failures(session, officer, now, limits.lockout) >= limits.per_officer
        or _failures(session, by_key, now, limits.lockout) >= limits.per_key
    ):
        return None
    attempt = UnlockAttempt(office_code=office_code, officer_id=officer.id, at=now)
    session.add(attempt)
    session.flush()
    return attempt


def finish_unlock(session: Session, attempt: UnlockAttempt, *, ok: bool) -> None:
    """Record how a claimed try ended; a successful one stops counting towards the lockout."""
    attempt.outcome = "ok" if ok else "failed"
    session.add(attempt)


def reveal_identity(
    session: Session,
    *,
    ticket: Ticket,
    officer: Officer,
    passphrase: str,
    reason_category: str,
    reason: str,
    now: datetime,
    limits: UnlockLimits = DEFAULT_UNLOCK_LIMITS,
) -> RevealResult:
    """Open the identity for one display, audit-logging the attempt either way.

    Returns rather than raises on a wrong passphrase so the caller commits the audit row.
    Commits once itself, after recording the try and before the KDF (``claim_unlock``).
    Only an officer of the office the identity is sealed to, which must be the ticket's
    office, may try; wrong passphrases lock that officer out for a while.
    """
    assert ticket.id is not None
    if reason_category not in REVEAL_REASONS:
        raise IdentityError("choose a reason category")
    if len(reason.strip()) < REASON_MIN:
        raise IdentityError(f"write the reason (at least {REASON_MIN} characters)")
    row = sealed_identity_for(session, ticket.id)
    if row is None:
        raise IdentityError("this ticket has no formal identity")
    if officer.office_code != ticket.office_code or row.office_code != ticket.office_code:
        raise IdentityError("the identity is sealed to another office's key")
    attempt = claim_unlock(
        session, officer=officer, office_code=row.office_code, now=now, limits=limits
    )
    if attempt is None:
        return RevealResult(None, "locked")
    # The try must be on record before the KDF, not after: see ``claim_unlock``.
    session.commit()
    detail = f"reason={reason_category};chars={len(reason.strip())}"
    try:
        identity = FormalIdentity(**_open_all(session, ticket, row, passphrase))
    except WrongPassphrase:
        finish_unlock(session, attempt, ok=False)
        audit.record(
            session,
            "reveal_identity_failed",
            now=now,
            officer=officer,
            ticket_id=ticket.id,
            detail=detail,
        )
        return RevealResult(None, "wrong_passphrase")
    finish_unlock(session, attempt, ok=True)
    audit.record(
        session, "reveal_identity", now=now, officer=officer, ticket_id=ticket.id, detail=detail
    )
    return RevealResult(identity, "ok")


def reseal(
    session: Session,
    ticket: Ticket,
    old_passphrase: str,
    new_office_code: str,
    *,
    officer: Officer | None = None,
    now: datetime | None = None,
) -> SealedIdentity:
    """Re-seal a ticket's identity from the office it is sealed to onto another office's key.

    The custodian of the old office opens it with their passphrase; the fields are re-sealed
    in memory to the new office and the row is rewritten. ``WrongPassphrase`` if it fails.
    """
    assert ticket.id is not None
    row = sealed_identity_for(session, ticket.id)
    if row is None:
        raise IdentityError("this ticket has no formal identity")
    if new_office_code == row.office_code:
        raise IdentityError("the identity is already sealed to that office")
    new_key = session.get(OfficeKey, new_office_code)
    if new_key is None:
        raise IdentityError(f"office {new_office_code} has no key yet (netra offices keygen)")
    fields = _open_all(session, ticket, row, old_passphrase)
    resealed = {
        name: seal_field(
            new_key.public_key,
            ticket_code=ticket.code,
            office_code=new_office_code,
            field=name,
            value=value,
        )
        for name, value in fields.items()
    }
    old_office = row.office_code
    row.office_code = new_office_code
    row.ciphertext = _pack(new_office_code, resealed)
    session.add(row)
    if officer is not None and now is not None:
        audit.record(
            session,
            "reseal_identity",
            now=now,
            officer=officer,
            office_code=old_office,
            ticket_id=ticket.id,
            detail=f"to={new_office_code}",
        )
    return row


def awaiting_reseal(session: Session, office_code: str) -> list[tuple[SealedIdentity, Ticket]]:
    """Identities still sealed to this office on tickets that have moved to another office."""
    rows = session.exec(
        select(SealedIdentity, Ticket)
        .join(Ticket, col(Ticket.id) == col(SealedIdentity.ticket_id))
        .where(SealedIdentity.office_code == office_code, Ticket.office_code != office_code)
        .order_by(col(SealedIdentity.id))
    )
    return [(row, ticket) for row, ticket in rows]
