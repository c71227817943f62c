"""The election calendar: which stage a day belongs to, kept as data (TOML) rather than code.

Digests print "Masa kampanye hari ke-22 · H-42 pemungutan suara", offices work around the clock in
the quiet period and on polling day, and reminder broadcasts are tied to stages. A new election or a
re-vote (PSU) in one region is a data change, never a code change.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from handlers.dates import format_day
from storage.models import CalendarOverrideEdit, CalendarStageEdit
from storage.refusals import Problem, Refused

CALENDAR_DIR = Path(__file__).parent / "data" / "calendar"
DEFAULT_CALENDAR = "pilkada-2024"

QUIET_DAYS = 3  # masa tenang before a region's own polling day (PSU overrides)
RECAP_DAYS = 14  # recapitulation after a region's own polling day (PSU overrides)
ROUND_THE_CLOCK = frozenset({"masa_tenang", "pemungutan"})

# Names for the stages an override derives, when the calendar file does not name them itself.
_DERIVED_NAMES = {
    "masa_tenang": ("Masa tenang", "Quiet period"),
    "pemungutan": ("Hari pemungutan suara", "Polling day"),
    "rekapitulasi": ("Penghitungan dan rekapitulasi suara", "Counting and recapitulation"),
}


class CalendarError(ValueError):
    """The calendar file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Stage:
    key: str
    start: date
    end: date  # inclusive
    name_id: str
    name_en: str

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def name(self, lang: str = "id") -> str:
        return self.name_en if lang == "en" else self.name_id

    def day_number(self, day: date) -> int:
        """1 on the stage's first day ("hari ke-1")."""
        return (day - self.start).days + 1


@dataclass(frozen=True)
class Override:
    """A region with its own polling day (re-vote, postponement)."""

    region: str
    polling_day: date
    note: str = ""


@dataclass(frozen=True)
class ElectionCalendar:
    name: str
    polling_day: date
    stages: tuple[Stage, ...]
    overrides: dict[str, Override] = field(default_factory=dict)

    def override_for(self, region_code: str | None) -> Override | None:
        """A kab/kota's own override, else its province's (the code before the dot)."""
        if not region_code:
            return None
        found = self.overrides.get(region_code)
        if found is None and "." in region_code:
            found = self.overrides.get(region_code.split(".", 1)[0])
        return found

    def polling_day_for(self, region_code: str | None = None) -> date:
        override = self.override_for(region_code)
        return override.polling_day if override else self.polling_day

    def stages_for(self, region_code: str | None = None) -> tuple[Stage, ...]:
        """The calendar's stages, with a region's override replacing the stages from polling on."""
        override = self.override_for(region_code)
        if override is None:
            return self.stages
        polling = override.polling_day
        quiet_start = polling - timedelta(days=QUIET_DAYS)
        national_quiet = next(
            (s.start for s in self.stages if s.key == "masa_tenang"),
            self.polling_day - timedelta(days=QUIET_DAYS),
        )
        kept: list[Stage] = []
        for stage in self.stages:
            if stage.key in _DERIVED_NAMES or stage.start >= quiet_start:
                continue
            # The stage that ran up to the national quiet period (the campaign) now runs up to
            # the region's own; any other stage is only cut where it would overlap it.
            runs_to_quiet = stage.end >= national_quiet - timedelta(days=1)
            end = (
                quiet_start - timedelta(days=1)
                if runs_to_quiet
                else min(stage.end, quiet_start - timedelta(days=1))
            )
            kept.append(Stage(stage.key, stage.start, end, stage.name_id, stage.name_en))
        derived = (
            ("masa_tenang", quiet_start, polling - timedelta(days=1)),
            ("rekapitulasi", polling, polling + timedelta(days=RECAP_DAYS)),
            ("pemungutan", polling, polling),
        )
        names = {s.key: (s.name_id, s.name_en) for s in self.stages}
        for key, start, end in derived:
            name_id, name_en = names.get(key, _DERIVED_NAMES[key])
            kept.append(Stage(key, start, end, name_id, name_en))
        return tuple(kept)

    def stage_on(self, day: date, region_code: str | None = None) -> Stage | None:
        """The stage covering ``day`` (the later-listed one where two overlap), or None."""
        found = None
        for stage in self.stages_for(region_code):
            if stage.covers(day):
                found = stage
        return found

    def round_the_clock(self, day: date, region_code: str | None = None) -> bool:
        """Quiet period and polling day: offices work 24 hours (a second daily digest)."""
        stage = self.stage_on(day, region_code)
        return stage is not None and stage.key in ROUND_THE_CLOCK

    def countdown(self, day: date, region_code: str | None = None) -> int:
        """Days until polling day: positive before, 0 on the day, negative after."""
        return (self.polling_day_for(region_code) - day).days

    def describe(self, day: date, region_code: str | None = None, lang: str = "id") -> str:
        """ "Masa kampanye hari ke-22 · H-42 pemungutan suara", in the office's language."""
        parts: list[str] = []
        stage = self.stage_on(day, region_code)
        if stage is not None and stage.key != "pemungutan":
            number = stage.day_number(day)
            parts.append(
                f"{stage.name_en}, day {number}"
                if lang == "en"
                else f"{stage.name_id} hari ke-{number}"
            )
        left = self.countdown(day, region_code)
        if left > 0:
            parts.append(
                f"{left} days to polling day" if lang == "en" else f"H-{left} pemungutan suara"
            )
        elif left == 0:
            parts.append("Polling day" if lang == "en" else "Hari pemungutan suara")
        else:
            parts.append(
                f"{-left} days after polling day" if lang == "en" else f"H+{-left} pemungutan suara"
            )
        return " · ".join(parts)


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    raise CalendarError(f"{where}: expected a date (YYYY-MM-DD), got {value!r}")


