"""Behaviour of the incident-date parser and formatter used in the reporting conversation."""

from datetime import date

import pytest

from handlers.dates import format_date, parse_date

# A fixed "today" so every expectation is deterministic (a Friday, after 17 September).
TODAY = date(2024, 9, 20)
SEPT_17 = date(2024, 9, 17)


# --- numeric, day-first -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["17/9/2024", "17-09-2024", "17.09.2024", "17/09/24", "17/9", "17-9", "17.09", "2024-09-17"],
)
def test_numeric_dates_are_read_day_first(text: str) -> None:
    assert parse_date(text, TODAY) == SEPT_17


def test_two_digit_year_means_this_century() -> None:
    assert parse_date("1/2/05", TODAY) == date(2005, 2, 1)
    assert parse_date("17/09/00", TODAY) == date(2000, 9, 17)


def test_iso_date_is_year_first() -> None:
    assert parse_date("2024-01-02", TODAY) == date(2024, 1, 2)


def test_mixed_numeric_separators_are_not_guessed() -> None:
    assert parse_date("17/9-2024", TODAY) is None


def test_month_first_numeric_is_not_guessed() -> None:
    assert parse_date("9/17/2024", TODAY) is None


# --- day + month name ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "17 September 2024",
        "17 september",
        "17 sept",
        "17 sep 2024",
        "17 Sept 2024",
        "17 SEPTEMBER 2024",
        "17 sep 24",
        "17-sep-2024",
        "17sept",
        "17 sept. 2024",
        "tgl 17 sept",
        "tgl. 17 sept",
        "tanggal 17 september 2024",
        "Tanggal 17 September 2024",
        "pada tanggal 17 september",
    ],
)
def test_day_then_month_name_is_read(text: str) -> None:
    assert parse_date(text, TODAY) == SEPT_17


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17 agustus", date(2024, 8, 17)),
        ("17 agt", date(2024, 8, 17)),
        ("17 agu", date(2024, 8, 17)),
        ("17 agus", date(2024, 8, 17)),
        ("17 ags", date(2024, 8, 17)),
        ("17 aug", date(2024, 8, 17)),
        ("1 mei 2024", date(2024, 5, 1)),
        ("1 may 2024", date(2024, 5, 1)),
        ("3 januari 2024", date(2024, 1, 3)),
        ("3 jan 2024", date(2024, 1, 3)),
        ("3 februari 2024", date(2024, 2, 3)),
        ("3 feb 2024", date(2024, 2, 3)),
        ("17 Pebruari", date(2024, 2, 17)),
        ("17 peb", date(2024, 2, 17)),
        ("3 maret 2024", date(2024, 3, 3)),
        ("3 mar 2024", date(2024, 3, 3)),
        ("3 april 2024", date(2024, 4, 3)),
        ("3 apr 2024", date(2024, 4, 3)),
        ("3 juni 2024", date(2024, 6, 3)),
        ("3 jun 2024", date(2024, 6, 3)),
        ("3 juli 2024", date(2024, 7, 3)),
        ("3 jul 2024", date(2024, 7, 3)),
        ("17 oktober 2023", date(2023, 10, 17)),
        ("17 okt 2023", date(2023, 10, 17)),
        ("17 Oct 2023", date(2023, 10, 17)),
        ("17 november 2023", date(2023, 11, 17)),
        ("17 Nopember 2023", date(2023, 11, 17)),
        ("17 nop 2023", date(2023, 11, 17)),
        ("17 nov 2023", date(2023, 11, 17)),
        ("17 desember 2023", date(2023, 12, 17)),
        ("17 des 2023", date(2023, 12, 17)),
        ("17 December 2023", date(2023, 12, 17)),
        ("17 dec 2023", date(2023, 12, 17)),
    ],
)
def test_indonesian_and_english_month_names_and_abbreviations(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


def test_unknown_month_word_is_unreadable() -> None:
    assert parse_date("17 bulan 2024", TODAY) is None


# --- English order --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["September 17, 2024", "September 17 2024", "Sept 17", "sept 17th", "Sep. 17, 2024"],
)
def test_english_month_first_order_is_read(text: str) -> None:
    assert parse_date(text, TODAY) == SEPT_17


# --- normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["  17/9/2024  ", "17/9/2024.", "17 sept!", "17 September 2024?!", "\t17  sept \n", "17 SEPT"],
)
def test_case_surrounding_whitespace_and_trailing_punctuation_are_ignored(text: str) -> None:
    assert parse_date(text, TODAY) == SEPT_17


