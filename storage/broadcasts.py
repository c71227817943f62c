"""Reminder broadcasts: templates, campaigns, recipients and the queries the runner needs.

A broadcast goes to up to a million subscribers at a platform's pace (about 30 Telegram messages
a second), so it runs for hours and must survive restarts. Each recipient is one
``BroadcastDelivery`` row, inserted by one ``INSERT … SELECT`` (nothing is loaded into memory);
the runner claims rows in keyed batches (``claimed``: a send slot reserved), marks each small
group ``sending`` just before handing it to the platform, and ``sent`` after. A process killed
mid-batch leaves two kinds of rows behind, told apart once their lease has expired:

- ``claimed``: never handed to the platform. They go back to the queue and are sent once.
- ``sending``: handed over, answer never heard. Whether the platform accepted them is truly
  unknown. They are *not* sent again (at-most-once: a second copy of a political message reads
  as pressure and cannot be recalled, while a missed reminder is only a missed reminder) and are
  counted ``unknown`` on the progress bar, so the report says exactly how many may be missing.
  The runner marks a fraction of a second's sends at a time, so that is a few recipients.

Nothing is sent before a second admin approves: a message sent by mistake cannot be recalled.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, and_, case, func, insert, literal, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.calendar import ElectionCalendar, stage_shifts
from storage.models import Broadcast, BroadcastDelivery, Officer, Reporter, Subscriber
from storage.refusals import Problem, Refused

TEMPLATES_PATH = Path(__file__).parent / "data" / "broadcasts" / "templates.toml"
STOP_TEXT = {"id": "Kirim BERHENTI untuk berhenti.", "en": "Send STOP to stop."}
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")  # WIB, WITA, WIT
ACTIVE = ("approved", "running")
# A live runner confirms a claim within a second or two; a claim older than this belongs to a
# process that died, and its rows are looked at again (``recover_interrupted``).
CLAIM_LEASE = timedelta(minutes=2)
UNFINISHED = ("pending", "claimed", "sending", "waiting")

# Words that make a reminder partisan. Checked on every template and every composed text.
_PARTISAN = re.compile(
    r"\b(nomor\s*urut|no\.?\s*urut|paslon\s*\d|nomor\s*\d+|number\s*\d+|coblos|partai|party|"
    r"parties|petahana|incumbent|merah|kuning|biru|hijau|oranye|ungu|red|yellow|blue|green|"
    r"orange|purple|pdip?|golkar|gerindra|nasdem|pkb|pks|demokrat|pan|psi|perindo|hanura)\b",
    re.IGNORECASE,
)


class BroadcastError(Refused):
    """An admin action that is not allowed; shown in the dashboard in the admin's language."""


# A broadcast's states as admins read them ("dijeda", not "paused").
STATES: dict[str, Problem] = {
    "draft": Problem("draft", "draf"),
    "approved": Problem("approved", "disetujui"),
    "running": Problem("sending", "sedang dikirim"),
    "paused": Problem("paused", "dijeda"),
    "cancelled": Problem("cancelled", "dibatalkan"),
    "done": Problem("finished", "selesai"),
}


def state_label(state: str, lang: str) -> str:
    found = STATES.get(state)
    return found.text(lang) if found else state


# --- templates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    key: str
    stage: str
    title_id: str
    title_en: str
    text_id: str
    text_en: str
    content_sid: str | None

    def render(self, lang: str, *, operator: str, days: int) -> str:
        text = self.text_en if lang == "en" else self.text_id
        return render(text, lang, operator=operator, days=days)


def render(text: str, lang: str, *, operator: str, days: int) -> str:
    """Fill the placeholders; a composed text without them is returned as it is."""
    stop = STOP_TEXT["en" if lang == "en" else "id"]
    return text.replace("{operator}", operator).replace("{stop}", stop).replace("{days}", str(days))


def partisan_words(text: str) -> list[str]:
    """Words that would make a reminder name or hint at a side (empty: the text is neutral)."""
    return sorted({m.group(0).lower() for m in _PARTISAN.finditer(text)})


def partisan(words: Sequence[str], where: str = "") -> Problem:
    """The refusal naming a text's partisan words (``where``: "title (id) " and the like)."""
    listed = ", ".join(words)
    return Problem(f"{where}partisan words: {listed}", f"{where}kata partisan: {listed}")


