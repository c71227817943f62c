"""The dashboard, API, CSV export and escalation at 1,000 and 1,000,000 tickets (PostgreSQL).

    python -m bench.dashboard                     # 1k and 1M, same run, with ratios
    python -m bench.dashboard --sizes 1000,100000 --repeat 9

Each size gets its own database (``netra_bench_dash_<size>``, kept between runs and reused
when it still holds the same seeded tickets; ``--fresh`` rebuilds it), seeded with bulk SQL
(``bench.seed``) and ANALYZEd. The real app is served on loopback and asked by an officer of
the big office (a twentieth of all tickets, at least 150) and of its province (which also
sees what was escalated to it). Both sizes are served at once and take turns request by
request. Printed per figure: the median server time (request in to last byte out, measured
by an ASGI wrapper) of ``--repeat`` requests at each size, and the ratio of the largest size
to the smallest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from bench.seed import BIG_OFFICE, BIG_SHARE, seed_tickets

PG_ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
PROVINCE = BIG_OFFICE.split(".")[0]
BACKLOG = 3000  # open, overdue, not yet escalated: what the escalation job is timed on
# Away from the offices whose pages are timed: the backlog deleted at the next run's start
# leaves dead index entries there until VACUUM can remove them.
BACKLOG_OFFICE = "32.73"
CHUNK = 100_000  # rows per seeding transaction
DEEP_PAGE = 100


@dataclass
class Figures:
    size: int
    values: dict[str, float]
    notes: dict[str, str]
    reads: dict[str, float]


def _database(size: int, fresh: bool) -> str:
    """The benchmark database for ``size`` tickets, seeded once and reused afterwards."""
    admin = create_engine(
        make_url(PG_ADMIN).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    name = f"netra_bench_dash_{size}"
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is not None and not fresh and _seeded(url) == size:
            admin.dispose()
            return url
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url


def _seeded(url: str) -> int:
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if version is None:
                return -1
            return int(
                conn.execute(
                    text("SELECT count(*) FROM ticket WHERE receipt_hash = 'bench'")
                ).scalar_one()
            )
    except Exception:  # no schema yet: seed it
        return -1
    finally:
        engine.dispose()


def _prepare(netra: object, size: int) -> None:
    """Migrate, seed ``size`` tickets in chunks (unless present), drop old backlogs, ANALYZE."""
    from bot.runtime import Netra
    from storage.models import Ticket

    assert isinstance(netra, Netra)
    netra.prepare_database()
    columns = Ticket.__table__.c  # type: ignore[attr-defined]
    dialect = netra.db.dialect
    position = columns.accused_position.type.process_bind_param("Camat", dialect)
    description = columns.description.type.process_bind_param("Kampanye di kantor " * 20, dialect)
    now = datetime.now(UTC)
    with netra.db.begin() as conn:
        present = conn.execute(
            text("SELECT count(*) FROM ticket WHERE receipt_hash = 'bench'")
        ).scalar_one()
        # Earlier runs' backlogs and what escalating them wrote.
        conn.execute(text("DELETE FROM ticket WHERE receipt_hash = 'backlog'"))
        # And the accounts of earlier runs (usernames repeat from run to run).
        for table in ("auditlog", "apitoken", "officer"):
            conn.execute(text(f"DELETE FROM {table}"))
    if present != size:
        with netra.db.begin() as conn:
            conn.execute(text("TRUNCATE ticket RESTART IDENTITY CASCADE"))
        started = time.perf_counter()
        for first in range(1, size + 1, CHUNK):
            count = min(CHUNK, size - first + 1)
            with netra.db.begin() as conn:
                seed_tickets(
                    conn,
                    count=count,
                    first=first,
                    now=now,
                    newest=now - timedelta(days=365 * (first - 1) / size),
                    position=position,
                    description=description,
                    span_days=365 * count / size,
                    big_every=_big_every(size),
                )
            print(
                f"  seeded {first + count - 1:>9,} / {size:,} tickets"
                f" ({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    with netra.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE ticket"))


def _big_every(size: int) -> int:
    """The big office's share: a twentieth, but at least 150 tickets, so that its first page
    is a full page (100 rows) at every size and page times compare like with like."""
    return max(1, min(BIG_SHARE, size // 150))


def _get(client: httpx.Client, url: str, **params: str) -> httpx.Response:
    answer = client.get(url, params=params)
    answer.raise_for_status()
    return answer


def _cursor_at(client: httpx.Client, depth: int) -> tuple[str | None, int]:
    """The API cursor after ``depth`` pages of 100 (or the last page), and the depth reached."""
    cursor: str | None = None
    reached = 0
    for _ in range(depth - 1):
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        following = _get(client, "/api/v1/tickets", **params).headers.get("X-Next-Cursor")
        if following is None:
            break
        cursor, reached = following, reached + 1
    return cursor, reached + 1


@dataclass
class Site:
    """One size's database, its app served on loopback, and logged-in clients."""

    size: int
    netra: Any
    web: httpx.Client  # an officer of the big office
    province: httpx.Client  # an officer of its Bawaslu Provinsi
    api: httpx.Client  # the big office officer's API token
    timer: ServerTimer
    deep: str | None = None  # the API cursor after DEEP_PAGE - 1 pages
    depth: int = 1