# --- relative phrases ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days_back"),
    [
        ("hari ini", 0),
        ("Hari Ini", 0),
        ("sekarang", 0),
        ("today", 0),
        ("kemarin", 1),
        ("Kemarin.", 1),
        ("yesterday", 1),
        ("kemarin lusa", 2),
        ("2 hari lalu", 2),
        ("2 hari yang lalu", 2),
        ("dua hari lalu", 2),
        ("tiga hari yang lalu", 3),
        ("sepuluh hari lalu", 10),
        ("satu hari lalu", 1),
        ("sehari lalu", 1),
        ("sehari yang lalu", 1),
        ("3 days ago", 3),
        ("1 day ago", 1),
        ("a day ago", 1),
        ("seminggu lalu", 7),
        ("seminggu yang lalu", 7),
        ("1 minggu lalu", 7),
        ("2 minggu lalu", 14),
        ("a week ago", 7),
        ("1 week ago", 7),
        ("two weeks ago", 14),
    ],
)
def test_relative_phrases_count_back_from_today(text: str, days_back: int) -> None:
    assert parse_date(text, TODAY) == date.fromordinal(TODAY.toordinal() - days_back)


@pytest.mark.parametrize(
    "word,number",
    [
        ("satu", 1),
        ("dua", 2),
        ("tiga", 3),
        ("empat", 4),
        ("lima", 5),
        ("enam", 6),
        ("tujuh", 7),
        ("delapan", 8),
        ("sembilan", 9),
        ("sepuluh", 10),
    ],
)
def test_indonesian_number_words_one_to_ten(word: str, number: int) -> None:
    assert parse_date(f"{word} hari lalu", TODAY) == date.fromordinal(TODAY.toordinal() - number)


@pytest.mark.parametrize("text", ["2 hari lagi", "in 2 days"])
def test_counted_phrases_never_point_to_the_future(text: str) -> None:
    assert parse_date(text, TODAY) is None


@pytest.mark.parametrize(("text", "ahead"), [("besok", 1), ("tomorrow", 1), ("lusa", 2)])
def test_besok_is_a_future_date_not_an_unreadable_one(text: str, ahead: int) -> None:
    assert parse_date(text, TODAY) == date.fromordinal(TODAY.toordinal() + ahead)


def test_relative_phrase_reaching_before_2000_is_unreadable() -> None:
    assert parse_date("9999 hari lalu", TODAY) is None


def test_relative_phrase_crosses_year_boundary() -> None:
    assert parse_date("kemarin", date(2025, 1, 1)) == date(2024, 12, 31)


# --- year omitted -------------------------------------------------------------------------


def test_yearless_date_not_after_today_means_this_year() -> None:
    assert parse_date("17 sept", date(2024, 9, 20)) == date(2024, 9, 17)


def test_yearless_date_equal_to_today_means_today() -> None:
    assert parse_date("17/9", SEPT_17) == SEPT_17


def test_yearless_date_after_today_means_last_year() -> None:
    assert parse_date("17 des", date(2026, 1, 5)) == date(2025, 12, 17)
    assert parse_date("17/12", date(2026, 1, 5)) == date(2025, 12, 17)
    assert parse_date("Dec 17", date(2026, 1, 5)) == date(2025, 12, 17)


def test_yearless_date_a_few_days_ahead_has_not_happened_yet() -> None:
    # "12 okt" typed on 10 October is not last year's: the caller asks again.
    assert parse_date("21/9", TODAY) == date(2024, 9, 21)
    assert parse_date("12 okt", date(2024, 10, 10)) == date(2024, 10, 12)


def test_yearless_29_february_means_the_last_leap_day() -> None:
    assert parse_date("29 feb", date(2025, 3, 1)) == date(2024, 2, 29)
    assert parse_date("29/2", date(2024, 3, 1)) == date(2024, 2, 29)


def test_yearless_impossible_date_is_unreadable() -> None:
    assert parse_date("31/2", TODAY) is None
    assert parse_date("31 nov", TODAY) is None


# --- future dates -------------------------------------------------------------------------


def test_future_date_with_explicit_year_is_returned_for_the_caller_to_judge() -> None:
    assert parse_date("17/9/2030", TODAY) == date(2030, 9, 17)
    assert parse_date("17 september 2030", TODAY) == date(2030, 9, 17)