def problems(text: str, lang: str, operator: str) -> list[Problem]:
    """Why a rendered reminder may not go out: partisan words, no sender, no opt-out word."""
    found: list[Problem] = []
    words = partisan_words(text.replace(operator, ""))
    if words:
        found.append(partisan(words))
    if operator not in text:
        found.append(Problem("does not say who sends it", "tidak menyebut siapa pengirimnya"))
    if not text.rstrip().endswith(STOP_TEXT["en" if lang == "en" else "id"]):
        found.append(
            Problem(
                "does not end with the opt-out word",
                "tidak diakhiri kata untuk berhenti berlangganan",
            )
        )
    return found


def parse_templates(data: dict[str, Any]) -> tuple[Template, ...]:
    out: list[Template] = []
    for raw in data.get("template", []):
        out.append(
            Template(
                key=str(raw["key"]),
                stage=str(raw["stage"]),
                title_id=str(raw["title_id"]),
                title_en=str(raw["title_en"]),
                text_id=str(raw["id"]),
                text_en=str(raw["en"]),
                content_sid=str(raw.get("content_sid") or "") or None,
            )
        )
    return tuple(out)


@lru_cache(maxsize=4)
def load_templates(path: Path = TEMPLATES_PATH) -> tuple[Template, ...]:
    return parse_templates(tomllib.loads(path.read_text(encoding="utf-8")))


def template(key: str, path: Path = TEMPLATES_PATH) -> Template | None:
    return next((t for t in load_templates(path) if t.key == key), None)


# --- sending hours -----------------------------------------------------------------------------


def zone_open(zone: str | None, now: datetime, start: int = 7, end: int = 20) -> bool:
    """Within sending hours in ``zone``; no zone (region unknown): within them in every zone."""
    zones = (zone,) if zone else ZONES
    for name in zones:
        hour = now.astimezone(ZoneInfo(name)).hour
        if not start <= hour < end:
            return False
    return True


def open_zones(now: datetime, start: int = 7, end: int = 20) -> list[str | None]:
    return [z for z in (*ZONES, None) if zone_open(z, now, start, end)]


# --- campaigns -------------------------------------------------------------------------------


def _admin(session: Session, officer_id: int) -> Officer:
    officer = session.get(Officer, officer_id)
    if officer is None or not officer.active or officer.role != "admin":
        raise BroadcastError(
            Problem("only an active admin may do this", "hanya admin aktif yang boleh melakukannya")
        )
    return officer


def create(
    session: Session,
    *,
    officer_id: int,
    title: str,
    body_id: str,
    body_en: str,
    deadline: datetime,
    now: datetime,
    operator: str,
    regions: Sequence[str] = (),
    lang: str | None = None,
    channels: Sequence[str] = ("telegram", "whatsapp", "local"),
    template_key: str | None = None,
    whatsapp_content_sid: str | None = None,
    stage: str | None = None,
) -> Broadcast:
    """A draft broadcast; refused when its text is partisan, anonymous or has no opt-out word."""
    _admin(session, officer_id)
    for text, text_lang in ((body_id, "id"), (body_en, "en")):
        rendered = render(text, text_lang, operator=operator, days=7)
        found = problems(rendered, text_lang, operator)
        if found:
            raise BroadcastError(
                *(Problem(f"{text_lang}: {p.en}", f"{text_lang}: {p.id}") for p in found)
            )
    if deadline <= now:
        raise BroadcastError(Problem("the deadline has passed", "batas waktunya sudah lewat"))
    broadcast = Broadcast(
        title=title[:120],
        template_key=template_key,
        body_id=body_id,
        body_en=body_en,
        regions=",".join(r.strip() for r in regions if r.strip()),
        lang=lang or None,
        channels=",".join(channels),
        whatsapp_content_sid=whatsapp_content_sid or None,
        stage=stage or None,
        created_by=officer_id,
        created_at=now,
        deadline=deadline,
    )
    session.add(broadcast)
    session.flush()
    return broadcast


