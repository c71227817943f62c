"""Dates as reporters type them: weekdays, parts of the day, times, spans; a property test."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.dates import format_date, format_day, read_date

TODAY = date(2024, 10, 10)  # a Thursday


@pytest.mark.parametrize(
    ("text", "expected", "time"),
    [
        ("Senin, 16 September 2024", date(2024, 9, 16), None),
        ("Rabu 9 Okt", date(2024, 10, 9), None),
        ("tgl 5", date(2024, 10, 5), None),
        ("tadi pagi", TODAY, "pagi"),
        ("semalam", date(2024, 10, 9), "malam"),
        ("kemarin sore", date(2024, 10, 9), "sore"),
        ("Senin kemarin", date(2024, 10, 7), None),
        ("sabtu lalu", date(2024, 10, 5), None),
        ("5 hr lalu", date(2024, 10, 5), None),
        ("3 agst", date(2024, 8, 3), None),
        ("16 September 2024 pukul 09.00", date(2024, 9, 16), "09.00"),
        ("16 / 9 / 2024", date(2024, 9, 16), None),
        ("Kamis, 10 Oktober 2024, 14:30 wita", TODAY, "14.30"),
    ],
)
def test_forms_people_type(text: str, expected: date, time: str | None) -> None:
    reading = read_date(text, TODAY)
    assert (reading.day, reading.time_of_day) == (expected, time)


def test_the_same_weekday_last_week_when_today_is_that_day() -> None:
    assert read_date("kamis lalu", TODAY).day == date(2024, 10, 3)


@pytest.mark.parametrize("text", ["minggu lalu", "bulan lalu", "pekan lalu", "last month"])
def test_a_span_is_vague_and_asks_for_the_day(text: str) -> None:
    reading = read_date(text, TODAY)
    assert reading.vague and reading.day is None


def test_readback_names_the_weekday_in_both_languages() -> None:
    assert format_day(date(2024, 10, 12), "id") == "Sabtu, 12 Oktober 2024"
    assert format_day(date(2024, 10, 12), "en") == "Saturday, 12 October 2024"


_WEEKDAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = ("jan", "feb", "mar", "apr", "mei", "jun", "jul", "agst", "sept", "okt", "nov", "des")


def _forms(day: date) -> list[str]:
    return [
        format_date(day, "id"),
        format_date(day, "en"),
        format_day(day, "id"),
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day} / {day.month} / {day.year}",
        f"{day.day:02d}-{day.month:02d}-{day.year}",
        f"{day.year}-{day.month:02d}-{day.day:02d}",
        f"{day.day} {_MONTHS[day.month - 1]} {day.year}",
        f"tgl {day.day} {_MONTHS[day.month - 1]} {day.year}",
        f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}",
        f"{format_date(day, 'id')} pukul 09.15",
    ]


@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    today=st.dates(min_value=date(2001, 1, 1), max_value=date(2100, 12, 31)),
)
def test_every_supported_form_of_a_dated_day_reads_back_as_that_day(day: date, today: date):
    for text in _forms(day):
        assert read_date(text, today).day == day, text


@given(
    back=st.integers(min_value=0, max_value=300),
    today=st.dates(min_value=date(2001, 1, 1), max_value=date(2100, 12, 31)),
)
def test_a_yearless_day_is_never_more_than_a_month_ahead_or_a_year_back(back: int, today: date):
    day = today - timedelta(days=back)
    for text in (f"{day.day}/{day.month}", f"{day.day} {_MONTHS[day.month - 1]}"):
        read = read_date(text, today).day
        if read is None:  # 29 February in a year without one
            assert (day.month, day.day) == (2, 29)
            continue
        assert -31 <= (today - read).days <= 366 and (read.month, read.day) == (
            day.month,
            day.day,
        )
