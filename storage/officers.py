"""Dashboard accounts: argon2 passwords, login throttling, optional TOTP, API tokens.

Officers are Bawaslu staff, not reporters: their usernames may appear in the audit log. What
never appears anywhere is a password, a TOTP secret or an API token in clear: passwords are
argon2id hashes, tokens are kept as SHA-256 (they are long random strings, so a fast hash is
enough), TOTP secrets use the encrypted column type.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from storage.models import ApiToken, Office, Officer

ROLES = ("officer", "admin")
MIN_PASSWORD = 10
TOKEN_PREFIX = "ntr_"


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is safe to show."""


def password_hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended costs


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginResult:
    """``officer`` is set only on success; ``reason`` is one of ok|bad|locked|totp."""

    officer: Officer | None
    reason: str
    retry_after: timedelta | None = None


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")


def add_officer(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    office_code: str,
    role: str = "officer",
    now: datetime,
    hasher: PasswordHasher | None = None,
    one_time: bool = False,
) -> Officer:
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise AccountError("username: letters, digits, '.', '_' or '-' only")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if session.get(Office, office_code) is None:
        raise AccountError(f"unknown office code {office_code!r}")
    if role == "admin" and office_code != "RI":
        raise AccountError("an admin belongs to Bawaslu RI (office code RI)")
    if session.exec(select(Officer.id).where(Officer.username == username)).first() is not None:
        raise AccountError(f"username {username!r} is taken")
    check_password_rules(password)
    officer = Officer(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=(hasher or password_hasher()).hash(password),
        role=role,
        office_code=office_code,
        created_at=now,
        must_change_password=one_time,
    )
    session.add(officer)
    session.flush()
    return officer


def by_username(session: Session, username: str) -> Officer | None:
    return session.exec(select(Officer).where(Officer.username == username.strip().lower())).first()


def set_active(session: Session, officer: Officer, active: bool) -> None:
    officer.active = active
    session.add(officer)


def reset_password(
    session: Session,
    officer: Officer,
    password: str,
    *,
    hasher: PasswordHasher | None = None,
    one_time: bool = False,
) -> None:
    """New password; unlocks the account. Existing sessions die (they are bound to the hash).

    ``one_time``: the password was shown to someone else (an admin, a terminal), so the
    officer must replace it at their next login.
    """
    check_password_rules(password)
    officer.password_hash = (hasher or password_hasher()).hash(password)
    officer.failed_logins = 0
    officer.locked_until = None
    officer.must_change_password = one_time
    session.add(officer)


def change_own_password(
    session: Session,
    officer: Officer,
    *,
    current: str,
    new: str,
    hasher: PasswordHasher | None = None,
) -> None:
    """The officer's own change: the current password proves it is them; the new one differs."""
    hasher = hasher or password_hasher()
    if not _verify(hasher, officer.password_hash, current):
        raise AccountError("current password is wrong")
    if new == current:
        raise AccountError("the new password must differ from the current one")
    reset_password(session, officer, new, hasher=hasher)


def revoke_sessions(session: Session, officer: Officer) -> None:
    """End every session cookie issued to ``officer`` so far (logout: a copied cookie dies)."""
    officer.session_epoch += 1
    session.add(officer)


def random_password() -> str:
    return secrets.token_urlsafe(12)