def approve(
    session: Session, broadcast: Broadcast, *, officer_id: int, now: datetime, plan: Plan
) -> Broadcast:
    """The second admin's approval: never the author's own, never one that cannot finish."""
    _admin(session, officer_id)
    if broadcast.status != "draft":
        state = STATES.get(broadcast.status, Problem(broadcast.status, broadcast.status))
        raise BroadcastError(
            Problem(
                f"the broadcast is {state.en}, not a draft", f"siaran ini {state.id}, bukan draf"
            )
        )
    if officer_id == broadcast.created_by:
        raise BroadcastError(
            Problem(
                "a second admin must approve: the author cannot",
                "admin kedua yang harus menyetujui: penyusunnya tidak bisa",
            )
        )
    if not plan.feasible:
        raise BroadcastError(
            Problem(
                "cannot finish before the deadline at the channels' rates within sending hours",
                "tidak dapat selesai sebelum batas waktu dengan laju kanal dan jam kirimnya",
            )
        )
    broadcast.status = "approved"
    broadcast.approved_by = officer_id
    broadcast.approved_at = now
    broadcast.planned_start = plan.start
    session.add(broadcast)
    return broadcast


# Pause, resume, cancel: the states each is allowed from, and the state it leads to.
STATE_MOVES = {
    "pause": (("approved", "running"), "paused"),
    "resume": (("paused",), "running"),
    "cancel": (("draft", "approved", "running", "paused"), "cancelled"),
}


def set_state(session: Session, broadcast: Broadcast, action: str, *, officer_id: int) -> None:
    """Pause, resume or cancel (any admin); a cancelled or finished broadcast stays so."""
    _admin(session, officer_id)
    allowed, target = STATE_MOVES[action]
    if broadcast.status not in allowed:
        state = STATES.get(broadcast.status, Problem(broadcast.status, broadcast.status))
        doing = {"pause": "menjeda", "resume": "melanjutkan", "cancel": "membatalkan"}[action]
        raise BroadcastError(
            Problem(
                f"cannot {action} a broadcast that is {state.en}",
                f"tidak dapat {doing} siaran yang {state.id}",
            )
        )
    broadcast.status = target
    session.add(broadcast)


# --- audience ----------------------------------------------------------------------------------


def _audience(broadcast: Broadcast) -> Any:
    conditions: list[Any] = [
        col(Reporter.subscribed).is_(True),
        col(Reporter.unreachable).is_(False),
        col(Subscriber.channel).in_(broadcast.channels.split(",")),
    ]
    if broadcast.lang:
        conditions.append(Subscriber.lang == broadcast.lang)
    codes = [c for c in broadcast.regions.split(",") if c]
    if codes:
        provinces = [c for c in codes if "." not in c]
        kabkota = [c for c in codes if "." in c]
        region = col(Subscriber.region_code)
        matches: list[Any] = []
        if kabkota:
            matches.append(region.in_(kabkota))
        for code in provinces:
            matches.append(or_(region == code, region.like(f"{code}.%")))
        conditions.append(or_(*matches))
    return and_(*conditions)


def audience_counts(session: Session, broadcast: Broadcast) -> dict[tuple[str, str | None], int]:
    """Subscribers per (channel, time zone) the broadcast would reach: for the plan and preview."""
    rows = session.exec(
        select(Subscriber.channel, Subscriber.timezone, func.count())
        .join(Reporter, col(Reporter.id) == Subscriber.reporter_id)
        .where(_audience(broadcast))
        .group_by(col(Subscriber.channel), col(Subscriber.timezone))
    ).all()
    return {(channel, zone): int(n) for channel, zone, n in rows}


