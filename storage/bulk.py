"""Many rows in one INSERT, their ids back in the rows' order, with SQL that never changes.

SQLAlchemy's multi-row INSERT spells every row out (``VALUES (…), (…), …``): a turn batch's
outbox rows made a statement of several hundred parameters whose text changed with the row
count. psycopg caches its conversion of a query only up to 50 parameters and 4 KiB of text, so
it parsed each such statement anew, and PostgreSQL planned it anew: 8 % of the turn path's CPU
(bench turns, py-spy). On PostgreSQL the rows go instead as one JSON document read by
``json_to_recordset``: one short statement with one parameter, the same for any number of rows,
which psycopg converts once and prepares after a few uses. For 40 outbox rows, measured in
client CPU per INSERT: 2.1-2.9 ms spelled out, 1.2-1.3 ms as one array per column through
``unnest`` (psycopg dumps arrays element by element in Python), 0.8-1.1 ms as JSON
(``json.dumps`` is one C call). Elsewhere (SQLite) the multi-row INSERT stays.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Dialect, Insert, Row, Table, insert

Processor = Callable[[Any], Any] | None
_LENGTH = re.compile(r"\(\d+\)$")


class BulkInsert:
    """An INSERT of many rows of ``columns`` into ``table``, returning what ``returning``
    names (nothing when it names nothing); by default the new ids, in the rows' order.

    ``portable`` is the statement used elsewhere than on PostgreSQL (it must return the same
    columns); ``conflict`` is the ``ON CONFLICT`` clause for PostgreSQL, if any. On PostgreSQL
    the values, after their columns' bind processing (encryption, keyed hashes), must be what
    JSON holds, or dates and times.
    """

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        *,
        returning: Sequence[str] = ("id",),
        portable: Insert | None = None,
        conflict: str = "",
    ) -> None:
        self._table = table
        self._columns = tuple(columns)
        self._returning = tuple(returning)
        self._conflict = conflict
        self._keys = tuple(f"c{i}" for i in range(len(self._columns)))
        if portable is None:
            portable = insert(table)
            if returning:
                portable = portable.returning(
                    *(table.c[name] for name in returning), sort_by_parameter_order=True
                )
        self._portable = portable
        # The PostgreSQL statement, and per column its key in the document, its name in the
        # rows and its bind processor; made at first use (it needs the dialect).
        self._postgresql: tuple[str, tuple[tuple[str, str, Processor], ...]] | None = None

    def ids(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
        """The new rows' ids, in the rows' order. On PostgreSQL they come from the table's
        sequence in the ORDER BY's order, the rows' order; sorting them is what SQLAlchemy's
        own ordered multi-row INSERT does there."""
        return sorted(row[0] for row in self(connection, rows))

    def __call__(
        self, connection: Connection, rows: Sequence[dict[str, Any]]
    ) -> Sequence[Row[Any]]:
        if connection.dialect.name != "postgresql":
            result = connection.execute(self._portable, list(rows))
            return result.all() if self._returning else ()
        sql, fields = self._postgresql or self._prepare(connection.dialect)
        document = json.dumps(
            [
                {
                    key: row[name] if process is None else process(row[name])
                    for key, name, process in fields
                }
                for row in rows
            ],
            default=_iso,
            ensure_ascii=False,
        )
        result = connection.exec_driver_sql(sql, (document,))
        return result.all() if self._returning else ()

    def _prepare(self, dialect: Dialect) -> tuple[str, tuple[tuple[str, str, Processor], ...]]:
        """The statement and the columns' bind processors (encryption, keyed hashes), made
        once: the document bypasses SQLAlchemy's own bind step."""
        columns = [self._table.c[name] for name in self._columns]
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(c.name) for c in columns)
        # VARCHAR without its length: the record's fields are only read as that type; the
        # INSERT's own assignment then refuses a value too long, as a VALUES would.
        record = ", ".join(
            f"{key} {_LENGTH.sub('', c.type.compile(dialect=dialect))}"
            for key, c in zip(self._keys, columns, strict=True)
        )
        keys = ", ".join(self._keys)
        returning = ", ".join(quote(name) for name in self._returning)
        table = dialect.identifier_preparer.format_table(self._table)
        sql = (
            f"INSERT INTO {table} ({names}) SELECT {keys} FROM ROWS FROM "
            f"(json_to_recordset(%s::json) AS ({record})) WITH ORDINALITY AS r({keys}, n) "
            f"ORDER BY n {self._conflict} {'RETURNING ' + returning if returning else ''}"
        )
        processors = (c.type.bind_processor(dialect) for c in columns)
        self._postgresql = (sql, tuple(zip(self._keys, self._columns, processors, strict=True)))
        return self._postgresql


def _iso(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no JSON form for a bulk INSERT")
