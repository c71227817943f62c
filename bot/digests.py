"""The daily digest job: every office, every day, at its hour, exactly once per channel.

Every few minutes each process looks for offices whose edition hour has passed today (in the
office's own time zone) and that have no digest yet. For each, one transaction inserts the
office's ``DigestRun`` rows (the unique key is the claim), builds the digest and puts the
messages in the outbox. Two processes racing on one office: the second INSERT fails and that
process moves on. A crash before commit leaves nothing claimed (the next run claims it); a crash
after commit leaves the messages in the outbox, which a restarted sender delivers once. A digest
claimed long after its hour (the process was down at 07.00) goes out at once, marked late.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.channels.email import addresses
from bot.config import Settings
from handlers.digest_text import email_html, email_text, subject, telegram_text
from handlers.types import Reply
from storage import outbox
from storage.calendar import ElectionCalendar, cached_calendar, effective_calendar
from storage.digest import Digest, Schedule, build_digest, build_digests, edition_moment
from storage.models import DigestRun, Office, OutboxMessage
from storage.offices import NATIONAL_CODE
from storage.workflow import Windows

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class DigestConfig:
    schedule: Schedule
    windows: Windows
    calendar: ElectionCalendar
    base_url: str
    late_after: timedelta
    # The calendar file whose admin edits (stage dates, re-votes) still have to be read from the
    # database; None once ``calendar`` is the effective one (see ``with_edits``).
    calendar_key: str | None = None

    def with_edits(self, session: Session) -> DigestConfig:
        """This configuration with the admins' calendar edits applied (read once per run)."""
        if self.calendar_key is None:
            return self
        return replace(
            self, calendar=effective_calendar(session, self.calendar_key), calendar_key=None
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> DigestConfig:
        return cls(
            schedule=Schedule(settings.digest_hour, settings.digest_evening_hour),
            windows=Windows(
                reporting_days=settings.reporting_window_days,
                processing_days=settings.processing_days,
                info_extension_days=settings.info_extension_days,
            ),
            calendar=cached_calendar(settings.election_calendar),
            base_url=settings.public_base_url or DEFAULT_BASE_URL,
            late_after=timedelta(minutes=settings.digest_late_minutes),
            calendar_key=settings.election_calendar,
        )


def channels_of(office: Office) -> list[tuple[str, str]]:
    """Where an office's digest goes: its linked Telegram chat and its e-mail addresses."""
    found: list[tuple[str, str]] = []
    if office.telegram_chat_id:
        found.append(("telegram", office.telegram_chat_id))
    mail = addresses(office.email)
    if mail:
        found.append(("email", ",".join(mail)))
    return found


def digest_for(
    session: Session, office: Office, local_date: date, edition: str, config: DigestConfig
) -> Digest:
    return build_digest(
        session,
        office,
        local_date,
        edition=edition,
        windows=config.windows,
        calendar=config.with_edits(session).calendar,
        schedule=config.schedule,
    )


def claim_and_enqueue(
    session: Session,
    office: Office,
    local_date: date,
    edition: str,
    *,
    now: datetime,
    config: DigestConfig,
    attempt: int = 0,
    officer_id: int | None = None,
    built: Digest | None = None,
) -> list[DigestRun]:
    """Claim one edition for one office and queue its messages, in the caller's transaction.

    ``built`` is the digest when the caller built many at once (it is taken as of the edition's
    moment, so building it before the claim changes nothing). Raises ``IntegrityError`` (at the
    flush) when another process holds the claim already.
    """
    moment = edition_moment(local_date, edition, office.timezone, config.schedule)
    late = attempt == 0 and now - moment > config.late_after
    targets = channels_of(office) or [("none", "")]
    runs = [
        DigestRun(
            office_code=office.code,
            local_date=local_date,
            edition=edition,
            channel=channel,
            attempt=attempt,
            late=late,
            claimed_at=now,
            officer_id=officer_id,
        )
        for channel, _ in targets
    ]
    session.add_all(runs)
    session.flush()  # the claim: a second claimer fails here, before building anything
    digest = built or digest_for(session, office, local_date, edition, config)
    for run, (channel, address) in zip(runs, targets, strict=True):
        if channel == "none":
            continue
        if channel == "telegram":
            payload = Reply(text=telegram_text(digest, config.base_url)).to_payload()
        else:
            payload = {
                "subject": subject(digest),
                "text": email_text(digest, config.base_url),
                "html": email_html(digest, config.base_url),
            }
        message = outbox.enqueue(
            session, transport=channel, address=address, payload=payload, now=now
        )
        session.flush()
        run.outbox_id = message.id
        session.add(run)
    return runs


def due_editions(office: Office, now: datetime, config: DigestConfig) -> list[tuple[date, str]]:
    """Today's editions (office's local date) whose hour has passed at ``now``."""
    local = now.astimezone(ZoneInfo(office.timezone))
    today = local.date()
    found: list[tuple[date, str]] = []
    if local >= edition_moment(today, "pagi", office.timezone, config.schedule):
        found.append((today, "pagi"))
    region = None if office.code == NATIONAL_CODE else office.code
    if config.calendar.round_the_clock(today, region) and local >= edition_moment(
        today, "malam", office.timezone, config.schedule
    ):
        found.append((today, "malam"))
    return found


def run_due_digests(db: Engine, now: datetime, config: DigestConfig) -> int:
    """Claim and queue every due, unclaimed digest; returns how many this process claimed."""
    with Session(db, expire_on_commit=False) as session:
        config = config.with_edits(session)
        offices = list(session.exec(select(Office).order_by(Office.code)))
        due = [(o, d, e) for o in offices for d, e in due_editions(o, now, config)]
        if not due:
            return 0
        dates = sorted({d for _, d, _ in due})
        claimed = set(
            session.exec(
                select(DigestRun.office_code, DigestRun.local_date, DigestRun.edition).where(
                    DigestRun.attempt == 0, col(DigestRun.local_date).in_(dates)
                )
            ).all()
        )
        due = [(o, d, e) for o, d, e in due if (o.code, d, e) not in claimed]
        built = _build_all(session, due, config)
    count = 0
    for office, local_date, edition in due:
        with Session(db, expire_on_commit=False) as session:
            try:
                claim_and_enqueue(
                    session,
                    office,
                    local_date,
                    edition,
                    now=now,
                    config=config,
                    built=built[(office.code, local_date, edition)],
                )
                session.commit()
                count += 1
            except IntegrityError:
                session.rollback()  # another process claimed it first: it sends, not us
    if count:
        log.info("queued %d office digests", count)
    return count


def _build_all(
    session: Session, due: list[tuple[Office, date, str]], config: DigestConfig
) -> dict[tuple[str, date, str], Digest]:
    """All due digests, built together per date and edition (a few statements, not 553)."""
    batches: dict[tuple[date, str], list[Office]] = {}
    for office, local_date, edition in due:
        batches.setdefault((local_date, edition), []).append(office)
    built: dict[tuple[str, date, str], Digest] = {}
    for (local_date, edition), offices in batches.items():
        digests = build_digests(
            session,
            offices,
            local_date,
            edition=edition,
            windows=config.windows,
            calendar=config.calendar,
            schedule=config.schedule,
        )
        built |= {(code, local_date, edition): d for code, d in digests.items()}
    return built


def resend(
    session: Session,
    office: Office,
    local_date: date,
    *,
    now: datetime,
    config: DigestConfig,
    officer_id: int | None = None,
    edition: str = "pagi",
) -> list[DigestRun]:
    """Send one edition again on purpose (a new ``attempt``); the caller audits it."""
    from sqlalchemy import func

    latest = session.exec(
        select(func.max(DigestRun.attempt)).where(
            DigestRun.office_code == office.code,
            DigestRun.local_date == local_date,
            DigestRun.edition == edition,
        )
    ).one()
    attempt = 0 if latest is None else int(latest) + 1
    return claim_and_enqueue(
        session,
        office,
        local_date,
        edition,
        now=now,
        config=config,
        attempt=attempt,
        officer_id=officer_id,
    )


@dataclass(frozen=True)
class HistoryRow:
    run: DigestRun
    status: str  # recorded | pending | sent | failed
    sent_at: datetime | None
    error: str | None


def history(session: Session, office_code: str, limit: int = 60) -> list[HistoryRow]:
    """An office's digests, newest first, with each message's delivery state from the outbox."""
    rows = session.exec(
        select(DigestRun, OutboxMessage.status, OutboxMessage.sent_at, OutboxMessage.last_error)
        .join(OutboxMessage, col(OutboxMessage.id) == col(DigestRun.outbox_id), isouter=True)
        .where(DigestRun.office_code == office_code)
        .order_by(col(DigestRun.local_date).desc(), col(DigestRun.id).desc())
        .limit(limit)
    ).all()
    return [
        HistoryRow(run, status or "recorded", sent_at, error)
        for run, status, sent_at, error in rows
    ]
