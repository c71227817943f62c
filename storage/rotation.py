"""Re-encrypt every protected column under the newest keys (``netra keys rotate``).

Works on raw stored values, table by table, so it needs no knowledge of the models beyond the
column types: whatever was declared ``Encrypted``/``EncryptedJSON``/``EncryptedBytes`` is found.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import LargeBinary, Text, select, type_coerce, update
from sqlalchemy.engine import Engine

from storage.crypto import Encrypted, EncryptedBytes, EncryptedJSON, Keys
from storage.models import metadata

_ENCRYPTED = (Encrypted, EncryptedJSON, EncryptedBytes)


@dataclass(frozen=True)
class RotationResult:
    rewritten: int
    already_current: int


def rotate(engine: Engine, keys: Keys, batch: int = 500) -> RotationResult:
    """Rewrite values not written by the primary key; safe to re-run after an interruption."""
    rewritten = current = 0
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1:
            continue
        for column in table.columns:
            if not isinstance(column.type, _ENCRYPTED):
                continue
            ring = keys.ring(column.type.ring)
            raw_type = LargeBinary() if isinstance(column.type, EncryptedBytes) else Text()
            raw = type_coerce(column, raw_type)
            last = None
            while True:
                with engine.begin() as conn:
                    query = (
                        select(pk[0], raw).where(column.isnot(None)).order_by(pk[0]).limit(batch)
                    )
                    if last is not None:
                        query = query.where(pk[0] > last)
                    rows = conn.execute(query).all()
                    for key, value in rows:
                        if ring.key_id_of(value) == ring.primary_id:
                            current += 1
                            continue
                        purpose = column.type.purpose
                        if isinstance(column.type, EncryptedBytes):
                            fresh: str | bytes = ring.encrypt_blob(
                                ring.decrypt_blob(bytes(value), purpose), purpose
                            )
                        else:
                            fresh = ring.encrypt_text(ring.decrypt_text(value, purpose), purpose)
                        conn.execute(
                            update(table)
                            .where(pk[0] == key)
                            .values({column.name: type_coerce(fresh, raw_type)})
                        )
                        rewritten += 1
                if len(rows) < batch:
                    break
                last = rows[-1][0]
    return RotationResult(rewritten, current)
