"""Officer sessions, CSRF and the dependencies every dashboard and API route uses.

A session is a signed cookie (no server-side table): ``officer id . issued . fingerprint .
nonce . signature``. The signature is an HMAC under a key derived (HKDF) for this purpose
alone, never the blind-index key itself; the fingerprint changes when the officer's password
or second factor changes or the account is disabled, so those end every open session at once.

Routes use:
- ``DbSession``: a database session for the request (committed by the route).
- ``CurrentOfficer``: the logged-in officer; a browser without a session is sent to the login.
- ``require_csrf``: on every POST form; compares the form's ``csrf_token`` with the token
  derived from the session (or, before login, from a random pre-session cookie): 403 if not.
- ``ApiOfficer``: the officer of a ``Authorization: Bearer`` API token; 401 otherwise.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from bot.runtime import Netra, utcnow
from storage.models import Officer
from storage.officers import officer_for_token, session_fingerprint

log = logging.getLogger(__name__)

SESSION_COOKIE = "netra_officer"
PRE_COOKIE = "netra_pre"
CSRF_FIELD = "csrf_token"
LOGIN_PATH = "/dashboard/login"
PASSWORD_PATH = "/dashboard/account/password"
FORCED_CHANGE_ALLOWS = frozenset({PASSWORD_PATH, "/dashboard/logout"})


def netra_of(request: Request) -> Netra:
    netra: Netra = request.app.state.netra
    return netra


def get_db(request: Request) -> Iterator[Session]:
    with netra_of(request).session() as session:
        yield session


# Closed as soon as the route returns, before the response is sent: on SQLite every
# transaction holds the write lock, so a session must not outlive its route's work.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def _sign(netra: Netra, value: str, purpose: str) -> str:
    # A key derived for signing (HKDF), not the blind-index key: a session signature must
    # never double as the index of some identifier, nor the reverse.
    return netra.keys.blind.sign(value, f"dashboard.{purpose}")[:40]


def cookies_secure(netra: Netra) -> bool:
    """Secure cookies unless the app is reached over plain http on this machine only."""
    settings = netra.settings
    if (settings.public_base_url or "").startswith("https://"):
        return True
    return not (settings.host.startswith("127.") or settings.host in ("localhost", "::1"))


def _set_cookie(netra: Netra, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=cookies_secure(netra),
        path="/",
    )


def start_session(netra: Netra, response: Response, officer: Officer) -> None:
    """Log ``officer`` in: set the signed session cookie (and forget the pre-session one)."""
    payload = (
        f"{officer.id}.{int(time.time())}.{session_fingerprint(officer)}.{secrets.token_hex(8)}"
    )
    value = f"{payload}.{_sign(netra, payload, 'session')}"
    hours = netra.settings.dashboard_session_hours
    _set_cookie(netra, response, SESSION_COOKIE, value, hours * 3600)
    response.delete_cookie(PRE_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _session_officer(request: Request, session: Session) -> Officer | None:
    netra = netra_of(request)
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or raw.count(".") != 4:
        return None
    payload, signature = raw.rsplit(".", 1)
    if not hmac.compare_digest(signature, _sign(netra, payload, "session")):
        return None
    officer_id, issued, fingerprint, _nonce = payload.split(".")
    if not officer_id.isdigit() or not issued.isdigit():
        return None
    if time.time() - int(issued) > netra.settings.dashboard_session_hours * 3600:
        return None
    officer = session.get(Officer, int(officer_id))
    if officer is None or not officer.active:
        return None
    if not hmac.compare_digest(fingerprint, session_fingerprint(officer)):
        return None
    session.commit()  # end the read transaction now; the route starts its own
    return officer


def optional_officer(request: Request, session: DbSession) -> Officer | None:
    officer = _session_officer(request, session)
    request.state.officer = officer
    return officer


def current_officer(request: Request, session: DbSession) -> Officer:
    """The logged-in officer; otherwise a redirect (303) to the login page."""
    officer = optional_officer(request, session)
    if officer is None:
        raise HTTPException(status.HTTP_303_SEE_OTHER, headers={"Location": LOGIN_PATH})
    if officer.must_change_password and request.url.path not in FORCED_CHANGE_ALLOWS:
        # A one-time password was seen by someone else: nothing else until it is replaced.
        raise HTTPException(status.HTTP_303_SEE_OTHER, headers={"Location": PASSWORD_PATH})
    return officer


CurrentOfficer = Annotated[Officer, Depends(current_officer)]


def current_admin(officer: CurrentOfficer) -> Officer:
    if officer.role != "admin":
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return officer


CurrentAdmin = Annotated[Officer, Depends(current_admin)]


# --- CSRF ------------------------------------------------------------------------------------


def _csrf_seed(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE)


def csrf_token(request: Request) -> str:
    """The token a form must send back; templates call this (see ``ui``).

    Before login there is no session, so the login page gets a random pre-session cookie to
    bind its token to (``ensure_pre_session`` sets it on the response).
    """
    seed = _csrf_seed(request)
    if seed is None:
        seed = getattr(request.state, "pre_session", None)
        if seed is None:
            seed = secrets.token_urlsafe(24)
            request.state.pre_session = seed
    return _sign(netra_of(request), seed, "csrf")


def ensure_pre_session(request: Request, response: Response) -> None:
    """Persist the pre-session seed chosen while rendering (login page before any session)."""
    seed = getattr(request.state, "pre_session", None)
    if seed is not None:
        _set_cookie(netra_of(request), response, PRE_COOKIE, seed, 3600)


async def require_csrf(request: Request) -> None:
    """Refuse (403) a form POST whose ``csrf_token`` does not match this browser's session."""
    form = await request.form()  # Starlette caches it: the route's Form() fields still work
    sent = form.get(CSRF_FIELD)
    seed = _csrf_seed(request)
    if not isinstance(sent, str) or seed is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing")
    if not hmac.compare_digest(sent, _sign(netra_of(request), seed, "csrf")):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token invalid")


CsrfChecked = Depends(require_csrf)


# --- API tokens ------------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="An API token made with `netra officers token`")


def api_officer(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Officer:
    """The officer behind a Bearer token (401 without a valid one)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "API token required", {"WWW-Authenticate": "Bearer"}
        )
    officer = officer_for_token(session, credentials.credentials, now=utcnow())
    if officer is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "invalid API token", {"WWW-Authenticate": "Bearer"}
        )
    session.commit()  # last_used_at
    return officer


ApiOfficer = Annotated[Officer, Depends(api_officer)]
