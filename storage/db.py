"""Database engine, migrations and the retrying unit of work."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
T = TypeVar("T")


class ConcurrentUpdate(Exception):
    """Another worker changed the same row first; the whole unit of work is retried."""


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for SQLite (the embedded default) or PostgreSQL, tuned for concurrent writers."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_sqlite_file(Path(parsed.database))
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _serialise_sqlite_writers(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is what we ship; plain "postgresql://" would ask for psycopg2.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # No pool_pre_ping: it cost a round trip per checkout (per turn). A connection the server
    # dropped fails its first statement instead; SQLAlchemy then invalidates it and
    # ``run_in_transaction`` retries the turn on a fresh one.
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20)


def _private_sqlite_file(path: Path) -> None:
    """Create the database file readable by this user only (0600), or tighten an existing one.

    SQLite would create it with the process umask, usually 0644: any local account could copy
    the ciphertexts and blind indexes. SQLite gives its -wal/-shm files the main file's mode.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def _serialise_sqlite_writers(engine: Engine) -> None:
    """Every SQLite transaction takes the write lock up front (BEGIN IMMEDIATE).

    pysqlite otherwise starts transactions lazily, so two workers can both read a draft and
    then fight to upgrade to a write lock, which SQLite answers with "database is locked".
    Taking the lock at BEGIN makes turns queue behind each other instead (busy_timeout).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations; run at start and by ``netra db upgrade``."""
    command.upgrade(alembic_config(engine), revision)


def run_in_transaction(engine: Engine, work: Callable[[Session], T], *, attempts: int = 8) -> T:
    """Run ``work`` in one transaction, retrying it whole when a concurrent writer interferes.

    Used for every conversation turn: the turn reads a reporter's state, decides, and writes;
    if a second message of the same reporter got there first (unique or version conflict,
    serialisation failure), the turn is re-run on the fresh state rather than corrupting it.
    """
    delay = 0.01
    for attempt in range(1, attempts + 1):
        with Session(engine, expire_on_commit=False) as session:
            try:
                result = work(session)
                session.commit()
                return result
            except (IntegrityError, ConcurrentUpdate, StaleDataError) as exc:
                session.rollback()
                if attempt == attempts:
                    raise
                log.info("concurrent update (%s), retrying turn", type(exc).__name__)
            except DBAPIError as exc:
                session.rollback()
                if attempt == attempts or not _is_transient(exc):
                    raise
                log.info("transient database error, retrying turn")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
    raise AssertionError("unreachable")


def _is_transient(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:  # the server closed it (restart, idle timeout): reconnect
        return True
    text = str(exc.orig).lower()
    return any(
        marker in text
        for marker in ("database is locked", "deadlock", "could not serialize", "busy")
    )