def _text(value: Any, where: str) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise CalendarError(f"{where}: expected text, got {value!r}")


def parse_calendar(data: dict[str, Any], source: str = "calendar") -> ElectionCalendar:
    """Validate a calendar document (the TOML's contents) into an ``ElectionCalendar``."""
    name = _text(data.get("name"), f"{source}: name")
    polling_day = _date(data.get("polling_day"), f"{source}: polling_day")
    stages: list[Stage] = []
    for i, raw in enumerate(data.get("stage", []), start=1):
        where = f"{source}: stage {i}"
        stage = Stage(
            key=_text(raw.get("key"), f"{where} key"),
            start=_date(raw.get("start"), f"{where} start"),
            end=_date(raw.get("end"), f"{where} end"),
            name_id=_text(raw.get("name_id"), f"{where} name_id"),
            name_en=_text(raw.get("name_en"), f"{where} name_en"),
        )
        if stage.end < stage.start:
            raise CalendarError(f"{where}: ends before it starts")
        stages.append(stage)
    if not stages:
        raise CalendarError(f"{source}: no [[stage]] entries")
    overrides: dict[str, Override] = {}
    for i, raw in enumerate(data.get("override", []), start=1):
        where = f"{source}: override {i}"
        region = _text(raw.get("region"), f"{where} region")
        if region in overrides:
            raise CalendarError(f"{where}: region {region} is overridden twice")
        overrides[region] = Override(
            region=region,
            polling_day=_date(raw.get("polling_day"), f"{where} polling_day"),
            note=str(raw.get("note", "")),
        )
    return ElectionCalendar(
        name=name, polling_day=polling_day, stages=tuple(stages), overrides=overrides
    )


def calendar_path(name_or_path: str) -> Path:
    """A bare name ("pilkada-2024") is a file shipped in storage/data/calendar; else a path."""
    if "/" in name_or_path or name_or_path.endswith(".toml"):
        return Path(name_or_path)
    return CALENDAR_DIR / f"{name_or_path}.toml"