_DUMMY = password_hasher().hash(secrets.token_urlsafe(16))


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    totp_code: str | None,
    now: datetime,
    policy: LoginPolicy,
    hasher: PasswordHasher | None = None,
) -> LoginResult:
    """Check a login. Failures count towards a lockout; the caller commits either way.

    An unknown username costs the same argon2 verification as a known one, so timing does not
    tell which accounts exist. A locked account is refused before its password is checked.
    """
    hasher = hasher or password_hasher()
    officer = by_username(session, username)
    if officer is None or not officer.active:
        _verify(hasher, _DUMMY, password)
        return LoginResult(None, "bad")
    if officer.locked_until is not None and _aware(officer.locked_until) > now:
        return LoginResult(None, "locked", _aware(officer.locked_until) - now)
    password_ok = _verify(hasher, officer.password_hash, password)
    step = totp_step(officer, totp_code, now) if password_ok else None
    if not password_ok or (officer.totp_secret is not None and step is None):
        officer.failed_logins += 1
        if officer.failed_logins >= policy.max_failures:
            officer.locked_until = now + policy.lockout
            officer.failed_logins = 0
        session.add(officer)
        # "Code needed" only once the password was right: otherwise an unknown user, a wrong
        # password and an account with a second factor would answer differently.
        missing_totp = password_ok and officer.totp_secret is not None and not totp_code
        return LoginResult(None, "totp" if missing_totp else "bad")
    if step is not None:
        officer.totp_last_step = step
    officer.failed_logins = 0
    officer.locked_until = None
    if hasher.check_needs_rehash(officer.password_hash):
        officer.password_hash = hasher.hash(password)
    session.add(officer)
    return LoginResult(officer, "ok")


def _verify(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _matching_step(secret: str, code: str | None, now: datetime) -> int | None:
    """The 30-s time step (now ±1) whose code is ``code``, or None."""
    if not code:
        return None
    code = code.strip().replace(" ", "")
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def totp_step(officer: Officer, code: str | None, now: datetime) -> int | None:
    """The step of a valid, unused code: a code seen once (even by an eavesdropper) is spent."""
    if officer.totp_secret is None:
        return None
    step = _matching_step(officer.totp_secret, code, now)
    if step is None or (officer.totp_last_step is not None and step <= officer.totp_last_step):
        return None
    return step


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Netra Bawaslu")


def enable_totp(
    session: Session, officer: Officer, secret: str, code: str, *, now: datetime
) -> bool:
    """Turn on the second factor only once the officer proved their app produces codes."""
    step = _matching_step(secret, code, now)
    if step is None:
        return False
    officer.totp_secret = secret
    officer.totp_last_step = step
    session.add(officer)
    return True


def disable_totp(
    session: Session,
    officer: Officer,
    *,
    password: str,
    code: str,
    now: datetime,
    hasher: PasswordHasher | None = None,
) -> bool:
    """Turn the second factor off; a stolen session alone cannot: password and code needed."""
    if not _verify(hasher or password_hasher(), officer.password_hash, password):
        return False
    if officer.totp_secret is not None and totp_step(officer, code, now) is None:
        return False
    officer.totp_secret = None
    officer.totp_last_step = None
    session.add(officer)
    return True


def session_fingerprint(officer: Officer) -> str:
    """Changes whenever the password or the second factor changes: old sessions stop working."""
    material = (
        f"{officer.password_hash}|{officer.totp_secret or ''}|{officer.active}"
        f"|{officer.session_epoch}"
    )
    return hashlib.sha256(material.encode()).hexdigest()[:16]


# --- API tokens ------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, officer: Officer, name: str, *, now: datetime) -> str:
    """A new API token; the clear value exists only in the return value."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    assert officer.id is not None
    session.add(
        ApiToken(
            officer_id=officer.id,
            name=name.strip()[:80] or "api",
            token_hash=_token_hash(token),
            created_at=now,
        )
    )
    return token


def officer_for_token(session: Session, token: str, *, now: datetime) -> Officer | None:
    row = session.exec(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token.strip()))
    ).first()
    if row is None or row.revoked:
        return None
    officer = session.get(Officer, row.officer_id)
    if officer is None or not officer.active:
        return None
    row.last_used_at = now
    session.add(row)
    return officer


def tokens_of(session: Session, officer: Officer) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.officer_id == officer.id).order_by(col(ApiToken.id))
        )
    )


def revoke_token(session: Session, officer: Officer, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.officer_id != officer.id:
        return False
    row.revoked = True
    session.add(row)
    return True
