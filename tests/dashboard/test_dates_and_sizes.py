"""One date format and readable file sizes on every dashboard page (``bot.dashboard.ui``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.dashboard.ui import file_size, local_day, local_when


def test_a_moment_reads_in_the_offices_time_zone_in_indonesian():
    moment = datetime(2024, 10, 7, 6, 5, tzinfo=UTC)
    assert local_when(moment, "Asia/Makassar") == "Senin, 7 Oktober 2024 14.05 WITA"
    assert local_when(moment, ZoneInfo("Asia/Jakarta")) == "Senin, 7 Oktober 2024 13.05 WIB"
    assert local_when(moment, "Asia/Jayapura", "en") == "Monday, 7 October 2024 15:05 WIT"


def test_a_naive_moment_is_utc_and_the_local_day_can_change():
    late = datetime(2024, 10, 6, 17, 30)  # naive, as the database hands it back: UTC
    assert local_when(late, "Asia/Makassar") == "Senin, 7 Oktober 2024 01.30 WITA"


def test_a_day_has_its_weekday():
    assert local_day(date(2024, 10, 12)) == "Sabtu, 12 Oktober 2024"
    assert local_day(date(2024, 10, 12), "en") == "Saturday, 12 October 2024"


def test_sizes_read_as_people_say_them():
    assert file_size(740) == "< 1 KB"
    assert file_size(350 * 1024) == "350 KB"
    assert file_size(1_258_291) == "1,2 MB"
    assert file_size(1_258_291, "en") == "1.2 MB"
    assert file_size(250 * 1024 * 1024) == "250 MB"
