"""Bulk tickets for the dashboard benchmark and the EXPLAIN test: one INSERT … SELECT on
PostgreSQL's ``generate_series``, so a million rows take a minute, not hours of ORM inserts.

The tickets look like a year of an election: spread over every kab/kota office, one "big"
office holding a twentieth of them, most decided, the open ones past their window already
escalated to their province (as the job would have done), a few with information asked.
The free-text columns hold one real ciphertext each (the list pages never read them).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from handlers.categories import CATEGORIES
from storage.crypto import READABLE_ALPHABET

BIG_OFFICE = "52.06"  # Bawaslu Kabupaten Bima
BIG_SHARE = 20  # by default one ticket in BIG_SHARE goes to the big office
_CODE_SPACE = len(READABLE_ALPHABET) ** 6
_CODE_STEP = 7919  # prime to the code space: i → code is one-to-one


def _code_sql() -> str:
    """'ACD-EFH'-shaped, unique per row number ``i``."""
    v = f"((i::bigint * {_CODE_STEP}) % {_CODE_SPACE})"
    n = len(READABLE_ALPHABET)
    digits = [f"substr(:alphabet, 1 + (({v} / {n**k}) % {n})::int, 1)" for k in range(5, -1, -1)]
    return " || ".join([*digits[:3], "'-'", *digits[3:]])


# Past the default processing window (3 days; 5 once information was asked): the rows the
# escalation job would already have marked.
_OVERDUE = (
    "((status IN ('baru', 'dikaji') AND created < :now - interval '3 days')"
    " OR (status = 'perlu_info' AND created < :now - interval '5 days'))"
)

_INSERT = f"""
WITH rows AS (
    SELECT i,
        CASE WHEN i % :big_every = 0 THEN :big
             ELSE (CAST(:offices AS text[]))[1 + ((i::bigint * 31) % :office_count)::int]
        END AS office,
        :newest - make_interval(secs => (:span_days * 86400.0 * (i - :first) / :count)
                                     + (i::bigint * 7919) % 3600) AS created,
        i % 10 AS kind
    FROM generate_series(:first, :first + :count - 1) AS i
)
INSERT INTO ticket (code, receipt_hash, office_code, region_code, category, institution_level,
    incident_date, learned_date, late, status, lang, created_at, updated_at, accused_position,
    description, info_requested_at, escalated_at, escalated_to)
SELECT {_code_sql()}, :marker, office, office,
    (CAST(:categories AS text[]))[1 + i % {len(CATEGORIES)}], 'kabkota',
    (created - interval '2 days')::date, (created - interval '1 day')::date, false,
    status, 'id', created, LEAST(created + make_interval(days => (i % 7)::int), :now),
    :position, :description,
    CASE WHEN status = 'perlu_info' OR (kind = 9 AND status NOT IN ('baru', 'dikaji'))
         THEN created + interval '1 day' END,
    CASE WHEN :escalate AND {_OVERDUE} THEN created + interval '3 days' END,
    CASE WHEN :escalate AND {_OVERDUE} THEN left(office, 2) END
FROM (
    SELECT *, CASE
        WHEN CAST(:status AS varchar) IS NOT NULL THEN CAST(:status AS varchar)
        WHEN kind = 0 THEN 'baru' WHEN kind = 1 THEN 'dikaji' WHEN kind = 2 THEN 'perlu_info'
        WHEN kind IN (3, 4, 5) THEN 'selesai' WHEN kind IN (6, 7) THEN 'ditindaklanjuti'
        ELSE 'tidak_ditindaklanjuti' END AS status
    FROM rows
) AS shaped
"""


def seed_tickets(
    conn: Connection,
    *,
    count: int,
    now: datetime,
    newest: datetime | None = None,
    first: int = 1,
    span_days: float = 365.0,
    office: str | None = None,
    status: str | None = None,
    escalate: bool = True,
    position: str = "bench",
    description: str = "bench",
    marker: str = "bench",
    big_every: int = BIG_SHARE,
) -> None:
    """Insert ``count`` tickets numbered from ``first`` (numbers must not repeat: codes
    derive from them). ``office``/``status`` pin every row to one office or status, e.g. a
    backlog of open tickets in one office; ``escalate`` marks overdue ones as escalated.
    Rows go back ``span_days`` from ``newest`` (default ``now``, the clock for "overdue").
    """
    sql = _INSERT
    if office is not None:
        sql = sql.replace("CASE WHEN i % :big_every = 0 THEN :big", "CASE WHEN true THEN :big")
    offices = list(
        conn.execute(
            text("SELECT code FROM office WHERE level IN ('kabupaten', 'kota') ORDER BY code")
        ).scalars()
    )
    conn.execute(
        text(sql),
        {
            "offices": offices,
            "office_count": len(offices),
            "alphabet": READABLE_ALPHABET,
            "big": office or BIG_OFFICE,
            "big_every": big_every,
            "now": now,
            "newest": newest or now,
            "span_days": span_days,
            "first": first,
            "count": count,
            "categories": [c.key for c in CATEGORIES],
            "position": position,
            "description": description,
            "escalate": escalate,
            "status": status,
            "marker": marker,  # in receipt_hash: lets a benchmark find its own rows again
        },
    )