# --- unreadable input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["31/2/2024", "32/1/2024", "0/1/2024", "17/13/2024", "17/0/2024", "30 feb 2024"]
)
def test_impossible_dates_are_unreadable(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_leap_day_in_a_leap_year_is_valid() -> None:
    assert parse_date("29/2/2024", TODAY) == date(2024, 2, 29)
    assert parse_date("29/2/2023", TODAY) is None


@pytest.mark.parametrize(
    "text", ["17/9/1999", "17/9/2101", "17 september 1945", "1999-09-17", "17/9/202", "17/9/20245"]
)
def test_years_outside_2000_to_2100_are_unreadable(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_boundary_years_2000_and_2100_are_accepted() -> None:
    assert parse_date("1/1/2000", TODAY) == date(2000, 1, 1)
    assert parse_date("31/12/2100", TODAY) == date(2100, 12, 31)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n",
        "...",
        "📅",
        "17/9 📅",
        "🗓️ kemarin 🙏",
        "asdf",
        "tanggal",
        "tidak ingat",
        "17",
        "2024",
        "September",
        "'; DROP TABLE reports; --",
        "17/9/2024'; DROP TABLE reports; --",
        "1 OR 1=1",
        "<script>alert(1)</script>",
        "<b>17/9/2024</b>",
        "17/9/2024 17/9/2024",
        "\x00",
        "١٧/٩/٢٠٢٤",
    ],
)
def test_garbage_is_unreadable(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_text_over_100_characters_is_unreadable() -> None:
    assert parse_date("17/9/2024 " + "x" * 100, TODAY) is None


def test_ten_thousand_characters_are_unreadable() -> None:
    assert parse_date("1" * 10_000, TODAY) is None
    assert parse_date("17 " * 3_334, TODAY) is None


def test_surrounding_whitespace_does_not_count_towards_the_length_limit() -> None:
    assert parse_date(" " * 200 + "17/9/2024" + " " * 200, TODAY) == SEPT_17


def test_non_string_input_is_unreadable_rather_than_an_error() -> None:
    assert parse_date(None, TODAY) is None  # type: ignore[arg-type]
    assert parse_date(17, TODAY) is None  # type: ignore[arg-type]


# --- format_date --------------------------------------------------------------------------


def test_format_date_in_indonesian_uses_indonesian_month_names() -> None:
    assert format_date(SEPT_17, "id") == "17 September 2024"
    assert format_date(date(2024, 8, 17), "id") == "17 Agustus 2024"
    assert format_date(date(2024, 5, 1), "id") == "1 Mei 2024"
    assert format_date(date(2023, 12, 25), "id") == "25 Desember 2023"


def test_format_date_in_english_uses_english_month_names() -> None:
    assert format_date(SEPT_17, "en") == "17 September 2024"
    assert format_date(date(2024, 8, 17), "en") == "17 August 2024"
    assert format_date(date(2024, 5, 1), "en") == "1 May 2024"
    assert format_date(date(2023, 12, 25), "en") == "25 December 2023"


@pytest.mark.parametrize(
    ("month", "id_name", "en_name"),
    [
        (1, "Januari", "January"),
        (2, "Februari", "February"),
        (3, "Maret", "March"),
        (4, "April", "April"),
        (5, "Mei", "May"),
        (6, "Juni", "June"),
        (7, "Juli", "July"),
        (8, "Agustus", "August"),
        (9, "September", "September"),
        (10, "Oktober", "October"),
        (11, "November", "November"),
        (12, "Desember", "December"),
    ],
)
def test_format_date_names_every_month(month: int, id_name: str, en_name: str) -> None:
    d = date(2024, month, 5)
    assert format_date(d, "id") == f"5 {id_name} 2024"
    assert format_date(d, "en") == f"5 {en_name} 2024"


def test_format_date_has_no_leading_zero_on_the_day() -> None:
    assert format_date(date(2024, 1, 2), "id") == "2 Januari 2024"


def test_format_date_accepts_regional_english_tag() -> None:
    assert format_date(SEPT_17, "en-US") == "17 September 2024"


def test_format_date_falls_back_to_indonesian_for_unknown_language() -> None:
    assert format_date(date(2024, 8, 17), "jv") == "17 Agustus 2024"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_formatted_date_parses_back_to_the_same_date(lang: str) -> None:
    for d in (date(2024, 2, 29), date(2023, 12, 31), date(2000, 1, 1)):
        assert parse_date(format_date(d, lang), TODAY) == d
