"""No reporter identifier (or report text) is readable in the database bytes or in the logs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from handlers.types import Inbound
from storage.rotation import rotate
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

PHONE = "+6281299887766"
CHAT_ID = "5550001234987"
BROWSER = "browser-token-Q7ZP4XK2"
PROFILE = "Siti Rahayu Wulandari"
DESCRIPTION_MARKER = "Sekda Kabupaten membagikan amplop kepada kepala sekolah"


def _identifiers() -> list[bytes]:
    values = [
        PHONE,
        CHAT_ID,
        BROWSER,
        PROFILE,
        f"whatsapp:{PHONE}",
        f"telegram:{CHAT_ID}",
        PHONE.lstrip("+"),
        DESCRIPTION_MARKER,
    ]
    return [v.encode() for v in values]


def _database_bytes(url: str) -> bytes:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        parts = [path, path.with_name(path.name + "-wal")]
        return b"".join(p.read_bytes() for p in parts if p.exists())
    dump = subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "--data-only",
            "-h",
            parsed.host or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
            parsed.database,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return dump.stdout


def _fill(netra) -> None:
    """Reporters on three channels: reports, evidence, status tries, pushed replies."""
    whatsapp = ScriptedReporter(netra, PHONE, channel="whatsapp")
    telegram = ScriptedReporter(netra, CHAT_ID, channel="telegram")
    browser = ScriptedReporter(netra, BROWSER)
    for reporter in (whatsapp, telegram, browser):
        for answer in HAPPY_PATH[:9]:
            reporter.says(answer)
    for reporter in (whatsapp, browser):
        reporter.says(DESCRIPTION_MARKER + " pada rapat dinas.")
        for answer in HAPPY_PATH[10:]:
            reporter.says(answer)
        reporter.says("/status ACD-EFH AAAA-AAAA-AAAA-AAAA")
    # A push channel: replies are written to the outbox with the recipient's address.
    netra.process(
        Inbound(
            channel="telegram",
            address=CHAT_ID,
            text="/bantuan",
            message_id="u-1",
            profile_name=PROFILE,
        ),
        outbox_transport="telegram",
    )


def test_no_identifier_in_database_bytes(netra, db_url):
    _fill(netra)
    netra.db.dispose()
    raw = _database_bytes(db_url)
    assert len(raw) > 10_000  # really the database
    for identifier in _identifiers():
        assert identifier not in raw, f"{identifier!r} readable in the database"


def test_no_identifier_in_logs(netra, captured_logs):
    _fill(netra)
    logged = captured_logs.text.encode()
    for identifier in _identifiers():
        assert identifier not in logged


def test_no_identifier_in_database_after_key_rotation(netra, db_url, keys):
    from storage.crypto import Keys, install_keys

    _fill(netra)
    rotated = Keys(
        identity=_with_new_key(keys.identity), content=_with_new_key(keys.content), blind=keys.blind
    )
    install_keys(rotated)
    try:
        result = rotate(netra.db, rotated)
        assert result.rewritten > 0
        netra.db.dispose()
        raw = _database_bytes(db_url)
        for identifier in _identifiers():
            assert identifier not in raw
    finally:
        install_keys(keys)


def _with_new_key(ring):
    from storage.crypto import KeyRing, generate_key, parse_key

    return KeyRing([parse_key(generate_key(), "new"), *ring.raw_keys])


@pytest.mark.parametrize("field", ["address", "profile_name", "channel"])
def test_reporter_columns_hold_ciphertext(netra, field):
    from sqlalchemy import text

    _fill(netra)
    with netra.db.connect() as conn:
        values = [row[0] for row in conn.execute(text(f"SELECT {field} FROM reporter"))]
    assert values and all(v is None or v.startswith("v1.") for v in values)
