"""The assembled application: settings, keys, database and conversation engine, built once."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine as Database
from sqlmodel import Session

from bot.config import Settings
from bot.keys import load_keys
from bot.poison import clean_text
from bot.turns import TurnBatcher
from handlers.engine import Engine, Policy, Prepared
from handlers.types import Inbound, Outcome
from storage.crypto import Keys, ReceiptHasher, install_keys
from storage.db import make_engine, run_in_transaction, upgrade
from storage.geo import locator
from storage.offices import seed_offices
from storage.regions import RegionDirectory, default_directory

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def policy_from(settings: Settings) -> Policy:
    return Policy(
        idle=timedelta(minutes=settings.conversation_idle_minutes),
        draft_retention=timedelta(days=settings.draft_retention_days),
        reporting_window_days=settings.reporting_window_days,
        learned_day_is_day_zero=settings.learned_day_is_day_zero,
        processing_days=settings.processing_days,
        info_extension_days=settings.info_extension_days,
        operator_name=settings.operator_name,
        max_tickets_per_day=settings.max_tickets_per_day,
        status_max_failures=settings.status_max_failures,
        status_lockout=timedelta(minutes=settings.status_lockout_minutes),
        description_max=settings.description_max_chars,
        evidence_max_items=settings.evidence_max_items,
    )


@dataclass
class Netra:
    """Everything a route, a channel adapter or a job needs, passed in rather than imported."""

    settings: Settings
    keys: Keys
    db: Database
    regions: RegionDirectory
    engine: Engine
    # Turn batches run here, not in asyncio's default pool (cores + 4 threads), one thread per
    # batch in flight: on PostgreSQL two batches overlap their round trips (six made smaller
    # batches, more commits and threads fighting for the GIL: more CPU per turn and a p99 three
    # times the textbook bot's in bench/chat.py); SQLite has one writer, and a second batch
    # there only spun in the busy handler (measured: fewer turns/s).
    turn_threads: ThreadPoolExecutor = field(init=False)
    # Turns that arrive together share one transaction (group commit, see ``bot.turns``).
    batcher: TurnBatcher = field(init=False)

    def __post_init__(self) -> None:
        sqlite = self.db.dialect.name == "sqlite"
        workers = self.settings.turn_batches or (1 if sqlite else 2)
        self.turn_threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="turn")
        self.batcher = TurnBatcher(
            self, self.turn_threads, workers=workers, max_batch=self.settings.turn_batch_max
        )

    async def process_async(
        self, message: Inbound, *, outbox_transport: str | None = None
    ) -> Outcome:
        """One turn for the webhooks' event loop, committed (in a batch) before it returns."""
        return await self.batcher.submit(message, outbox_transport)

    def turn(
        self,
        session: Session,
        message: Inbound,
        outbox_transport: str | None,
        *,
        prepared: Prepared | None = None,
    ) -> Outcome:
        """One turn inside the caller's transaction (the caller commits); ``prepared``: the
        batch it belongs to (``prepare``)."""
        return self.engine.handle(
            session,
            _cleaned(message),
            utcnow(),
            outbox_transport=outbox_transport,
            prepared=prepared,
        )

    def prepare(self, session: Session, messages: list[Inbound]) -> Prepared:
        """A turn batch's dedup and reporter loads, done together (``Engine.prepare``)."""
        return self.engine.prepare(session, messages, utcnow())

    def finish(self, session: Session, prepared: Prepared) -> None:
        """What a turn batch's turns left to write together (``Engine.finish``)."""
        self.engine.finish(session, prepared)

    def process(self, message: Inbound, *, outbox_transport: str | None = None) -> Outcome:
        """One conversation turn, committed (and retried on a concurrent write) before return."""
        self.engine.receipts.top_up()  # the slow receipt hash never runs inside the transaction
        return run_in_transaction(
            self.db, lambda session: self.turn(session, message, outbox_transport)
        )

    def session(self) -> Session:
        return Session(self.db, expire_on_commit=False)

    def prepare_database(self) -> None:
        """Migrate to the newest schema and make sure all 553 offices exist."""
        upgrade(self.db)
        with self.session() as session:
            added = seed_offices(session, self.regions)
            session.commit()
        if added:
            log.info("seeded %d Bawaslu offices", added)


def _cleaned(message: Inbound) -> Inbound:
    """Lone surrogates replaced in everything the reporter typed, before it can be encrypted."""
    return replace(
        message,
        text=clean_text(message.text),
        profile_name=clean_text(message.profile_name),
        attachments=tuple(replace(a, filename=clean_text(a.filename)) for a in message.attachments),
    )


def build(settings: Settings, *, receipts: ReceiptHasher | None = None) -> Netra:
    """Assemble Netra; a missing or malformed key raises here, before anything is served."""
    keys = load_keys(settings)
    install_keys(keys)
    regions = default_directory()
    engine = Engine(
        regions=regions,
        policy=policy_from(settings),
        receipts=receipts,
        locate=locator(regions),  # a shared location → nearest province, confirmed by the reporter
    )
    engine.receipts.start()
    return Netra(
        settings=settings,
        keys=keys,
        db=make_engine(settings.effective_database_url),
        regions=regions,
        engine=engine,
    )