def load_calendar(name_or_path: str = DEFAULT_CALENDAR) -> ElectionCalendar:
    path = calendar_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CalendarError(f"election calendar not found: {path.name}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"{path.name}: {exc}") from exc
    return parse_calendar(data, path.name)


@lru_cache(maxsize=8)
def cached_calendar(name_or_path: str = DEFAULT_CALENDAR) -> ElectionCalendar:
    return load_calendar(name_or_path)


# --- admins' edits, stored in the database over the file -----------------------------------
#
# The file is the default a new deployment starts from; an admin moves a stage or adds a re-vote
# in the dashboard without a release. Edits are keyed by the calendar's file name, so switching
# NETRA_ELECTION_CALENDAR to another election starts from that file's own dates.

LATEST_OVERRIDE = timedelta(days=366)  # a re-vote later than a year after polling day is a typo


def edits_key(key: str) -> str:
    """Edits belong to the calendar's file name ("pilkada-2024"), wherever the file lies."""
    return calendar_path(key).stem[:64]


def effective_calendar(session: Session, key: str = DEFAULT_CALENDAR) -> ElectionCalendar:
    """The calendar file ``key`` with the admins' stage dates and re-vote overrides applied."""
    return apply_edits(
        cached_calendar(key),
        session.exec(
            select(CalendarStageEdit).where(CalendarStageEdit.calendar == edits_key(key))
        ).all(),
        session.exec(
            select(CalendarOverrideEdit).where(CalendarOverrideEdit.calendar == edits_key(key))
        ).all(),
    )


def apply_edits(
    base: ElectionCalendar,
    stage_edits: Any,
    override_edits: Any,
) -> ElectionCalendar:
    dates = {e.stage: (e.start, e.end) for e in stage_edits}
    stages = tuple(
        replace(s, start=dates[s.key][0], end=dates[s.key][1]) if s.key in dates else s
        for s in base.stages
    )
    overrides = dict(base.overrides)
    for edit in override_edits:
        if edit.polling_day is None:
            overrides.pop(edit.region, None)
        else:
            overrides[edit.region] = Override(edit.region, edit.polling_day, edit.note)
    polling = next((s.start for s in stages if s.key == "pemungutan"), base.polling_day)
    return ElectionCalendar(base.name, polling, stages, overrides)


def order_problems(calendar: ElectionCalendar) -> list[Problem]:
    """Why the stages are out of order: each ends on or after its start, starts no earlier than
    the one before it, and starts after that one ends unless both start together (polling day
    sits at the start of counting)."""
    found: list[Problem] = []
    previous: Stage | None = None
    for stage in calendar.stages:
        if stage.end < stage.start:
            found.append(
                Problem(
                    f"{stage.name_en}: ends before it starts",
                    f"{stage.name_id}: berakhir sebelum dimulai",
                )
            )
        if previous is not None:
            if stage.start < previous.start:
                found.append(
                    Problem(
                        f"{stage.name_en}: starts before {previous.name_en}",
                        f"{stage.name_id}: dimulai sebelum {previous.name_id}",
                    )
                )
            elif stage.start != previous.start and stage.start <= previous.end:
                found.append(
                    Problem(
                        f"{stage.name_en}: starts before {previous.name_en} ends",
                        f"{stage.name_id}: dimulai sebelum {previous.name_id} berakhir",
                    )
                )
        previous = stage
    return found


def override_problems(calendar: ElectionCalendar, override: Override) -> list[Problem]:
    """A re-vote must leave its region a campaign and a quiet period, and not be a typo."""
    found: list[Problem] = []
    campaign = next((s for s in calendar.stages if s.key == "kampanye"), None)
    earliest = (campaign.start if campaign else calendar.polling_day) + timedelta(
        days=QUIET_DAYS + 1
    )
    day = override.polling_day
    if day < earliest:
        found.append(
            Problem(
                f"polling day {day} is before {earliest}",
                f"hari pemungutan {format_day(day, 'id')} lebih awal dari "
                f"{format_day(earliest, 'id')}",
            )
        )
    if day > calendar.polling_day + LATEST_OVERRIDE:
        found.append(
            Problem(
                f"polling day {day} is more than a year after the election",
                f"hari pemungutan {format_day(day, 'id')} lebih dari setahun setelah pemilihan",
            )
        )
    return found


class CalendarEditError(Refused):
    """An admin's calendar edit that is refused."""


def set_stage_dates(
    session: Session,
    key: str,
    dates: dict[str, tuple[date, date]],
    *,
    officer_id: int | None,
    now: datetime,
) -> ElectionCalendar:
    """Store the stages' dates, checked as a whole (moving polling day by a day moves several
    stages at once; one at a time, every step would be out of order). A stage given its file
    dates loses its edit, so the file stays the default."""
    shipped = cached_calendar(key)
    defaults = {s.key: (s.start, s.end) for s in shipped.stages}
    unknown = sorted(set(dates) - set(defaults))
    if unknown:
        names = ", ".join(unknown)
        raise CalendarEditError(
            Problem(f"unknown stage: {names}", f"tahapan tidak dikenal: {names}")
        )
    edits = {
        e.stage: e
        for e in session.exec(
            select(CalendarStageEdit).where(CalendarStageEdit.calendar == edits_key(key))
        )
    }
    wanted = {k: dates.get(k, (e.start, e.end)) for k, e in edits.items()} | dates
    changed = [
        CalendarStageEdit(
            calendar=edits_key(key),
            stage=k,
            start=v[0],
            end=v[1],
            updated_at=now,
            updated_by=officer_id,
        )
        for k, v in wanted.items()
        if v != defaults[k]
    ]
    candidate = apply_edits(shipped, changed, [])
    found = order_problems(candidate)
    if found:
        raise CalendarEditError(*found)
    for stage_key, edit in edits.items():
        if wanted[stage_key] == defaults[stage_key]:
            session.delete(edit)
    for new in changed:
        old = edits.get(new.stage)
        if old is None:
            session.add(new)
        elif (old.start, old.end) != (new.start, new.end):
            old.start, old.end, old.updated_at, old.updated_by = new.start, new.end, now, officer_id
            session.add(old)
    session.flush()
    return candidate


def reset_stages(session: Session, key: str) -> int:
    """Every stage back to the file's dates (always in order: the file is checked by tests)."""
    edits = list(
        session.exec(select(CalendarStageEdit).where(CalendarStageEdit.calendar == edits_key(key)))
    )
    for edit in edits:
        session.delete(edit)
    session.flush()
    return len(edits)


def set_override(
    session: Session,
    key: str,
    region: str,
    polling_day: date | None,
    *,
    known_region: Callable[[str], bool],
    officer_id: int | None,
    now: datetime,
    note: str = "",
) -> None:
    """Add, change or (``polling_day`` None) remove a region's re-vote polling day."""
    region = region.strip()
    if not known_region(region):
        code = region or "-"
        raise CalendarEditError(
            Problem(f"unknown region code: {code}", f"kode wilayah tidak dikenal: {code}")
        )
    current = effective_calendar(session, key)
    if polling_day is not None:
        found = override_problems(current, Override(region, polling_day))
        if found:
            raise CalendarEditError(*found)
    elif current.overrides.get(region) is None:
        raise CalendarEditError(
            Problem(
                f"no re-vote override for {region}",
                f"wilayah {region} tidak punya hari pemungutan sendiri",
            )
        )
    edit = session.get(CalendarOverrideEdit, (edits_key(key), region)) or CalendarOverrideEdit(
        calendar=edits_key(key), region=region, updated_at=now
    )
    edit.polling_day = polling_day
    edit.note = note.strip()[:200]
    edit.updated_at, edit.updated_by = now, officer_id
    session.add(edit)
    session.flush()


def stage_shift(calendar: ElectionCalendar, stage_key: str, day: date, region: str) -> int:
    """Days by which a message about ``stage_key``, sent nationally on ``day``, moves for a
    region with its own calendar (0: the same day).

    The message keeps its place in the stage: near the stage's start it keeps its distance from
    the start (campaign opening, weekly example), near the end its distance from the end (last
    campaign day, eve of polling day). A day outside the national stage moves with its start.
    """
    national = next((s for s in calendar.stages if s.key == stage_key), None)
    local = next((s for s in calendar.stages_for(region) if s.key == stage_key), None)
    if national is None or local is None:
        return 0
    if national.covers(day):
        from_start = (day - national.start).days
        from_end = (national.end - day).days
        target = (
            local.end - timedelta(days=from_end)
            if from_end < from_start
            else local.start + timedelta(days=from_start)
        )
        return (target - day).days
    return (local.start - national.start).days


def stage_shifts(calendar: ElectionCalendar, stage_key: str, day: date) -> dict[str, int]:
    """``stage_shift`` for every overridden region (kab/kota before provinces, as they match)."""
    regions = sorted(calendar.overrides, key=lambda code: ("." not in code, code))
    return {code: stage_shift(calendar, stage_key, day, code) for code in regions}
