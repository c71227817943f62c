"""Many rows in one INSERT, their ids back in the rows' order, with SQL that never changes.

SQLAlchemy's multi-row INSERT spells every row out (``VALUES (…), (…), …``): a turn batch's
outbox rows made a statement of several hundred parameters whose text changed with the row
count. psycopg caches its conversion of a query only up to 50 parameters and 4 KiB of text, so
it parsed each such statement anew, and PostgreSQL planned it anew: 8 % of the turn path's CPU
(bench turns, py-spy). On PostgreSQL the rows go instead as one array per column through
``unnest``: one short statement, the same for any number of rows, which psycopg converts once
and prepares after a few uses. Elsewhere (SQLite) the multi-row INSERT stays.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert

Processor = Callable[[Any], Any] | None
_LENGTH = re.compile(r"\(\d+\)$")


class BulkInsert:
    """An INSERT of many rows of ``columns`` into ``table``, returning the new ids in order."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self._table = table
        self._columns = tuple(columns)
        self._portable = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        self._unnest: dict[str, tuple[str, tuple[Processor, ...]]] = {}

    def __call__(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
        if connection.dialect.name != "postgresql":
            return list(connection.execute(self._portable, list(rows)).scalars().all())
        sql, processors = self._for(connection)
        arrays = {
            f"c{i}": [row[name] for row in rows]
            if process is None
            else [process(row[name]) for row in rows]
            for i, (name, process) in enumerate(zip(self._columns, processors, strict=True))
        }
        # The ids come from the table's sequence in the ORDER BY's order, the rows' order;
        # sorting them is what SQLAlchemy's own ordered multi-row INSERT does on PostgreSQL.
        return sorted(row[0] for row in connection.exec_driver_sql(sql, arrays).all())

    def _for(self, connection: Connection) -> tuple[str, tuple[Processor, ...]]:
        """The statement and the columns' bind processors (encryption, for the encrypted
        columns), made once per dialect: the arrays bypass SQLAlchemy's own bind step."""
        dialect = connection.dialect
        made = self._unnest.get(dialect.name)
        if made is None:
            columns = [self._table.c[name] for name in self._columns]
            names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
            # VARCHAR without its length: an explicit cast to VARCHAR(16) would cut a longer
            # value silently, where the INSERT's own assignment refuses it as a VALUES would.
            arrays = ", ".join(
                f"CAST(%(c{i})s AS {_LENGTH.sub('', c.type.compile(dialect=dialect))}[])"
                for i, c in enumerate(columns)
            )
            aliases = ", ".join(f"c{i}" for i in range(len(columns)))
            table = dialect.identifier_preparer.format_table(self._table)
            sql = (
                f"INSERT INTO {table} ({names}) SELECT {aliases} FROM unnest({arrays}) "
                f"WITH ORDINALITY AS u({aliases}, n) ORDER BY n RETURNING id"
            )
            processors = tuple(c.type.bind_processor(dialect) for c in columns)
            made = self._unnest[dialect.name] = (sql, processors)
        return made