class ServerTimer:
    """ASGI wrapper: how long the app took from request to the last byte of its answer.

    Server time, as the target is stated; the client's own work (and its share of the CPU
    on a shared machine) stays out of it.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Any) -> None:
            # Set before the last byte goes out, so the client never reads a stale figure.
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = (time.perf_counter() - started) * 1000
            await send(message)

        await self.app(scope, receive, timed)


def _open_site(size: int, fresh: bool, stack: ExitStack) -> Site:
    from bot.config import Settings
    from bot.runtime import build
    from storage.crypto import generate_key
    from storage.models import Officer
    from storage.officers import create_token
    from tests.fakes.dashboard import http_login, make_officer, serve

    url = _database(size, fresh)
    data = stack.enter_context(TemporaryDirectory())
    settings = Settings(
        NETRA_DATA_DIR=Path(data),
        DATABASE_URL=url,
        NETRA_IDENTITY_KEYS=generate_key(),
        NETRA_CONTENT_KEYS=generate_key(),
        NETRA_BLIND_INDEX_KEY=generate_key(),
        _env_file=None,  # type: ignore[call-arg]
    )
    netra = build(settings)
    stack.callback(netra.db.dispose)
    _prepare(netra, size)
    officer = make_officer(netra, BIG_OFFICE)
    province = make_officer(netra, PROVINCE)
    with netra.session() as session:
        account = session.get(Officer, officer.id)
        assert account is not None
        token = create_token(session, account, "bench", now=datetime.now(UTC))
        session.commit()
    timers: list[ServerTimer] = []

    def timed(app: Any) -> ServerTimer:
        timers.append(ServerTimer(app))
        return timers[-1]

    base_url = stack.enter_context(serve(netra, wrap=timed)).base_url
    timer = timers[0]
    api = stack.enter_context(
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=600)
    )
    web, ntb = http_login(base_url, officer), http_login(base_url, province)
    stack.callback(web.close)
    stack.callback(ntb.close)
    site = Site(size, netra, web, ntb, api, timer)
    site.deep, site.depth = _cursor_at(api, DEEP_PAGE)
    return site


# What each page figure asks: (client, path, query), given a site.
PAGES: dict[str, Callable[[Site], tuple[httpx.Client, str, dict[str, str]]]] = {
    "inbox page": lambda s: (s.web, "/dashboard/", {}),
    "inbox, status+category": lambda s: (
        s.web,
        "/dashboard/",
        {"status": "dikaji", "category": "medsos"},
    ),
    "inbox, overdue only": lambda s: (s.web, "/dashboard/", {"overdue": "1"}),
    "inbox, by deadline": lambda s: (s.web, "/dashboard/", {"sort": "deadline"}),
    "inbox, code search": lambda s: (s.web, "/dashboard/", {"q": "AC"}),
    "province inbox (escalated)": lambda s: (s.province, "/dashboard/", {}),
    "inbox, deep page (cursor)": lambda s: (
        s.web,
        "/dashboard/",
        {"after": s.deep} if s.deep else {},
    ),
    "API page": lambda s: (s.api, "/api/v1/tickets", {"limit": "100"}),
    "API, deep page (cursor)": lambda s: (
        s.api,
        "/api/v1/tickets",
        {"limit": "100", **({"cursor": s.deep} if s.deep else {})},
    ),
}


def _time_pages(sites: list[Site], repeat: int) -> dict[int, dict[str, float]]:
    """Median per page and site; the sites take turns request by request, so a burst of load
    from elsewhere on the machine falls on both sizes alike and leaves the ratio alone."""
    samples: dict[tuple[int, str], list[float]] = {}
    for name, ask in PAGES.items():
        for round_ in range(repeat + 1):
            for site in sites:
                client, path, params = ask(site)
                _get(client, path, **params)
                if round_:  # the first round warms templates, plans and caches
                    samples.setdefault((site.size, name), []).append(site.timer.last)
    medians: dict[int, dict[str, float]] = {site.size: {} for site in sites}
    for (size, name), times in samples.items():
        medians[size][name] = statistics.median(times)
    return medians


class TicketReads:
    """Counts the database pages (8 kB buffers) the ticket queries of one request touch.

    Unlike time, this does not move with the machine's load: a page whose count stays put
    from 1k to 1M tickets reads the same index ranges whatever the table's size.
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.captured: list[tuple[str, Any]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._capture)

    def _capture(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.on and statement.lstrip().startswith("SELECT") and "FROM ticket" in statement:
            self.captured.append((statement, params))

    def buffers(self, request: Callable[[], object]) -> int:
        self.captured, self.on = [], True
        try:
            request()
        finally:
            self.on = False
        total = 0
        with self.engine.connect() as conn:
            for statement, params in self.captured:
                plan = conn.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", params
                ).scalar_one()
                top = plan[0]["Plan"]
                read = int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))
                total += read
                if os.environ.get("BENCH_DEBUG"):
                    print(read, statement[:400], params, file=sys.stderr)
        return total


