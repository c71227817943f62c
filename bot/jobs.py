"""Periodic work: idle conversations, old drafts, dedup records and throttle records.

Every job is one short transaction with its own conditional updates, so running it in two
processes at once is harmless.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete
from sqlmodel import col

from bot.runtime import Netra, utcnow
from storage.db import run_in_transaction
from storage.models import InboundMessage, StatusAttempt

log = logging.getLogger(__name__)

DEDUP_RETENTION = timedelta(days=3)  # platforms stop retrying long before this


def expire_idle_conversations(netra: Netra) -> int:
    count = run_in_transaction(netra.db, lambda s: netra.engine.expire_idle(s, utcnow()))
    if count:
        log.info("suspended %d idle conversations", count)
    return count


def purge_old_records(netra: Netra) -> None:
    now = utcnow()

    def work(session):  # type: ignore[no-untyped-def]
        session.execute(
            delete(InboundMessage).where(col(InboundMessage.received_at) < now - DEDUP_RETENTION)
        )
        session.execute(
            delete(StatusAttempt).where(col(StatusAttempt.at) < now - timedelta(days=1))
        )

    run_in_transaction(netra.db, work)


def escalate_overdue_tickets(netra: Netra) -> list[str]:
    """Kab/kota tickets past their processing window appear, marked, at their Bawaslu Provinsi."""
    from bot.dashboard.views import windows_of
    from handlers.casework import escalate_overdue

    return run_in_transaction(
        netra.db, lambda s: escalate_overdue(s, now=utcnow(), windows=windows_of(netra))
    )


def send_due_digests(netra: Netra) -> int:
    """Offices whose digest hour has passed today and that have none yet get it now."""
    from bot.digests import DigestConfig, run_due_digests

    return run_due_digests(netra.db, utcnow(), DigestConfig.from_settings(netra.settings))


def start_scheduler(netra: Netra) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        expire_idle_conversations,
        "interval",
        minutes=1,
        args=[netra],
        id="expire_idle",
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        purge_old_records,
        "interval",
        hours=1,
        args=[netra],
        id="purge",
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        escalate_overdue_tickets,
        "interval",
        minutes=10,
        args=[netra],
        id="escalate",
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        send_due_digests,
        "interval",
        minutes=2,
        args=[netra],
        id="digests",
        coalesce=True,
        max_instances=1,
        next_run_time=utcnow(),  # at start-up: a process that was down sends what it missed
    )
    scheduler.start()
    return scheduler