def materialize(
    session: Session,
    broadcast: Broadcast,
    chunk: int | None = None,
    *,
    calendar: ElectionCalendar | None = None,
    now: datetime | None = None,
) -> bool:
    """Write delivery rows for the next ``chunk`` recipients (by reporter id), by the database
    itself: memory stays flat, and each step is a short transaction, so conversation turns are
    not held up behind a million-row insert. Returns True once every recipient has its row.

    A broadcast tied to a stage, given the effective ``calendar``, writes the recipients of a
    re-vote region as ``waiting`` until their region's date for that stage (see ``_by_region``).
    """
    if broadcast.materialized:
        return True
    last = session.exec(
        select(func.max(BroadcastDelivery.reporter_id)).where(
            BroadcastDelivery.broadcast_id == broadcast.id
        )
    ).one()
    chosen = (
        sa_select(
            col(Subscriber.reporter_id),
            col(Subscriber.channel),
            col(Subscriber.timezone),
            col(Subscriber.lang),
            col(Subscriber.region_code),
        )
        .join(Reporter, col(Reporter.id) == Subscriber.reporter_id)
        .where(_audience(broadcast), col(Subscriber.reporter_id) > (last or 0))
        .order_by(col(Subscriber.reporter_id))
    )
    if chunk is not None:
        chosen = chosen.limit(chunk)
    columns = ["reporter_id", "channel", "timezone", "lang"]
    sub = chosen.subquery()
    status, not_before, skips = _by_region(broadcast, calendar, now, sub.c.region_code)
    statement = insert(BroadcastDelivery).from_select(
        ["broadcast_id", "status", "attempts", "not_before", *columns],
        select(
            literal(broadcast.id),
            status,
            literal(0),
            not_before,
            *(getattr(sub.c, c) for c in columns),
        ),
    )
    session.execute(statement)
    # Counted, not taken from rowcount (PostgreSQL drivers report -1 for INSERT … SELECT here):
    # a range of at most ``chunk`` entries of the (broadcast, reporter) unique index.
    written = session.exec(
        select(func.count())
        .select_from(BroadcastDelivery)
        .where(
            BroadcastDelivery.broadcast_id == broadcast.id,
            BroadcastDelivery.reporter_id > (last or 0),
        )
    ).one()
    broadcast.total += int(written)
    if skips:
        _count_passed(session, broadcast, last or 0)
    if chunk is None or written < chunk:
        broadcast.materialized = True
    session.add(broadcast)
    return broadcast.materialized


# --- re-vote regions: each recipient on their region's date for the broadcast's stage -------


def _by_region(
    broadcast: Broadcast, calendar: ElectionCalendar | None, now: datetime | None, region: Any
) -> tuple[Any, Any, bool]:
    """SQL for a delivery's status and ``not_before``, by the subscriber's region, and whether
    any recipient may be written ``skipped``.

    Nationally the broadcast goes at its planned start. A region with its own polling day
    (re-vote) gets it that many days later (``waiting`` until then), or, where its stage is
    already over, not at all (``skipped``, counted). Unknown region: the national calendar.
    """
    none = literal(None, DateTime(timezone=True))
    if broadcast.stage is None or calendar is None or not calendar.overrides:
        return literal("pending"), none, False
    start = _aware(broadcast.planned_start or now or broadcast.deadline)
    day = _aware(broadcast.deadline).astimezone(ZoneInfo(ZONES[0])).date()
    shifts = stage_shifts(calendar, broadcast.stage, day)
    statuses: list[Any] = []
    dates: list[Any] = []
    for code, days in shifts.items():
        match = region == code if "." in code else or_(region == code, region.like(f"{code}.%"))
        status = "pending" if days == 0 else ("waiting" if days > 0 else "skipped")
        statuses.append((match, literal(status)))
        when = start + timedelta(days=days) if days > 0 else None
        dates.append((match, literal(when, DateTime(timezone=True))))
    skips = any(days < 0 for days in shifts.values())
    return case(*statuses, else_=literal("pending")), case(*dates, else_=none), skips


def _count_passed(session: Session, broadcast: Broadcast, after: int) -> None:
    """Recipients written ``skipped`` (their region's stage is over) count in the report."""
    passed = int(
        session.exec(
            select(func.count())
            .select_from(BroadcastDelivery)
            .where(
                BroadcastDelivery.broadcast_id == broadcast.id,
                BroadcastDelivery.reporter_id > after,
                BroadcastDelivery.status == "skipped",
            )
        ).one()
    )
    if passed:
        broadcast.skipped += passed
        broadcast.note = (
            f"{broadcast.skipped} subscriber(s) skipped: their region's {broadcast.stage} "
            "stage (re-vote calendar) was already over."
        )