def _ask(ask: Callable[[Site], tuple[httpx.Client, str, dict[str, str]]], site: Site) -> None:
    client, path, params = ask(site)
    _get(client, path, **params)


def _count_reads(sites: list[Site]) -> dict[int, dict[str, float]]:
    counts: dict[int, dict[str, float]] = {}
    for site in sites:
        reads = TicketReads(site.netra.db)
        counts[site.size] = {}
        for name, ask in PAGES.items():
            counts[site.size][name] = reads.buffers(partial(_ask, ask, site))
    return counts


def _export(site: Site, values: dict[str, float], notes: dict[str, str]) -> None:
    csv_text = _get(site.web, "/dashboard/export.csv").text
    values["CSV export, big office"] = site.timer.last
    exported = csv_text.count("\n") - 1
    notes["CSV export, big office"] = f"{exported:,} rows"
    values["CSV export, per 1,000 rows"] = values["CSV export, big office"] * 1000 / exported


def _escalate_backlog(site: Site, values: dict[str, float], notes: dict[str, str]) -> None:
    from bot.jobs import escalate_overdue_tickets

    with site.netra.db.begin() as conn:
        seed_tickets(
            conn,
            count=BACKLOG,
            first=10_000_000,
            now=datetime.now(UTC) - timedelta(days=4),
            span_days=2,
            office=BACKLOG_OFFICE,
            status="baru",
            escalate=False,
            marker="backlog",
        )
        conn.execute(text("ANALYZE ticket"))
    started = time.perf_counter()
    escalated = escalate_overdue_tickets(site.netra)
    values["escalation of a backlog"] = (time.perf_counter() - started) * 1000
    notes["escalation of a backlog"] = f"{len(escalated):,} tickets"


def measure(sizes: list[int], *, repeat: int, fresh: bool) -> list[Figures]:
    with ExitStack() as stack:
        sites = []
        for size in sizes:
            print(f"{size:,} tickets …", file=sys.stderr, flush=True)
            sites.append(_open_site(size, fresh, stack))
        pages = _time_pages(sites, repeat)
        reads = _count_reads(sites)
        results = []
        for site in sites:
            notes = {"deep page": f"page {site.depth}"}
            values = pages[site.size]
            _export(site, values, notes)
            _escalate_backlog(site, values, notes)
            results.append(Figures(site.size, values, notes, reads[site.size]))
        return results


def report(results: list[Figures]) -> None:
    sizes = [f"{r.size:,} tickets" for r in results]
    print(f"{'figure':<30}" + "".join(f"{s:>18}" for s in sizes) + f"{'ratio':>9}  notes")
    for name in results[0].values:
        cells = [r.values[name] for r in results]
        ratio = cells[-1] / cells[0] if cells[0] else float("nan")
        notes = " / ".join(r.notes[name] for r in results if name in r.notes)
        print(f"{name:<30}" + "".join(f"{v:>15.1f} ms" for v in cells) + f"{ratio:>8.2f}×  {notes}")
    deep = " / ".join(r.notes.get("deep page", "") for r in results)
    print(f"(deep pages reached: {deep}; median server time of the repeats)")
    print()
    print(
        f"{'8 kB pages read (ticket SQL)':<30}" + "".join(f"{s:>18}" for s in sizes) + "    ratio"
    )
    for name in results[0].reads:
        cells = [r.reads[name] for r in results]
        ratio = cells[-1] / cells[0] if cells[0] else float("nan")
        print(f"{name:<30}" + "".join(f"{v:>18,.0f}" for v in cells) + f"{ratio:>8.2f}×")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="re-seed even if seeded")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    report(measure(sizes, repeat=args.repeat, fresh=args.fresh))


if __name__ == "__main__":
    main()
