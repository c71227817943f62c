"""Benchmark: building every office's daily digest over a million tickets on PostgreSQL.

    python -m bench digest                          # 10 k, then 1 M tickets
    python -m bench digest --tickets 1000000 --office 52.06 --office-tickets 1800

Each size gets a database on the PostgreSQL server of ``BENCH_DATABASE_URL`` (default: the
``TEST_DATABASE_URL`` tests use, or the local server), ``netra_bench_digest_<size>``, kept
between runs and reused while it holds the same seeded tickets (``--fresh`` rebuilds it). It is
migrated (with the digest's indexes) and seeded in bulk with one ``INSERT … SELECT
generate_series`` (the encrypted columns hold placeholder ciphertext: a digest never reads
them). Tickets spread over the 553 offices and the last 120 days; older ones are mostly
decided, as in practice.

Printed:
- the time to build and render (Telegram text and e-mail) all 553 digests of one morning, at
  10 k tickets and at 1 M tickets (target ≤ 10 s at 1 M), and how much of it is SQL;
- one office's digest (median of repeated builds) at 10 k and at 1 M, and their ratio (target
  ≤ 1.2×). The measured office holds the same ``--office-tickets`` of its own in both databases
  (about its share of 1 M); the other tickets belong to other offices, so the ratio shows
  whether one office's digest depends on the size of the whole table. The two databases are
  measured in alternation, so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, date, datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from bot.digests import DEFAULT_BASE_URL
from handlers.digest_text import email_html, email_text, telegram_text
from storage.calendar import cached_calendar
from storage.crypto import BlindIndexer, KeyRing, Keys, generate_key, install_keys, parse_key
from storage.db import make_engine, upgrade
from storage.digest import Schedule, build_digest, build_digests
from storage.models import Office
from storage.offices import seed_offices
from storage.regions import default_directory
from storage.workflow import Windows

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
DAY = date(2024, 10, 10)
AS_OF = datetime(2024, 10, 10, 0, 0, tzinfo=UTC)  # 07.00 WIB

SEED_SQL = """
INSERT INTO ticket (code, receipt_hash, office_code, region_code, category, institution_level,
    incident_date, learned_date, late, status, lang, created_at, updated_at,
    accused_position, description, info_requested_at)
SELECT
    :prefix || g::text,
    'x',
    o.code,
    CASE WHEN o.code = 'RI' THEN '31.71' ELSE o.code END,
    (ARRAY['medsos','kampanye','fasilitas','kepala_desa','lainnya'])[1 + g % 5],
    (ARRAY['kabkota','provinsi','pusat'])[1 + g % 3],
    (t.at - interval '2 days')::date,
    (t.at - interval '1 day')::date,
    g % 17 = 0,
    CASE
        WHEN t.at < :as_of - interval '10 days' AND g % 20 <> 0
            THEN (ARRAY['selesai','ditindaklanjuti','tidak_ditindaklanjuti'])[1 + g % 3]
        ELSE (ARRAY['baru','dikaji','perlu_info','ditindaklanjuti'])[1 + g % 4]
    END,
    'id',
    t.at,
    t.at,
    'placeholder-ciphertext',
    'placeholder-ciphertext',
    CASE WHEN g % 4 = 2 THEN t.at + interval '1 day' ELSE NULL END
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
CROSS JOIN LATERAL (
    SELECT CAST(:as_of AS timestamptz)
        - make_interval(mins => CAST((g::bigint * 7919) % (120 * 24 * 60) AS integer)) AS at
) AS t
JOIN (
    SELECT code, row_number() OVER (ORDER BY code) - 1 AS n FROM office WHERE code <> :skip
) AS o ON o.n = g % CAST(:offices AS integer)
"""

OWN_SQL = """
INSERT INTO ticket (code, receipt_hash, office_code, region_code, category, institution_level,
    incident_date, learned_date, late, status, lang, created_at, updated_at,
    accused_position, description)
SELECT 'OWN' || g::text, 'x', :office, :office, 'kampanye', 'kabkota',
    (t.at - interval '2 days')::date, (t.at - interval '1 day')::date, false,
    CASE WHEN t.at < :as_of - interval '10 days' THEN 'selesai'
         ELSE (ARRAY['baru','dikaji','perlu_info'])[1 + g % 3] END,
    'id', t.at, t.at, 'placeholder-ciphertext', 'placeholder-ciphertext'
FROM generate_series(1, CAST(:count AS integer)) AS g
CROSS JOIN LATERAL (
    SELECT CAST(:as_of AS timestamptz)
        - make_interval(mins => CAST((g::bigint * 7919) % (120 * 24 * 60) AS integer)) AS at
) AS t
"""


# What the hourly escalation job has done by the morning: open kab/kota tickets past their
# window (roughly: older than 5 days) are marked for their province.
ESCALATE_SQL = """
UPDATE ticket SET escalated_to = office.parent_code,
    escalated_at = ticket.created_at + interval '4 days'
FROM office
WHERE office.code = ticket.office_code AND office.level IN ('kabupaten', 'kota')
    AND ticket.status IN ('baru', 'dikaji', 'perlu_info')
    AND ticket.created_at < CAST(:as_of AS timestamptz) - interval '5 days'
