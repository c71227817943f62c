"""The ticket workflow and its legal clocks, as pure functions (no session, no clock of its own).

Statuses follow Bawaslu practice: baru → dikaji → perlu_info → ditindaklanjuti → selesai, with
tidak_ditindaklanjuti (not taken further, with a reason) as the other end of a review.

Clocks (UU 10/2016 Pasal 134; Perbawaslu 8/2020 as amended):
- reporting window: 7 calendar days from the day the reporter learned of the incident; judged
  once, at intake, and kept on the ticket as ``late``.
- processing window: 3 days from receipt, plus 2 once more information was asked for. The
  clock runs while the ticket is open (baru, dikaji, perlu_info); a decision (ditindaklanjuti,
  selesai, tidak_ditindaklanjuti) stops it. An open ticket past its window is overdue and is
  escalated to its Bawaslu Provinsi.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from storage.tickets import STATUSES

OPEN_STATUSES = ("baru", "dikaji", "perlu_info")
DECIDED_STATUSES = ("ditindaklanjuti", "selesai", "tidak_ditindaklanjuti")

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "baru": ("dikaji",),
    "dikaji": ("perlu_info", "ditindaklanjuti", "tidak_ditindaklanjuti"),
    "perlu_info": ("dikaji", "ditindaklanjuti", "tidak_ditindaklanjuti"),
    "ditindaklanjuti": ("selesai",),
    "selesai": (),
    "tidak_ditindaklanjuti": (),
}

# Where a ticket that is taken up goes: Bawaslu's own finding, BKN (ASN discipline after KASN
# was dissolved), Gakkumdu (criminal: UU 10/2016 Pasal 71/188), or another body.
DESTINATIONS = ("temuan", "bkn", "gakkumdu", "lainnya")

MIN_NOTE = 5
MAX_NOTE = 4000


class WorkflowError(ValueError):
    """A refused action; ``code`` names the reason for the caller's message catalogue."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def check_transition(current: str, target: str, note: str, destination: str | None = None) -> str:
    """Validate a status change; returns the cleaned note or raises ``WorkflowError``."""
    if target not in STATUSES:
        raise WorkflowError("unknown_status")
    if target not in allowed_next(current):
        raise WorkflowError("illegal_transition")
    cleaned = clean_note(note)
    if target == "ditindaklanjuti" and destination not in DESTINATIONS:
        raise WorkflowError("destination_required")
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


def processing_due(
    created_at: datetime, info_requested_at: datetime | None, windows: Windows
) -> datetime:
    days = windows.processing_days + (windows.info_extension_days if info_requested_at else 0)
    return _aware(created_at) + timedelta(days=days)


def clocks(
    *,
    learned_date: date,
    late: bool,
    created_at: datetime,
    info_requested_at: datetime | None,
    status: str,
    now: datetime,
    windows: Windows,
) -> Clocks:
    due = processing_due(created_at, info_requested_at, windows)
    is_open = status in OPEN_STATUSES
    remaining = due - now if is_open else timedelta(0)
    return Clocks(
        reporting_deadline=learned_date + timedelta(days=windows.reporting_days),
        late=late,
        processing_due=due,
        open=is_open,
        overdue=is_open and now > due,
        remaining=remaining,
    )


def escalation_cutoff(now: datetime, windows: Windows) -> tuple[datetime, datetime]:
    """Tickets received before the first moment (no info asked) or before the second (info
    asked) are past their processing window at ``now``."""
    plain = now - timedelta(days=windows.processing_days)
    extended = now - timedelta(days=windows.processing_days + windows.info_extension_days)
    return plain, extended
