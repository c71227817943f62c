"""Periodic work: idle conversations, old drafts, dedup records, throttle records, and the
daily retention run that shreds closed tickets past their period (``storage.retention``).

Every job runs in short transactions with their own conditional updates, so running it in two
processes at once is harmless.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.config import Settings
from bot.runtime import Netra, utcnow
from storage.db import run_in_transaction
from storage.purge import Retention, purge_spent
from storage.retention import (
    RetentionPolicy,
    expired_ticket_ids,
    forget_reporter_if_unneeded,
    idle_reporter_ids,
    shred_ticket,
)

log = logging.getLogger(__name__)


def expire_idle_conversations(netra: Netra) -> int:
    count = run_in_transaction(netra.db, lambda s: netra.engine.expire_idle(s, utcnow()))
    if count:
        log.info("suspended %d idle conversations", count)
    return count


def purge_old_records(netra: Netra) -> dict[str, int]:
    """Sent outbox rows, dedup and throttle records past their retention, in batches."""
    s = netra.settings
    keep = Retention(
        outbox_sent=timedelta(days=s.retention_sent_outbox_days),
        dedup=timedelta(days=s.retention_dedup_days),
    )
    counts = purge_spent(
        lambda work: run_in_transaction(netra.db, work),
        now=utcnow(),
        keep=keep,
        batch=s.purge_batch,
    )
    if any(counts.values()):
        log.info("purged spent records: %s", counts)
    return counts


def retention_policy(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy(
        after_close_days={
            "selesai": settings.retention_selesai_days,
            "tidak_ditindaklanjuti": settings.retention_tidak_ditindaklanjuti_days,
        },
        dedup_days=settings.retention_dedup_days,
        sent_outbox_days=settings.retention_sent_outbox_days,
        idle_identity_days=settings.retention_idle_identity_days,
    )


def shred_expired(netra: Netra) -> int:
    """The daily retention run: expired tickets shredded one per transaction, then identities
    nothing needs any more deleted. Returns how many tickets were shredded."""
    now = utcnow()
    policy = retention_policy(netra.settings)
    with netra.session() as session:
        due = expired_ticket_ids(session, policy, now)
        idle = idle_reporter_ids(session, policy, now)
    shredded = 0
    for ticket_id in due:
        if run_in_transaction(netra.db, lambda s, t=ticket_id: shred_ticket(s, t, now=now)):
            shredded += 1
    forgotten = 0
    for reporter_id in idle:
        if run_in_transaction(netra.db, lambda s, r=reporter_id: forget_reporter_if_unneeded(s, r)):
            forgotten += 1
    if shredded or forgotten:
        log.info(
            "retention: %d tickets shredded, %d reporter identities deleted", shredded, forgotten
        )
    return shredded


def escalate_overdue_tickets(netra: Netra) -> list[str]:
    """Kab/kota tickets past their processing window appear, marked, at their Bawaslu Provinsi.

    A backlog goes in batches, each committed on its own, so the job never holds one long
    transaction (and a crash keeps what was done).
    """
    from bot.dashboard.views import windows_of
    from handlers.casework import escalate_overdue

    now, windows, size = utcnow(), windows_of(netra), netra.settings.escalation_batch
    done: list[str] = []
    while True:
        batch = run_in_transaction(
            netra.db, lambda s: escalate_overdue(s, now=now, windows=windows, limit=size)
        )
        done += batch
        if len(batch) < size:
            return done


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
        shred_expired,
        "interval",
        hours=24,
        # First run soon after start: a service restarted daily must still shred.
        next_run_time=datetime.now(UTC) + timedelta(minutes=5),
        args=[netra],
        id="shred",
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