def release_waiting(session: Session, broadcast_id: int, now: datetime) -> int:
    """Recipients whose region's date has come join the queue (``waiting`` → ``pending``)."""
    result = session.execute(
        update(BroadcastDelivery)
        .where(
            col(BroadcastDelivery.broadcast_id) == broadcast_id,
            col(BroadcastDelivery.status) == "waiting",
            col(BroadcastDelivery.not_before) <= now,
        )
        .values(status="pending")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def waiting(session: Session, broadcast_id: int) -> tuple[int, datetime | None]:
    """How many recipients wait for their region's date, and the first such date."""
    count, first = session.exec(
        select(func.count(), func.min(BroadcastDelivery.not_before)).where(
            BroadcastDelivery.broadcast_id == broadcast_id,
            BroadcastDelivery.status == "waiting",
        )
    ).one()
    return int(count), _aware(first) if first is not None else None


# --- the plan: when to start so it finishes before the deadline -------------------------------


@dataclass(frozen=True)
class Plan:
    start: datetime  # the latest start that still finishes before the deadline (not before now)
    finish: datetime  # when it finishes if started at ``start``
    feasible: bool
    seconds_needed: dict[str, float]  # sending time per channel at its broadcast rate


def plan(
    counts: dict[tuple[str, str | None], int],
    rates: dict[str, float],
    *,
    deadline: datetime,
    now: datetime,
    hours: tuple[int, int] = (7, 20),
    step: timedelta = timedelta(minutes=5),
) -> Plan:
    """Walk back from the deadline in ``step`` slots, spending each channel's rate on the zones
    open in that slot, until every recipient has a slot: that slot is the planned start.

    Channels send in parallel (separate platform limits); within a channel the zones share the
    rate. If the walk reaches ``now`` first, the broadcast cannot finish in time: the plan says
    so and shows when it would finish if started now.
    """
    needed = {
        ch: sum(n for (c, _), n in counts.items() if c == ch) / rates.get(ch, 1.0)
        for ch in {c for c, _ in counts}
    }
    remaining = {key: float(n) for key, n in counts.items() if n > 0}
    slot_end = deadline
    start = deadline
    while remaining and slot_end > now:
        slot_start = max(now, slot_end - step)
        _send_in_slot(remaining, rates, slot_start, (slot_end - slot_start).total_seconds(), hours)
        start = slot_start
        slot_end = slot_start
    if not remaining:
        return Plan(start, deadline, True, needed)
    return Plan(now, forward_finish(counts, rates, now=now, hours=hours), False, needed)


def _send_in_slot(
    remaining: dict[tuple[str, str | None], float],
    rates: dict[str, float],
    moment: datetime,
    seconds: float,
    hours: tuple[int, int],
) -> None:
    """Take from ``remaining`` (per channel and zone) what each channel's rate sends in one
    slot starting at ``moment``, to zones whose sending hours are open then."""
    for channel in {c for c, _ in remaining}:
        capacity = rates.get(channel, 1.0) * seconds
        for key in [k for k in remaining if k[0] == channel]:
            if capacity <= 0 or not zone_open(key[1], moment, *hours):
                continue
            used = min(capacity, remaining[key])
            remaining[key] -= used
            capacity -= used
            if remaining[key] <= 0:
                del remaining[key]


def forward_finish(
    counts: dict[tuple[str, str | None], int],
    rates: dict[str, float],
    *,
    now: datetime,
    hours: tuple[int, int] = (7, 20),
    step: timedelta = timedelta(minutes=5),
    horizon: timedelta = timedelta(days=60),
) -> datetime:
    """When a broadcast started ``now`` would finish (used for ETA and the refusal message)."""
    remaining = {key: float(n) for key, n in counts.items() if n > 0}
    at = now
    while remaining and at < now + horizon:
        _send_in_slot(remaining, rates, at, step.total_seconds(), hours)
        at += step
    return at


# --- the runner's queries ----------------------------------------------------------------------


def due(session: Session, now: datetime) -> list[Broadcast]:
    """Approved or running broadcasts whose planned start has come, oldest first."""
    return list(
        session.exec(
            select(Broadcast)
            .where(
                col(Broadcast.status).in_(ACTIVE),
                or_(col(Broadcast.planned_start).is_(None), col(Broadcast.planned_start) <= now),
            )
            .order_by(col(Broadcast.id))
        ).all()
    )


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    reporter_id: int
    channel: str
    lang: str
    address: str
    last_inbound_at: datetime


def claim(
    session: Session,
    broadcast_id: int,
    channel: str,
    zones: Iterable[str | None],
    limit: int,
    now: datetime,
) -> list[Claimed]:
    """Up to ``limit`` pending recipients in open zones, marked ``claimed`` under a lease
    (the caller commits, then ``mark_sending`` each group just before sending it).
    ``SKIP LOCKED`` lets two processes share a broadcast without overlap."""
    if limit <= 0:
        return []
    zone_list = list(zones)
    named = [z for z in zone_list if z]
    zone_filter = []
    if named:
        zone_filter.append(col(BroadcastDelivery.timezone).in_(named))
    if None in zone_list:
        zone_filter.append(col(BroadcastDelivery.timezone).is_(None))
    if not zone_filter:
        return []
    rows = session.exec(
        select(BroadcastDelivery)
        .where(
            BroadcastDelivery.broadcast_id == broadcast_id,
            BroadcastDelivery.channel == channel,
            BroadcastDelivery.status == "pending",
            or_(*zone_filter),
        )
        .order_by(col(BroadcastDelivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    session.execute(
        update(BroadcastDelivery)
        .where(col(BroadcastDelivery.id).in_(ids))
        .values(status="claimed", claimed_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    reporters = {
        r.id: r
        for r in session.exec(
            select(Reporter).where(col(Reporter.id).in_([r.reporter_id for r in rows]))
        ).all()
    }
    out: list[Claimed] = []
    for row in rows:
        reporter = reporters.get(row.reporter_id)
        if reporter is None or row.id is None:
            continue
        out.append(
            Claimed(
                row.id,
                row.reporter_id,
                row.channel,
                row.lang,
                reporter.address,
                _aware(reporter.last_inbound_at),
            )
        )
    return out


def mark_sending(session: Session, ids: Sequence[int], now: datetime) -> set[int]:
    """Move claimed rows to ``sending`` (about to be handed to the platform); the caller commits
    before sending. Returns the ids moved: a row whose lease expired and was taken back is not
    among them and must not be sent by this process."""
    if not ids:
        return set()
    moved = session.execute(
        update(BroadcastDelivery)
        .where(col(BroadcastDelivery.id).in_(list(ids)), col(BroadcastDelivery.status) == "claimed")
        .values(status="sending", claimed_until=now + CLAIM_LEASE)
        .returning(col(BroadcastDelivery.id))
        .execution_options(synchronize_session=False)
    )
    return {int(i) for i in moved.scalars().all()}


def record(
    session: Session,
    broadcast_id: int,
    outcomes: dict[str, list[int]],
    *,
    now: datetime,
    unreachable_reporters: Sequence[int] = (),
) -> None:
    """Write a batch's results: ``outcomes`` maps sent/failed/unreachable/skipped to ids, plus
    ``pending`` (a transient failure: one more attempt) and ``requeue`` (429: not an attempt)."""
    for status, ids in outcomes.items():
        if not ids:
            continue
        values: dict[str, Any] = {
            "status": "pending" if status == "requeue" else status,
            "claimed_until": None,
        }
        if status == "sent":
            values["sent_at"] = now
        if status == "pending":
            values["attempts"] = BroadcastDelivery.attempts + 1
        session.execute(
            update(BroadcastDelivery)
            .where(col(BroadcastDelivery.id).in_(ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    counted = {k: len(v) for k, v in outcomes.items() if k not in ("pending", "requeue") and v}
    counters = ("sent", "failed", "unreachable", "skipped", "unknown")
    if counted:
        session.execute(
            update(Broadcast)
            .where(col(Broadcast.id) == broadcast_id)
            .values(
                **{
                    name: getattr(Broadcast, name) + n
                    for name, n in counted.items()
                    if name in counters
                }
            )
            .execution_options(synchronize_session=False)
        )
    if unreachable_reporters:
        session.execute(
            update(Reporter)
            .where(col(Reporter.id).in_(list(unreachable_reporters)))
            .values(unreachable=True)
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class Recovered:
    requeued: int  # claimed, never handed over: back in the queue, sent once later
    unknown: int  # handed over, answer never heard: counted unknown, never sent again


def recover_interrupted(session: Session, broadcast_id: int, now: datetime) -> Recovered:
    """Rows a dead process left behind, once their lease has expired (see the module text)."""
    broadcast = session.get(Broadcast, broadcast_id)
    channels = broadcast.channels.split(",") if broadcast else []
    found: dict[str, list[int]] = {"claimed": [], "sending": []}
    for status in found:
        found[status] = [
            i
            for i in session.exec(
                select(BroadcastDelivery.id).where(
                    BroadcastDelivery.broadcast_id == broadcast_id,
                    col(BroadcastDelivery.channel).in_(channels),
                    BroadcastDelivery.status == status,
                    col(BroadcastDelivery.claimed_until) < now,
                )
            ).all()
            if i is not None
        ]
    record(
        session,
        broadcast_id,
        {"requeue": found["claimed"], "unknown": found["sending"]},
        now=now,
    )
    return Recovered(len(found["claimed"]), len(found["sending"]))


def remaining(session: Session, broadcast_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(BroadcastDelivery)
            .where(
                BroadcastDelivery.broadcast_id == broadcast_id,
                col(BroadcastDelivery.status).in_(UNFINISHED),
            )
        ).one()
    )


def has_remaining(session: Session, broadcast_id: int, channels: Sequence[str]) -> bool:
    """Any recipient still to send (one indexed look-up per channel and status, not a count)."""
    for channel in channels:
        for status in UNFINISHED:
            found = session.exec(
                select(BroadcastDelivery.id)
                .where(
                    BroadcastDelivery.broadcast_id == broadcast_id,
                    BroadcastDelivery.channel == channel,
                    BroadcastDelivery.status == status,
                )
                .limit(1)
            ).first()
            if found is not None:
                return True
    return False


@dataclass(frozen=True)
class Progress:
    total: int
    sent: int
    failed: int
    unreachable: int
    skipped: int
    unknown: int
    remaining: int
    rate: float  # messages per second since it started
    eta: datetime | None

    @property
    def percent(self) -> float:
        done = self.total - self.remaining
        return 100.0 * done / self.total if self.total else 100.0


def progress(session: Session, broadcast: Broadcast, now: datetime) -> Progress:
    if broadcast.materialized and broadcast.id:
        total = broadcast.total
        left = remaining(session, broadcast.id)
    else:  # recipients still being written: count the audience instead
        total = sum(audience_counts(session, broadcast).values())
        done = broadcast.sent + broadcast.failed + broadcast.unreachable + broadcast.skipped
        left = max(0, total - done)
    rate = 0.0
    eta = None
    if broadcast.started_at is not None:
        elapsed = ((broadcast.finished_at or now) - _aware(broadcast.started_at)).total_seconds()
        rate = broadcast.sent / elapsed if elapsed > 0 else 0.0
        if rate > 0 and left:
            eta = finish_at(session, broadcast.id or 0, left, rate, now)
    return Progress(
        total,
        broadcast.sent,
        broadcast.failed,
        broadcast.unreachable,
        broadcast.skipped,
        broadcast.unknown,
        left,
        rate,
        eta,
    )


def finish_at(
    session: Session, broadcast_id: int, left: int, rate: float, now: datetime
) -> datetime:
    """When the last recipient is sent at ``rate``: the ones in the queue now, then each re-vote
    region's ``waiting`` recipients, not before their region's date (a few dates, one row each)."""
    dates = session.exec(
        select(BroadcastDelivery.not_before, func.count())
        .where(
            BroadcastDelivery.broadcast_id == broadcast_id,
            BroadcastDelivery.status == "waiting",
        )
        .group_by(col(BroadcastDelivery.not_before))
        .order_by(col(BroadcastDelivery.not_before))
    ).all()
    waiting_total = sum(int(n) for _, n in dates)
    at = now + timedelta(seconds=max(0, left - waiting_total) / rate)
    for when, n in dates:
        start = _aware(when) if when is not None else now
        at = max(at, start) + timedelta(seconds=int(n) / rate)
    return at


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def give_up(
    session: Session, broadcast_id: int, channel: str, max_attempts: int, now: datetime
) -> None:
    """Recipients that failed transiently ``max_attempts`` times are counted failed."""
    ids = list(
        session.exec(
            select(BroadcastDelivery.id).where(
                BroadcastDelivery.broadcast_id == broadcast_id,
                BroadcastDelivery.channel == channel,
                BroadcastDelivery.status == "pending",
                BroadcastDelivery.attempts >= max_attempts,
            )
        ).all()
    )
    if ids:
        record(session, broadcast_id, {"failed": [i for i in ids if i is not None]}, now=now)


def note_whatsapp_skips(session: Session, broadcast_id: int) -> None:
    """The broadcast's report says how many WhatsApp subscribers it could not reach, and why."""
    skipped = session.exec(
        select(func.count())
        .select_from(BroadcastDelivery)
        .where(
            BroadcastDelivery.broadcast_id == broadcast_id,
            BroadcastDelivery.channel == "whatsapp",
            BroadcastDelivery.status == "skipped",
        )
    ).one()
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return
    broadcast.note = (
        f"WhatsApp: {skipped} subscriber(s) skipped: outside the 24-hour window and no "
        "approved template (ContentSid) for this broadcast."
    )
    session.add(broadcast)
