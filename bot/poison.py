"""Poison messages: what a webhook does with a body it can never handle.

Platforms resend an update until they get a 2xx, so a body that fails the same way every time
(a wrong type, JSON nested thousands deep, a lone UTF-16 surrogate) must not answer 5xx: it
would be retried forever and, on Telegram, hold back every later update. Only a *transient*
database error (the database down, a lock, a conflict that outlasted the retries) deserves a
5xx: the retry will then succeed. Everything else is answered 200 with a log line that names
the kind of failure, never the reporter.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from storage.db import ConcurrentUpdate


def is_transient(exc: BaseException) -> bool:
    """True when retrying the same body later can succeed: the database, not the body, failed."""
    if isinstance(exc, ConcurrentUpdate | StaleDataError | PoolTimeout | DisconnectionError):
        return True
    if isinstance(exc, IntegrityError):
        return True  # a conflict that outlasted run_in_transaction's retries
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated) or exc.orig is None or _operational(exc)
    return isinstance(exc, ConnectionError | TimeoutError)


def _operational(exc: DBAPIError) -> bool:
    """Driver errors of the ``OperationalError`` family: connection lost, locked, shut down."""
    name = type(exc.orig).__name__
    return name in {"OperationalError", "InterfaceError"} or "Operational" in type(exc).__name__


def clean_text(text: str | None) -> str | None:
    """The text with lone surrogates replaced by U+FFFD, so it can be encoded (and encrypted).

    JSON may carry ``"\\ud800"`` alone; Python keeps it as a str that UTF-8 cannot encode.
    """
    if text is None:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text
