"""Dates officers type and scan: filter fields the Indonesian way ("17/10/2024", not the
browser's locale), and the short form for table cells ("7 Okt 2024 14.05").

A native ``<input type="date">`` shows whatever the browser's locale says (often "10/17/2024"
on an English Chromium), which an Indonesian officer misreads. The filters are text fields
instead, with a visible "hh/bb/tttt" hint; the server reads what was typed with the same
reader the chat uses for reporters ("17/10/2024", "17-10-24", "17 okt 2024", "kemarin", and the
ISO form that links carry), and the page reads the date back with its weekday, so a typo shows.
Something unreadable is said, not silently dropped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import pass_context

from bot.dashboard import ui
from bot.runtime import utcnow
from handlers.dates import parse_date

ui.LABELS.update(
    {
        "date_hint": ("hh/bb/tttt", "dd/mm/yyyy"),
        "date_example": ("mis. 17/10/2024", "e.g. 17/10/2024"),
        "err_date_unread": (
            "Tanggal tidak terbaca: tulis seperti 17/10/2024.",
            "Date not understood: write it like 17/10/2024.",
        ),
        "date_unread": (
            "Tanggal tidak terbaca: tulis seperti 17/10/2024.",
            "Date not understood: write it like 17/10/2024.",
        ),
    }
)

_WIB = ZoneInfo("Asia/Jakarta")


def read_day(text: str | None, today: date | None = None) -> date | None:
    """The day typed in a filter field (ISO from a link, or as an officer writes it), or None."""
    cleaned = (text or "").strip()[:40]
    if not cleaned:
        return None
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    return parse_date(cleaned, today or utcnow().astimezone(_WIB).date())


def unreadable(text: str | None) -> bool:
    """Typed, but not a date: the page says so rather than ignoring the filter."""
    return bool((text or "").strip()) and read_day(text) is None


Unread = tuple[tuple[str, str], ...]  # (field name, what was typed) of unreadable date fields


def unread_fields(**typed_text: str | None) -> Unread:
    """The fields whose text is not a date, with the text, to show it back with the reason."""
    return tuple(
        (name, (text or "").strip()[:40]) for name, text in typed_text.items() if unreadable(text)
    )


def unread_text(unread: Unread, name: str) -> str:
    return next((text for field_name, text in unread if field_name == name), "")


_MONTHS_SHORT = {
    "id": "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split(),
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
}


def short_when(moment: datetime, zone: ZoneInfo | str, lang: str = "id") -> str:
    """A moment for a table cell: "7 Okt 2024 14.05" in the office's zone (the ticket page
    spells it out in full, with the weekday and the zone's name)."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(tz)
    english = lang == "en"
    month = _MONTHS_SHORT["en" if english else "id"][local.month - 1]
    clock = local.strftime("%H:%M" if english else "%H.%M")
    return f"{local.day} {month} {local.year} {clock}"


@pass_context
def _short_when(context: Any, moment: datetime, zone: ZoneInfo | str) -> str:
    return short_when(moment, zone, ui.lang_of(context["request"]))


def typed(day: date | datetime | None) -> str:
    """A day as it goes back into the field: "17/10/2024"."""
    return day.strftime("%d/%m/%Y") if day else ""


ui.TEMPLATES.env.filters.update(typed_day=typed, short_when=_short_when)
ui.TEMPLATES.env.globals["read_day"] = read_day
