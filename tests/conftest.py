"""Shared fixtures: real databases (SQLite and PostgreSQL), real keys, and no internet.

Every database test runs twice, once per backend. PostgreSQL comes from ``TEST_DATABASE_URL``
(default: the local server CI provides); each pytest run creates its own throw-away database
on it, so parallel runs never meet. Without a reachable server those cases skip, saying why.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bot.config import Settings
from bot.runtime import Netra, build
from storage.crypto import BlindIndexer, KeyRing, Keys, ReceiptHasher, generate_key, install_keys
from storage.db import make_engine, upgrade
from storage.models import metadata
from storage.offices import seed_offices
from storage.regions import default_directory
from tests.fakes.dashboard import browser  # noqa: F401  (one Chromium for the whole run)

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
KEEP_TABLES = {"office", "alembic_version"}

# --- no internet ---------------------------------------------------------------------------

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _allowed(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX: local by definition
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _allowed(address):
        raise OSError(f"test tried to reach {address!r}: only loopback is allowed in tests")
    _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _allowed(address):
        raise OSError(f"test tried to reach {address!r}: only loopback is allowed in tests")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


# --- keys ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def key_strings() -> dict[str, str]:
    return {
        "identity_keys": generate_key(),
        "content_keys": generate_key(),
        "blind_index_key": generate_key(),
    }


@pytest.fixture(scope="session")
def keys(key_strings: dict[str, str]) -> Keys:
    from storage.crypto import parse_key

    made = Keys(
        identity=KeyRing([parse_key(key_strings["identity_keys"], "identity")]),
        content=KeyRing([parse_key(key_strings["content_keys"], "content")]),
        blind=BlindIndexer(parse_key(key_strings["blind_index_key"], "blind")),
    )
    install_keys(made)
    return made


@pytest.fixture(scope="session")
def fast_receipts() -> ReceiptHasher:
    """Argon2 with small cost: the hash is still real, only cheaper for hundreds of tickets."""
    return ReceiptHasher(time_cost=1, memory_cost=1024)


# --- databases -----------------------------------------------------------------------------


def _pg_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG


def _pg_reachable(url: str) -> str | None:
    try:
        engine = create_engine(
            make_url(url).set(drivername="postgresql+psycopg"), connect_args={"connect_timeout": 3}
        )
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: no PostgreSQL here
        return (
            f"PostgreSQL not reachable at {make_url(url).render_as_string()}: {type(exc).__name__}"
        )


@pytest.fixture(scope="session")
def postgres_url(keys: Keys) -> Iterator[str]:
    """A fresh PostgreSQL database for this pytest run, migrated once and dropped at the end."""
    admin_url = _pg_admin_url()
    reason = _pg_reachable(admin_url)
    if reason:
        if os.environ.get("CI") and os.environ.get("TEST_DATABASE_URL"):
            pytest.fail(reason)  # CI promised PostgreSQL: its absence is a failure, not a skip
        pytest.skip(reason)
    name = f"netra_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    _migrate_and_seed(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    _migrate_and_seed(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


def _migrate_and_seed(engine: Engine) -> None:
    from sqlmodel import Session

    upgrade(engine)
    with Session(engine) as session:
        seed_offices(session, default_directory())
        session.commit()


def _truncate(url: str) -> None:
    engine = make_engine(url)
    tables = [t.name for t in metadata.sorted_tables if t.name not in KEEP_TABLES]
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE office SET telegram_chat_id = NULL, email = NULL"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, seeded, empty database of each kind; the test may do anything to it."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "netra.db"
        path.write_bytes(template.read_bytes())
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate(url)
    return url


@pytest.fixture
def settings(db_url: str, tmp_path: Path, key_strings: dict[str, str]) -> Settings:
    return Settings(
        NETRA_DATA_DIR=tmp_path / "data",
        DATABASE_URL=db_url,
        NETRA_IDENTITY_KEYS=key_strings["identity_keys"],
        NETRA_CONTENT_KEYS=key_strings["content_keys"],
        NETRA_BLIND_INDEX_KEY=key_strings["blind_index_key"],
        # Every test client is 127.0.0.1; flood control has its own tests with low limits.
        NETRA_WEB_MESSAGES_PER_MINUTE=100_000,
        NETRA_WEB_NEW_CHATS_PER_HOUR=100_000,
        NETRA_WEB_UPLOADS_PER_HOUR=100_000,
        NETRA_WEB_MESSAGES_TOTAL_PER_MINUTE=100_000,
        NETRA_WEB_NEW_CHATS_TOTAL_PER_HOUR=100_000,
        NETRA_WEB_UPLOADS_TOTAL_PER_HOUR=100_000,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def netra(settings: Settings, keys: Keys, fast_receipts: ReceiptHasher) -> Iterator[Netra]:
    app = build(settings, receipts=fast_receipts)
    app.prepare_database()
    yield app
    app.db.dispose()


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything logged at DEBUG and above, for identifier scans."""
    caplog.set_level(logging.DEBUG)
    return caplog
