"""The ticket workflow and its legal clocks, as pure functions (no session, no clock of its own).

Statuses follow Bawaslu practice: baru → dikaji → perlu_info → ditindaklanjuti → selesai, with
tidak_ditindaklanjuti (not taken further, with a reason) as the other end of a review.

Clocks (UU 10/2016 Pasal 134; Perbawaslu 8/2020 as amended):
- reporting window: 7 calendar days from the day the reporter learned of the incident; judged
  once, at intake, and kept on the ticket as ``late``.
- processing window: 3 days from receipt, ending at the end of the office's local day (days are
  counted as calendar days, not as 72 hours), plus 2 when more information was asked for
  *within* the 3 days: a question sent after the deadline does not undo the overdue mark. The
  clock runs while the ticket is open (baru, dikaji, perlu_info); a decision (ditindaklanjuti,
  selesai, tidak_ditindaklanjuti) stops it. An open ticket past its window is overdue and is
  escalated to its Bawaslu Provinsi.
- temuan window: an anonymous tip is not a *laporan*; Bawaslu may register it as its own
  finding within the same number of days from when it received it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.tickets import STATUSES

OPEN_STATUSES = ("baru", "dikaji", "perlu_info")
DECIDED_STATUSES = ("ditindaklanjuti", "selesai", "tidak_ditindaklanjuti")

# A question to the reporter may be the first thing an officer does with a new report (a missing
# place or date makes it unreviewable): asking puts it in perlu_info straight from baru.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "baru": ("dikaji", "perlu_info"),
    "dikaji": ("perlu_info", "ditindaklanjuti", "tidak_ditindaklanjuti"),
    "perlu_info": ("dikaji", "ditindaklanjuti", "tidak_ditindaklanjuti"),
    "ditindaklanjuti": ("selesai",),
    "selesai": (),
    "tidak_ditindaklanjuti": (),
}

# Where a ticket that is taken up goes: Bawaslu's own finding (temuan, with its register number
# and date), a recommendation to BKN (ASN discipline since KASN was dissolved), to the Bupati or
# Inspektorat (village heads), Propam (Polri), POM or the unit commander (TNI), Gakkumdu
# (criminal: UU 10/2016 Pasal 71/188), or another body.
DESTINATIONS = ("temuan", "bkn", "inspektorat", "propam", "pom", "gakkumdu", "lainnya")
# The destinations that fit an accused's employment status (others stay allowed: a hint).
DESTINATIONS_FOR: dict[str, tuple[str, ...]] = {
    "pns": ("temuan", "bkn", "gakkumdu"),
    "pppk": ("temuan", "bkn", "gakkumdu"),
    "honorer": ("temuan", "inspektorat", "gakkumdu"),
    "desa": ("temuan", "inspektorat", "gakkumdu"),
    "tni": ("temuan", "pom", "gakkumdu"),
    "polri": ("temuan", "propam", "gakkumdu"),
    "bumn": ("temuan", "lainnya", "gakkumdu"),
}
REGISTER_MAX = 64

MIN_NOTE = 5
MAX_NOTE = 4000


class WorkflowError(ValueError):
    """A refused action; ``code`` names the reason for the caller's message catalogue."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def check_transition(
    current: str,
    target: str,
    note: str,
    destination: str | None = None,
    register: tuple[str | None, date | None] = (None, None),
) -> str:
    """Validate a status change; returns the cleaned note or raises ``WorkflowError``.

    Registering a *temuan* needs its register number and date (``register``).
    """
    if target not in STATUSES:
        raise WorkflowError("unknown_status")
    if target not in allowed_next(current):
        raise WorkflowError("illegal_transition")
    cleaned = clean_note(note)
    if target != "ditindaklanjuti" and destination:
        # Only a case taken up goes somewhere: a destination beside any other status is a
        # form filled in by mistake (or a page without its script), not something to drop.
        raise WorkflowError("destination_not_allowed")
    if target == "ditindaklanjuti" and destination not in DESTINATIONS:
        raise WorkflowError("destination_required")
    if destination != "temuan" and (register[0] or "").strip() + str(register[1] or ""):
        raise WorkflowError("register_not_allowed")
    if target == "ditindaklanjuti" and destination == "temuan":
        number, day = register
        if not (number or "").strip() or day is None:
            raise WorkflowError("register_required")
        if len(number or "") > REGISTER_MAX:
            raise WorkflowError("register_too_long")
    return cleaned


