"""Many outbox rows in one INSERT: each row gets the id of its own place in the order, encrypted
as a single row would be, and a value too long for its column is refused, not cut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from bot.runtime import Netra
from storage.bulk import BulkInsert
from storage.models import OutboxMessage
from storage.outbox import _COLUMNS, _TABLE

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _row(i: int, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "transport": "telegram",
        "reporter_id": None,
        "address": f"55500{i:05d}",
        "payload": {"text": f"pesan ke-{i}"},
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": NOW + timedelta(seconds=i),
        "claimed_until": NOW + timedelta(seconds=30) if i % 2 else None,
        "last_error": "gagal: “429” — coba lagi" if i % 4 == 0 else None,
        "created_at": NOW,
        "sent_at": None,
        "reply": bool(i % 3),
    }
    return row | changes


def test_each_row_gets_the_id_of_its_place_and_reads_back_whole(netra: Netra) -> None:
    insert = BulkInsert(_TABLE, _COLUMNS)
    rows = [_row(i) for i in range(37)]
    with netra.db.begin() as conn:
        first = insert.ids(conn, rows[:5])
        ids = insert.ids(conn, rows[5:])  # another count: the statement is the same one
    ids = first + ids
    assert len(set(ids)) == 37
    assert ids == sorted(ids)
    with Session(netra.db) as session:
        stored = {m.id: m for m in session.exec(select(OutboxMessage))}
    for row_id, row in zip(ids, rows, strict=True):
        message = stored[row_id]
        assert message.address == row["address"]
        assert message.payload == row["payload"]
        assert message.next_attempt_at.replace(tzinfo=UTC) == row["next_attempt_at"]
        assert message.reply is row["reply"]
        assert message.last_error == row["last_error"]
        claimed = message.claimed_until
        assert (claimed and claimed.replace(tzinfo=UTC)) == row["claimed_until"]


def test_addresses_and_payloads_are_stored_encrypted(netra: Netra) -> None:
    with netra.db.begin() as conn:
        BulkInsert(_TABLE, _COLUMNS).ids(conn, [_row(i) for i in range(3)])
    with netra.db.connect() as conn:
        raw = conn.execute(text("SELECT address, payload FROM outboxmessage")).all()
    assert len(raw) == 3
    for address, payload in raw:
        assert "55500" not in address
        assert "pesan" not in payload


# SQLite does not enforce VARCHAR lengths; PostgreSQL does, and a cast could cut silently.
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_value_too_long_for_its_column_is_refused_not_cut(netra: Netra) -> None:
    with pytest.raises(DBAPIError), netra.db.begin() as conn:
        BulkInsert(_TABLE, _COLUMNS).ids(conn, [_row(0), _row(1, transport="t" * 17)])
    with netra.db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outboxmessage")).scalar_one() == 0
