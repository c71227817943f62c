"""Re-encrypt every protected column under the newest keys (``netra keys rotate``).

Works on raw stored values, table by table, so it needs no knowledge of the models beyond the
column types: whatever was declared ``Encrypted``/``EncryptedJSON``/``EncryptedBytes`` is found.

Safe while Netra serves reporters:
- Only values *not* written by the primary key are selected (a SQL prefix test on the stored
  ciphertext), so an interrupted run resumes where it stopped: what is done is never read again.
- Each batch is read, re-encrypted in memory and written back with one bulk UPDATE whose every
  row is conditional on the value read (``WHERE id = :id AND col = :old``), then committed. A
  conversation turn that committed in between already wrote under the newest key (the app's
  ring puts it first); its row no longer matches and is left alone, never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    LargeBinary,
    Table,
    Text,
    and_,
    bindparam,
    func,
    select,
    type_coerce,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from storage.crypto import DecryptionError, Encrypted, EncryptedBytes, EncryptedJSON, KeyRing, Keys
from storage.models import metadata

_ENCRYPTED = (Encrypted, EncryptedJSON, EncryptedBytes)
BLOB_PREFIX_BYTES = 8  # b"NTR1" + the 4-byte key id

Progress = Callable[[int, int], None]  # (values handled so far, values to handle in all)


@dataclass(frozen=True)
class RotationResult:
    rewritten: int
    already_current: int
    skipped_concurrent: int = 0  # changed by a turn between read and write: already current
    unreadable: int = 0  # under no configured key: left as they are, counted, never fatal


@dataclass(frozen=True)
class _Target:
    table: Table
    pk: Column[Any]
    column: Column[Any]
    ring: KeyRing
    purpose: str
    blob: bool


def _raw(value: Any, kind: Any) -> Any:
    """The stored bytes/text as they are, bypassing the encrypting column type."""
    return type_coerce(value, kind)


def _targets(keys: Keys) -> list[_Target]:
    found = []
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1:
            continue
        for column in table.columns:
            if isinstance(column.type, _ENCRYPTED):
                found.append(
                    _Target(
                        table=table,
                        pk=pk[0],
                        column=column,
                        ring=keys.ring(column.type.ring),
                        purpose=column.type.purpose,
                        blob=isinstance(column.type, EncryptedBytes),
                    )
                )
    return found


def _stale_condition(target: _Target) -> ColumnElement[bool]:
    if target.blob:
        prefix = b"NTR1" + bytes.fromhex(target.ring.primary_id)
        raw = _raw(target.column, LargeBinary())
        return and_(
            target.column.isnot(None),
            func.substr(raw, 1, BLOB_PREFIX_BYTES) != _raw(prefix, LargeBinary()),
        )
    raw_text = _raw(target.column, Text())
    return and_(
        target.column.isnot(None),
        ~raw_text.startswith(f"v1.{target.ring.primary_id}.", autoescape=True),
    )


def pending(engine: Engine, keys: Keys) -> int:
    """How many stored values are not yet under the newest keys (for the progress bar)."""
    total = 0
    with engine.connect() as conn:
        for target in _targets(keys):
            query = select(func.count()).select_from(target.table).where(_stale_condition(target))
            total += int(conn.execute(query).scalar_one())
    return total


def rotate(
    engine: Engine, keys: Keys, batch: int = 500, progress: Progress | None = None
) -> RotationResult:
    """Rewrite values not written by the primary key; re-run it to resume after a stop."""
    total = pending(engine, keys)
    rewritten = skipped = unreadable = 0
    done = 0
    if progress is not None:
        progress(0, total)
    for target in _targets(keys):
        last: Any = None
        while True:
            with engine.begin() as conn:
                rows = _read_batch(conn, target, last, batch)
                if not rows:
                    break
                last = rows[-1][0]
                changes, bad = _reencrypt(target, rows)
                unreadable += bad
                written = _write_batch(conn, target, changes)
            rewritten += written
            skipped += len(changes) - written
            done += len(rows)
            if progress is not None:
                progress(min(done, total), total)
            if len(rows) < batch:
                break
    current = _count_all(engine, keys) - rewritten - skipped - unreadable
    return RotationResult(rewritten, max(current, 0), skipped, unreadable)


def _read_batch(conn: Connection, target: _Target, last: Any, batch: int) -> list[Any]:
    raw_type = LargeBinary() if target.blob else Text()
    query = (
        select(target.pk, _raw(target.column, raw_type))
        .where(_stale_condition(target))
        .order_by(target.pk)
        .limit(batch)
    )
    if last is not None:
        query = query.where(target.pk > last)
    return list(conn.execute(query).all())


def _reencrypt(target: _Target, rows: list[Any]) -> tuple[list[dict[str, Any]], int]:
    """New ciphertexts for a batch, in memory; values no key opens are counted and skipped."""
    changes = []
    unreadable = 0
    for key, value in rows:
        try:
            if target.blob:
                old: str | bytes = bytes(value)
                fresh: str | bytes = target.ring.encrypt_blob(
                    target.ring.decrypt_blob(bytes(value), target.purpose), target.purpose
                )
            else:
                old = value
                fresh = target.ring.encrypt_text(
                    target.ring.decrypt_text(value, target.purpose), target.purpose
                )
        except DecryptionError:
            unreadable += 1
            continue
        changes.append({"k": key, "old": old, "new": fresh})
    return changes, unreadable


def _write_batch(conn: Connection, target: _Target, changes: list[dict[str, Any]]) -> int:
    """One bulk UPDATE, each row conditional on the value read; returns the rows changed."""
    if not changes:
        return 0
    raw_type = LargeBinary() if target.blob else Text()
    statement = (
        update(target.table)
        .where(
            target.pk == bindparam("k"),
            _raw(target.column, raw_type) == bindparam("old", type_=raw_type),
        )
        .values({target.column.name: bindparam("new", type_=raw_type)})
    )
    result = conn.execute(statement, changes)
    if result.rowcount is not None and result.rowcount >= 0:
        return int(result.rowcount)
    return len(changes)


def _count_all(engine: Engine, keys: Keys) -> int:
    total = 0
    with engine.connect() as conn:
        for target in _targets(keys):
            query = select(func.count()).select_from(target.table).where(target.column.isnot(None))
            total += int(conn.execute(query).scalar_one())
    return total