"""


def _keys() -> None:
    install_keys(
        Keys(
            identity=KeyRing([parse_key(generate_key(), "identity")]),
            content=KeyRing([parse_key(generate_key(), "content")]),
            blind=BlindIndexer(parse_key(generate_key(), "blind")),
        )
    )


def _seed(engine: Engine, first: int, last: int, skip: str, prefix: str) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        offices = conn.execute(text("SELECT count(*) FROM office WHERE code <> :s"), {"s": skip})
        count = int(offices.scalar_one())
        conn.execute(
            text(SEED_SQL),
            {
                "prefix": prefix,
                "first": first,
                "last": last,
                "as_of": AS_OF,
                "skip": skip,
                "offices": count,
            },
        )
        conn.execute(text(ESCALATE_SQL), {"as_of": AS_OF})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE ticket"))  # what autovacuum does in production
    return time.perf_counter() - started


def _database(admin: Engine, admin_url: str, total: int, args: argparse.Namespace) -> Engine:
    """The database of ``total`` tickets: reused when a previous run seeded it, else seeded."""
    name = f"netra_bench_digest_{total}"
    engine = make_engine(make_url(admin_url).set(database=name).render_as_string(False))
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is not None and not args.fresh:
            upgrade(engine)  # a kept database gets the indexes added since it was seeded
            with engine.connect() as db:
                seeded = db.execute(text("SELECT count(*) FROM ticket")).scalar_one()
                escalated = db.execute(
                    text("SELECT count(*) FROM ticket WHERE escalated_to IS NOT NULL")
                ).scalar_one()
                if seeded == total and escalated:
                    print(f"reusing {name} ({total:,} tickets)")
                    return engine
        engine.dispose()
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(admin_url).set(database=name).render_as_string(False))
    upgrade(engine)
    with Session(engine) as session:
        seed_offices(session, default_directory())
        session.commit()
    with engine.begin() as conn:
        conn.execute(
            text(OWN_SQL), {"office": args.office, "count": args.office_tickets, "as_of": AS_OF}
        )
    took = _seed(engine, 1, total - args.office_tickets, args.office, "S")
    print(f"seeded {total:,} tickets in {took:.1f} s")
    return engine


def _all_digests(engine: Engine) -> tuple[float, float, int]:
    """(seconds querying, seconds querying and rendering, characters rendered) for all 553,
    built together as the daily job builds them."""
    calendar = cached_calendar()
    windows, schedule = Windows(), Schedule()
    started = time.perf_counter()
    chars = 0
    with Session(engine) as session:
        offices = session.exec(select(Office)).all()
        digests = build_digests(
            session, offices, DAY, windows=windows, calendar=calendar, schedule=schedule
        )
        querying = time.perf_counter() - started
        assert len(digests) == len(offices)
        for digest in digests.values():
            chars += len(telegram_text(digest, DEFAULT_BASE_URL))
            chars += len(email_text(digest, DEFAULT_BASE_URL))
            chars += len(email_html(digest, DEFAULT_BASE_URL))
    return querying, time.perf_counter() - started, chars


def _one_office(engine: Engine, code: str, repeat: int) -> float:
    calendar = cached_calendar()
    windows, schedule = Windows(), Schedule()
    times: list[float] = []
    with Session(engine) as session:
        office = session.get(Office, code)
        assert office is not None
        for _ in range(repeat):
            started = time.perf_counter()
            digest = build_digest(
                session, office, DAY, windows=windows, calendar=calendar, schedule=schedule
            )
            telegram_text(digest, DEFAULT_BASE_URL)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench digest", description=__doc__)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--office", default="52.06")
    parser.add_argument("--office-tickets", type=int, default=1_800)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--fresh", action="store_true", help="seed the databases again")
    args = parser.parse_args(argv)

    _keys()
    admin_url = (
        os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL
    )
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    engines: list[Engine] = []
    try:
        # Two databases, 10 k and 1 M tickets, measured in alternation: a busy machine slows
        # both alike, so the ratio compares the data sizes and not the moments measured.
        for total in (args.small, args.tickets):
            engine = _database(admin, admin_url, total, args)
            engines.append(engine)
            _all_digests(engine)  # warm the caches once
        small, big = engines
        runs: dict[str, list[tuple[float, float, int]]] = {"small": [], "big": []}
        ones: dict[str, list[float]] = {"small": [], "big": []}
        for _ in range(3):
            runs["small"].append(_all_digests(small))
            runs["big"].append(_all_digests(big))
        for _ in range(args.repeat):
            ones["small"].append(_one_office(small, args.office, 1))
            ones["big"].append(_one_office(big, args.office, 1))
        for key, total in (("small", args.small), ("big", args.tickets)):
            built = statistics.median(r[0] for r in runs[key])
            whole = statistics.median(r[1] for r in runs[key])
            print(
                f"  all 553 digests at {total:,} tickets: {whole:.2f} s "
                f"({built:.2f} s of it in SQL aggregation; median of 3; target ≤ 10 s at 1 M)"
            )
        one_small = statistics.median(ones["small"])
        one_big = statistics.median(ones["big"])
        print(f"  office {args.office} digest at {args.small:,}: {one_small * 1000:.2f} ms")
        print(f"  office {args.office} digest at {args.tickets:,}: {one_big * 1000:.2f} ms")
        print(f"  ratio for one office: {one_big / one_small:.2f}× (target ≤ 1.2×)")
        print(
            f"  ({runs['big'][0][2]:,} characters rendered per run at 1 M; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
    finally:
        for engine in engines:
            engine.dispose()
        admin.dispose()


if __name__ == "__main__":
    main()
