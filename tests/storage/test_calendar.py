"""The election calendar is data: stages, day counts, round-the-clock days and re-vote overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from storage.calendar import CalendarError, load_calendar, parse_calendar


@pytest.fixture(scope="module")
def pilkada():  # type: ignore[no-untyped-def]
    return load_calendar("pilkada-2024")


def test_the_shipped_pilkada_calendar_names_each_stage_of_2024(pilkada) -> None:  # type: ignore[no-untyped-def]
    assert pilkada.polling_day == date(2024, 11, 27)
    assert pilkada.stage_on(date(2024, 10, 16)).key == "kampanye"
    assert pilkada.stage_on(date(2024, 11, 25)).key == "masa_tenang"
    assert pilkada.stage_on(date(2024, 11, 27)).key == "pemungutan"
    assert pilkada.stage_on(date(2024, 12, 1)).key == "rekapitulasi"
    assert pilkada.stage_on(date(2024, 8, 1)) is None


def test_digest_header_counts_campaign_days_and_days_to_polling(pilkada) -> None:  # type: ignore[no-untyped-def]
    assert (
        pilkada.describe(date(2024, 10, 16)) == "Masa kampanye hari ke-22 · H-42 pemungutan suara"
    )
    assert (
        pilkada.describe(date(2024, 10, 16), lang="en")
        == "Campaign period, day 22 · 42 days to polling day"
    )
    assert pilkada.describe(date(2024, 11, 27)) == "Hari pemungutan suara"
    assert pilkada.describe(date(2024, 8, 1)) == "H-118 pemungutan suara"
    assert pilkada.describe(date(2024, 11, 30)).endswith("H+3 pemungutan suara")


def test_offices_work_round_the_clock_in_the_quiet_period_and_on_polling_day(pilkada) -> None:  # type: ignore[no-untyped-def]
    assert not pilkada.round_the_clock(date(2024, 11, 23))
    assert all(pilkada.round_the_clock(date(2024, 11, d)) for d in (24, 25, 26, 27))
    assert not pilkada.round_the_clock(date(2024, 11, 28))


def test_a_re_vote_moves_one_region_and_leaves_the_rest(tmp_path: Path) -> None:
    text = Path(load_calendar.__globals__["CALENDAR_DIR"], "pilkada-2024.toml").read_text()
    text += '\n[[override]]\nregion = "52.06"\npolling_day = 2024-12-14\nnote = "PSU"\n'
    path = tmp_path / "psu.toml"
    path.write_text(text)
    calendar = load_calendar(str(path))
    assert calendar.polling_day_for("52.06") == date(2024, 12, 14)
    assert calendar.polling_day_for("52.72") == date(2024, 11, 27)
    # Bima's campaign runs on to its own quiet period; Kota Bima's is over.
    assert calendar.stage_on(date(2024, 11, 25), "52.06").key == "kampanye"
    assert calendar.stage_on(date(2024, 11, 25), "52.72").key == "masa_tenang"
    assert calendar.stage_on(date(2024, 12, 12), "52.06").key == "masa_tenang"
    assert calendar.stage_on(date(2024, 12, 14), "52.06").key == "pemungutan"
    assert calendar.round_the_clock(date(2024, 12, 13), "52.06")
    assert calendar.describe(date(2024, 12, 1), "52.06").endswith("H-13 pemungutan suara")


def test_a_province_wide_override_reaches_its_kab_kota(tmp_path: Path) -> None:
    data = {
        "name": "x",
        "polling_day": date(2024, 11, 27),
        "stage": [
            {
                "key": "kampanye",
                "start": date(2024, 9, 25),
                "end": date(2024, 11, 23),
                "name_id": "Masa kampanye",
                "name_en": "Campaign period",
            },
        ],
        "override": [{"region": "94", "polling_day": date(2024, 12, 4)}],
    }
    calendar = parse_calendar(data)
    assert calendar.polling_day_for("94.01") == date(2024, 12, 4)
    assert calendar.polling_day_for("94") == date(2024, 12, 4)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"polling_day": "27 Nov"}, "polling_day"),
        ({"stage": []}, r"no \[\[stage\]\]"),
        (
            {
                "stage": [
                    {
                        "key": "k",
                        "start": date(2024, 2, 2),
                        "end": date(2024, 1, 1),
                        "name_id": "a",
                        "name_en": "b",
                    }
                ]
            },
            "ends before it starts",
        ),
    ],
)
def test_a_malformed_calendar_is_refused_with_the_reason(change: dict, message: str) -> None:
    data = {
        "name": "x",
        "polling_day": date(2024, 11, 27),
        "stage": [
            {
                "key": "k",
                "start": date(2024, 1, 1),
                "end": date(2024, 2, 2),
                "name_id": "a",
                "name_en": "b",
            }
        ],
    }
    data.update(change)
    with pytest.raises(CalendarError, match=message):
        parse_calendar(data)


def test_an_unknown_calendar_name_is_refused() -> None:
    with pytest.raises(CalendarError, match="not found"):
        load_calendar("pemilu-2099")
