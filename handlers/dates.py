"""Reading and writing the incident date a reporter types into the chat.

Reporters are civil servants typing on a phone, mostly in Bahasa Indonesia, sometimes in
English, so the same day arrives as "17/9/2024", "17 sept", "tgl 17 agt", "kemarin" or
"2 hari yang lalu". This module turns that text into a `datetime.date` and back into a
human-readable string.

It is deliberately pure: no I/O and no clock. "Today" is always passed in because the
reporter's local date depends on the time zone of the incident region (WIB, WITA or WIT),
which only the caller knows; reading the server clock here would silently give the wrong
day near midnight and would make the rules impossible to test.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["DateReading", "format_date", "format_day", "parse_date", "read_date"]

# Anything longer than this is not a date someone typed; refusing early also keeps
# regex work bounded on hostile or accidental pastes.
_MAX_INPUT_LENGTH = 100

# Bawaslu cares about recent incidents; anything outside this window is a typo
# (e.g. "17/9/1924") rather than a real date, so it is treated as unreadable.
_MIN_YEAR = 2000
_MAX_YEAR = 2100

# Enough years to find the most recent 29 February even across 2100, which is not a
# leap year (2096 -> 2104 is the longest gap).
_MAX_YEARS_BACK = 8

_MONTH_NAMES_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_MONTH_NAMES_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Every spelling we accept, lower-case, mapped to its month number. Includes the older
# Indonesian spellings (Pebruari, Nopember) that many civil servants still write, the
# abbreviations seen in chat (agt, ags, agus, ...) and English names.
_MONTHS: dict[str, int] = {
    # January
    "januari": 1,
    "january": 1,
    "jan": 1,
    # February
    "februari": 2,
    "pebruari": 2,
    "february": 2,
    "feb": 2,
    "peb": 2,
    # March
    "maret": 3,
    "march": 3,
    "mar": 3,
    # April
    "april": 4,
    "apr": 4,
    # May
    "mei": 5,
    "may": 5,
    # June
    "juni": 6,
    "june": 6,
    "jun": 6,
    # July
    "juli": 7,
    "july": 7,
    "jul": 7,
    # August
    "agustus": 8,
    "august": 8,
    "agus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "agst": 8,
    "agts": 8,
    "aug": 8,
    # September
    "september": 9,
    "sept": 9,
    "sep": 9,
    # October
    "oktober": 10,
    "october": 10,
    "okt": 10,
    "oct": 10,
    # November
    "november": 11,
    "nopember": 11,
    "nov": 11,
    "nop": 11,
    # December
    "desember": 12,
    "december": 12,
    "des": 12,
    "dec": 12,
}

# Small counts people spell out in relative phrases ("dua hari lalu", "three days ago").
_NUMBER_WORDS: dict[str, int] = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
    "sepuluh": 10,
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}

_UNIT_DAYS: dict[str, int] = {
    "hari": 1,
    "hr": 1,
    "day": 1,
    "days": 1,
    "minggu": 7,
    "pekan": 7,
    "week": 7,
    "weeks": 7,
}

# Fixed phrases, as a number of days before today. "lusa" alone (the day after tomorrow)
# and "besok" (tomorrow) are deliberately absent: a relative phrase here always points
# at the past or today, because an incident being reported has already happened.
_FIXED_RELATIVE: dict[str, int] = {
    "hari ini": 0,
    "sekarang": 0,
    "today": 0,
    "kemarin": 1,
    "kemaren": 1,
    "kmrn": 1,
    "yesterday": 1,
    "kemarin lusa": 2,
    "kemarin dulu": 2,
    "the day before yesterday": 2,
}

# All patterns are ASCII-only on purpose: Python's \d would otherwise accept Arabic-Indic
# or other Unicode digits, which no reporter means as a date.
_FLAGS = re.ASCII

# Leading words that merely announce a date ("tgl 17 sept", "pada tanggal 17 ...", "on 17 ...").
_PREFIX = re.compile(r"^(?:(?:pada\s+)?(?:tanggal|tgl\.?|tg\.?)\s*|on\s+)", _FLAGS)

# "2024-09-17", also with "/" or "." since a four-digit first field is unambiguous.
_ISO = re.compile(r"^([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})$", _FLAGS)

# Day-first numeric, the Indonesian convention: "17/9/2024", "17-09-24", "17.09", "17/9".
# The same separator must be used throughout so "17/9-2024" is not guessed at.
_NUMERIC = re.compile(r"^([0-9]{1,2})([-/.])([0-9]{1,2})(?:\2([0-9]{2}|[0-9]{4}))?$", _FLAGS)

# Day then month name: "17 September 2024", "17 sept", "17-Agt-24", "17.sept.2024".
_DAY_MONTH = re.compile(
    r"^([0-9]{1,2})(?:st|nd|rd|th)?[\s./-]*([a-z]+)(?:[\s.,/-]+([0-9]{4}|[0-9]{2}))?$",
    _FLAGS,
)

# English order: "September 17, 2024", "Sept 17".
_MONTH_DAY = re.compile(
    r"^([a-z]+)\.?\s*([0-9]{1,2})(?:st|nd|rd|th)?(?:(?:\s*,\s*|\s+)([0-9]{4}))?$",
    _FLAGS,
)

# "2 hari lalu", "dua hari yang lalu", "3 days ago", "1 week ago", "a week ago".
# The count is capped at four digits so an absurd number cannot overflow timedelta.
_RELATIVE_COUNTED = re.compile(
    r"^([0-9]{1,4}|[a-z]+)\s+(hari|hr|minggu|pekan|days?|weeks?)\s+(?:(?:yang|yg)\s+)?(?:lalu|ago)$",
    _FLAGS,
)

# The Indonesian "se-" prefix meaning "one": "sehari lalu", "seminggu yang lalu".
_RELATIVE_SE = re.compile(r"^se(hari|minggu|pekan)\s+(?:(?:yang|yg)\s+)?lalu$", _FLAGS)


@dataclass(frozen=True)
class DateReading:
    """What a typed date says: the day, a time of day if one was given, or that it was vague.

    ``vague`` is set for "minggu lalu" / "bulan lalu": a span, not a day; the caller asks for
    the exact day rather than guessing.
    """

    day: date | None
    time_of_day: str | None = None
    vague: bool = False


_WEEKDAY_NAMES: dict[str, int] = {
    "senin": 0,
    "sen": 0,
    "monday": 0,
    "mon": 0,
    "selasa": 1,
    "sel": 1,
    "tuesday": 1,
    "tue": 1,
    "rabu": 2,
    "rab": 2,
    "wednesday": 2,
    "wed": 2,
    "kamis": 3,
    "kam": 3,
    "thursday": 3,
    "thu": 3,
    "jumat": 4,
    "jum'at": 4,
    "jum": 4,
    "friday": 4,
    "fri": 4,
    "sabtu": 5,
    "sab": 5,
    "saturday": 5,
    "sat": 5,
    "minggu": 6,
    "ahad": 6,
    "min": 6,
    "sunday": 6,
    "sun": 6,
}
_WEEKDAY_ALT = "|".join(sorted(map(re.escape, _WEEKDAY_NAMES), key=len, reverse=True))
# "Senin, 16 September 2024", "Rabu 9 Okt", "hari Sabtu tgl 12": a weekday before a date.
_LEADING_WEEKDAY = re.compile(rf"^(?:hari\s+)?(?:{_WEEKDAY_ALT})\b[,.]?\s*(?=[0-9]|tgl|tanggal)")
# "Senin kemarin", "sabtu lalu", "last friday", "hari minggu lalu": the latest such day.
_PAST_WEEKDAY = re.compile(
    rf"^(?:(?:hari\s+)?({_WEEKDAY_ALT})\s+(?:kemarin|kemaren|kmrn|lalu|(?:yang|yg)\s+lalu)"
    rf"|last\s+({_WEEKDAY_ALT}))$"
)
_PARTS_OF_DAY = ("pagi", "siang", "sore", "malam")
# A time after the date: "pukul 09.00", "jam 9", ", 14:30 wita", "jam 7 malam".
_TIME_SUFFIX = re.compile(
    r"(?:\s*,\s*|\s+)(?:(?:pukul|pkl\.?|jam|at)\s*)?([0-9]{1,2})(?:[.:]([0-9]{2}))?"
    r"(?:\s*(pagi|siang|sore|malam))?(?:\s*(?:wib|wita|wit))?$"
)
_TIME_KEYWORD = re.compile(r"(?:pukul|pkl|jam|at)\s*[0-9]")
_PART_SUFFIX = re.compile(r"\s+(pagi|siang|sore|malam)$")
_SPANS = frozenset(
    {
        "minggu lalu",
        "minggu kemarin",
        "minggu kemaren",
        "pekan lalu",
        "bulan lalu",
        "bulan kemarin",
        "last week",
        "last month",
        "beberapa hari lalu",
        "beberapa hari yang lalu",
    }
)
# Relative phrases that also say the part of the day (days back, part).
_RELATIVE_PARTS: dict[str, tuple[int, str]] = {
    "tadi pagi": (0, "pagi"),
    "pagi ini": (0, "pagi"),
    "pagi tadi": (0, "pagi"),
    "tadi siang": (0, "siang"),
    "siang tadi": (0, "siang"),
    "tadi sore": (0, "sore"),
    "sore tadi": (0, "sore"),
    "tadi malam": (1, "malam"),
    "semalam": (1, "malam"),
    "tadi subuh": (0, "pagi"),
    "this morning": (0, "pagi"),
    "last night": (1, "malam"),
}
# Days ahead: the caller says "not yet happened" rather than "unreadable".
_FUTURE_RELATIVE: dict[str, int] = {"besok": 1, "besuk": 1, "tomorrow": 1, "lusa": 2}
# A year-less date at most this far ahead is a date not yet reached this year, not last year's.
_AHEAD_DAYS = 31


def read_date(text: str, today: date) -> DateReading:
    """Read a typed date with its time of day; see ``parse_date`` for the accepted forms."""
    if not isinstance(text, str):
        return DateReading(None)
    cleaned = _normalise_spaced(text)
    if cleaned is None:
        return DateReading(None)
    if cleaned in _SPANS:
        return DateReading(None, vague=True)
    day_of_month = re.fullmatch(r"(?:(?:pada\s+)?(?:tanggal|tgl\.?|tg\.?)\s*)([0-9]{1,2})", cleaned)
    cleaned = _PREFIX.sub("", cleaned, count=1).strip()
    time_of_day: str | None = None
    parts = _RELATIVE_PARTS.get(cleaned)
    if parts is not None:
        return DateReading(today - timedelta(days=parts[0]), parts[1])
    found = _TIME_SUFFIX.search(cleaned)
    if found and (_TIME_KEYWORD.search(found.group(0)) or "," in found.group(0)):
        hour, minute, part = found.groups()
        if int(hour) > 23 or int(minute or 0) > 59:
            return DateReading(None)
        time_of_day = f"{int(hour):02d}.{minute or '00'}" + (f" {part}" if part else "")
        cleaned = cleaned[: found.start()].rstrip(" ,")
    else:
        part_found = _PART_SUFFIX.search(cleaned)
        if part_found and cleaned[: part_found.start()]:
            time_of_day = part_found.group(1)
            cleaned = cleaned[: part_found.start()]
    cleaned = _LEADING_WEEKDAY.sub("", cleaned, count=1).strip()
    cleaned = _PREFIX.sub("", cleaned, count=1).strip()
    result: date | None
    try:
        if day_of_month is not None:
            result = _nearest(int(day_of_month.group(1)), today)
        else:
            result = _parse_weekday(cleaned, today) or _parse_relative(cleaned, today)
            if result is None:
                result = _parse_absolute(cleaned, today)
    except (ValueError, OverflowError):
        return DateReading(None)
    if result is None or not _MIN_YEAR <= result.year <= _MAX_YEAR:
        return DateReading(None)
    return DateReading(result, time_of_day)


def _parse_weekday(text: str, today: date) -> date | None:
    """ "Senin kemarin", "sabtu lalu": the latest such weekday strictly before today."""
    match = _PAST_WEEKDAY.match(text)
    if match is None:
        return None
    weekday = _WEEKDAY_NAMES[match.group(1) or match.group(2)]
    back = (today.weekday() - weekday) % 7 or 7
    return today - timedelta(days=back)


def _nearest(day: int, today: date) -> date:
    """ "tgl 5": day 5 of this month (which may lie ahead: not yet happened)."""
    return date(today.year, today.month, day)


def parse_date(text: str, today: date) -> date | None:
    """The calendar date a reporter typed, or None when it cannot be read.

    `today` is the reporter's local date in the incident region; it anchors relative
    phrases ("kemarin") and dates typed without a year. A year-less date means the most
    recent such day not after `today`, since people report things that already happened:
    on 5 January 2026, "17 des" is 17 December 2025.

    Future dates with an explicit year are returned as typed; whether to accept them is
    the caller's decision, so it can word the reply. Relative phrases only ever reach back.

    Returns None rather than raising for anything unreadable (impossible days, years
    outside 2000-2100, over-long or hostile input) so a conversation handler can simply
    ask again.
    """
    return read_date(text, today).day


def format_date(d: date, lang: str) -> str:
    """The date as a reporter would write it: '17 September 2024' in either language.

    Month names are spelled out (never "17/09/2024") so a confirmation message cannot be
    misread as month-first. `lang` "en" (or any "en-*" tag) gives English month names;
    anything else gives Indonesian, the bot's primary language, rather than failing in
    the middle of a conversation.
    """
    names = _MONTH_NAMES_EN if lang.strip().lower().startswith("en") else _MONTH_NAMES_ID
    return f"{d.day} {names[d.month - 1]} {d.year}"


_WEEKDAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def format_day(d: date, lang: str) -> str:
    """'Sabtu, 12 Oktober 2024': the weekday lets a reporter catch a misread date at a glance."""
    english = lang.strip().lower().startswith("en")
    names = _WEEKDAYS_EN if english else _WEEKDAYS_ID
    return f"{names[d.weekday()]}, {format_date(d, lang)}"


def _normalise_spaced(text: str) -> str | None:
    """Like ``_normalise`` but keeps a leading "tgl" and closes spaces around separators."""
    stripped = text.strip()
    if not stripped or len(stripped) > _MAX_INPUT_LENGTH:
        return None
    collapsed = " ".join(stripped.lower().split())
    collapsed = collapsed.rstrip(string.punctuation.replace("'", "") + " ")
    collapsed = re.sub(r"(?<=[0-9])\s*([/-])\s*(?=[0-9])", r"\1", collapsed)
    return collapsed or None


def _normalise(text: str) -> str | None:
    """Lower-case, single-spaced text without edge punctuation or a leading "tgl"."""
    stripped = text.strip()
    if not stripped or len(stripped) > _MAX_INPUT_LENGTH:
        return None
    collapsed = " ".join(stripped.lower().split())
    collapsed = collapsed.rstrip(string.punctuation + " ")
    collapsed = _PREFIX.sub("", collapsed, count=1).strip()
    return collapsed or None


def _parse_relative(text: str, today: date) -> date | None:
    """Dates given relative to today; always today or earlier."""
    fixed = _FIXED_RELATIVE.get(text)
    if fixed is not None:
        return today - timedelta(days=fixed)
    ahead = _FUTURE_RELATIVE.get(text)
    if ahead is not None:
        return today + timedelta(days=ahead)

    match = _RELATIVE_SE.match(text)
    if match:
        return today - timedelta(days=_UNIT_DAYS[match.group(1)])

    match = _RELATIVE_COUNTED.match(text)
    if match:
        count_text, unit = match.groups()
        if count_text.isdigit():
            count = int(count_text)
        elif count_text in _NUMBER_WORDS:
            count = _NUMBER_WORDS[count_text]
        else:
            return None
        return today - timedelta(days=count * _UNIT_DAYS[unit])
    return None


def _parse_absolute(text: str, today: date) -> date | None:
    """Calendar dates, numeric or with a month name, with or without a year."""
    match = _ISO.match(text)
    if match:
        year, _, month, day = match.groups()
        return date(int(year), int(month), int(day))

    match = _NUMERIC.match(text)
    if match:
        day, _, month, year = match.groups()
        return _build(int(day), int(month), year, today)

    match = _DAY_MONTH.match(text)
    if match:
        day, month_name, year = match.groups()
        month = _MONTHS.get(month_name)
        if month is None:
            return None
        return _build(int(day), month, year, today)

    match = _MONTH_DAY.match(text)
    if match:
        month_name, day, year = match.groups()
        month = _MONTHS.get(month_name)
        if month is None:
            return None
        return _build(int(day), month, year, today)
    return None


def _build(day: int, month: int, year_text: str | None, today: date) -> date | None:
    """A date from its parts; a missing year means the latest one not after today.

    Raises ValueError for impossible explicit dates, which parse_date turns into None.
    """
    if year_text is None:
        return _latest_not_after(day, month, today)
    year = int(year_text)
    if len(year_text) == 2:
        # "17/09/24": chat users mean this century.
        year += 2000
    return date(year, month, day)


def _latest_not_after(day: int, month: int, today: date) -> date | None:
    """The most recent (day, month) on or before today, or None if it never exists.

    Walks back year by year so 29 February resolves to the last leap year and
    31 February (never valid) gives None instead of looping. A day at most a month ahead this
    year is returned as it is: "12 okt" typed on 10 October has not happened yet, and the
    caller asks again instead of filing it a year back.
    """
    try:
        this_year = date(today.year, month, day)
    except ValueError:
        this_year = None
    if this_year is not None and 0 < (this_year - today).days <= _AHEAD_DAYS:
        return this_year
    for year in range(today.year, today.year - _MAX_YEARS_BACK - 1, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None