def clean_note(note: str) -> str:
    cleaned = (note or "").strip()
    if len(cleaned) < MIN_NOTE:
        raise WorkflowError("note_required")
    if len(cleaned) > MAX_NOTE:
        raise WorkflowError("note_too_long")
    return cleaned


@dataclass(frozen=True)
class Windows:
    """The configured lengths of the legal windows (they may change per election)."""

    reporting_days: int = 7
    processing_days: int = 3
    info_extension_days: int = 2
    # Whether the day the reporter learned of it is day 0 (last day = learned + 7) or day 1
    # (last day = learned + 6). Day 1 is the default: the earlier, safe date to tell reporters.
    learned_day_is_day_zero: bool = False


def reporting_last_day(learned: date, days: int, learned_day_is_day_zero: bool = False) -> date:
    """The last calendar day a formal report may be filed, counting the learned day as told."""
    return learned + timedelta(days=days if learned_day_is_day_zero else days - 1)


@dataclass(frozen=True)
class Clocks:
    reporting_deadline: date
    late: bool
    processing_due: datetime
    open: bool
    overdue: bool
    remaining: timedelta  # negative once overdue; zero when the ticket is decided

    @property
    def remaining_hours(self) -> int:
        return int(self.remaining.total_seconds() // 3600)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def end_of_local_day(moment: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The last moment of the office's local day ``days`` calendar days after ``moment``."""
    local_day = _aware(moment).astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(local_day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)


def processing_due(
    created_at: datetime,
    info_requested_at: datetime | None,
    windows: Windows,
    zone: ZoneInfo | None = None,
) -> datetime:
    """End of the office's local day 3 days after receipt; 5 if info was asked in time."""
    zone = zone or ZoneInfo("Asia/Jakarta")
    plain = end_of_local_day(created_at, windows.processing_days, zone)
    if info_requested_at is None or _aware(info_requested_at) > plain:
        return plain
    return end_of_local_day(created_at, windows.processing_days + windows.info_extension_days, zone)


def temuan_last_day(created_at: datetime, windows: Windows, zone: ZoneInfo) -> date:
    """The last day to register an anonymous tip as Bawaslu's own finding (from receipt)."""
    received = _aware(created_at).astimezone(zone).date()
    return reporting_last_day(received, windows.reporting_days, windows.learned_day_is_day_zero)


def clocks(
    *,
    learned_date: date,
    late: bool,
    created_at: datetime,
    info_requested_at: datetime | None,
    status: str,
    now: datetime,
    windows: Windows,
    zone: ZoneInfo | None = None,
) -> Clocks:
    due = processing_due(created_at, info_requested_at, windows, zone)
    is_open = status in OPEN_STATUSES
    remaining = due - now if is_open else timedelta(0)
    return Clocks(
        reporting_deadline=reporting_last_day(
            learned_date, windows.reporting_days, windows.learned_day_is_day_zero
        ),
        late=late,
        processing_due=due,
        open=is_open,
        overdue=is_open and now > due,
        remaining=remaining,
    )


def escalation_cutoff(
    now: datetime, windows: Windows, zone: ZoneInfo | None = None
) -> tuple[datetime, datetime]:
    """Receipt moments before which an open ticket (no extension / extension) is overdue.

    A window ends at the end of the office's local day, so a ticket received on local day
    ``d`` is overdue once the local date passes ``d + days``: exactly when it was received
    before the start of local day ``today - days``. One timestamp per lane, so SQL can say it
    with one comparison that an index serves. ``info_requested_at`` is only set when the
    question was asked in time (``extension_granted``), so it alone picks the lane.
    """
    zone = zone or ZoneInfo("Asia/Jakarta")
    today = _aware(now).astimezone(zone).date()

    def start_of(days: int) -> datetime:
        return datetime.combine(today - timedelta(days=days), time.min, tzinfo=zone).astimezone(UTC)

    plain = start_of(windows.processing_days)
    extended = start_of(windows.processing_days + windows.info_extension_days)
    return plain, extended


def extension_granted(
    created_at: datetime, now: datetime, windows: Windows, zone: ZoneInfo | None = None
) -> bool:
    """Asking the reporter for more information adds days only while the window still runs:
    a question asked after the deadline must not clear the overdue mark."""
    return _aware(now) <= processing_due(created_at, None, windows, zone)


def overdue_candidates_before(now: datetime, windows: Windows) -> datetime:
    """Only tickets received before this moment can be past their window at ``now``: a coarse
    bound for a query, after which ``processing_due`` decides each ticket in its office's zone."""
    return now - timedelta(days=windows.processing_days)
