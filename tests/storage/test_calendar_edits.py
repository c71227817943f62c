"""Admins' calendar edits: stored over the file (which stays the default), checked (dates in
order, regions that exist), and read by the digest header and the re-vote regions' stages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from bot.digests import DigestConfig, digest_for, due_editions
from bot.runtime import Netra
from storage import calendar as cal
from storage.models import CalendarOverrideEdit, CalendarStageEdit, Office
from tests.digest.conftest import at

KEY = "pilkada-2024"
BIMA = "52.06"  # Kabupaten Bima: a re-vote (PSU) in these tests
KOTA_BIMA = "52.72"  # Kota Bima, same province, national calendar
NOW = at("2024-11-20T03:00:00")


def known(netra: Netra):  # type: ignore[no-untyped-def]
    return lambda code: netra.regions.get(code) is not None


def test_stage_dates_are_stored_over_the_file_and_can_be_reset(netra: Netra) -> None:
    """Polling day moved a day: campaign, quiet period, polling and counting move together."""
    moved = {
        "kampanye": (date(2024, 9, 25), date(2024, 11, 24)),
        "masa_tenang": (date(2024, 11, 25), date(2024, 11, 27)),
        "rekapitulasi": (date(2024, 11, 28), date(2024, 12, 16)),
        "pemungutan": (date(2024, 11, 28), date(2024, 11, 28)),
    }
    with netra.session() as session:
        cal.set_stage_dates(session, KEY, moved, officer_id=None, now=NOW)
        session.commit()
    with netra.session() as session:
        effective = cal.effective_calendar(session, KEY)
        assert effective.polling_day == date(2024, 11, 28)
        assert effective.stage_on(date(2024, 11, 24)).key == "kampanye"
        assert effective.describe(date(2024, 11, 26)) == (
            "Masa tenang hari ke-2 · H-2 pemungutan suara"
        )
        # Only what differs from the file is stored; the file itself is untouched.
        stored = session.exec(select(CalendarStageEdit.stage)).all()
        assert sorted(stored) == ["kampanye", "masa_tenang", "pemungutan", "rekapitulasi"]
        assert cal.load_calendar(KEY).polling_day == date(2024, 11, 27)
        # Typing the file's dates back removes the edit.
        cal.set_stage_dates(
            session,
            KEY,
            {"kampanye": (date(2024, 9, 25), date(2024, 11, 23))},
            officer_id=None,
            now=NOW,
        )
        assert "kampanye" not in session.exec(select(CalendarStageEdit.stage)).all()
        assert cal.reset_stages(session, KEY) == 3
        assert cal.effective_calendar(session, KEY) == cal.load_calendar(KEY)


def test_stage_dates_out_of_order_are_refused_with_the_reason(netra: Netra) -> None:
    with netra.session() as session:
        cases = [
            ({"masa_tenang": (date(2024, 11, 20), date(2024, 11, 26))}, "starts before"),
            ({"pemungutan": (date(2024, 11, 27), date(2024, 11, 26))}, "ends before it starts"),
            ({"pesta": (date(2024, 11, 27), date(2024, 11, 27))}, "unknown stage: pesta"),
            # Polling day alone moved past the start of counting: out of order.
            ({"pemungutan": (date(2024, 11, 28), date(2024, 11, 28))}, "Polling day: starts"),
        ]
        for dates, reason in cases:
            with pytest.raises(cal.CalendarEditError, match=reason):
                cal.set_stage_dates(session, KEY, dates, officer_id=None, now=NOW)
        session.commit()
        assert session.exec(select(CalendarStageEdit)).all() == []


def test_the_shipped_calendar_is_in_order() -> None:
    assert cal.order_problems(cal.load_calendar(KEY)) == []


def test_a_revote_region_gets_its_own_stages_and_the_digest_header_follows(netra: Netra) -> None:
    with netra.session() as session:
        cal.set_override(
            session,
            KEY,
            BIMA,
            date(2024, 12, 14),
            known_region=known(netra),
            officer_id=None,
            now=NOW,
            note="Putusan MK",
        )
        session.commit()
    with netra.session() as session:
        effective = cal.effective_calendar(session, KEY)
        assert effective.stage_on(date(2024, 11, 25), BIMA).key == "kampanye"
        assert effective.stage_on(date(2024, 11, 25), KOTA_BIMA).key == "masa_tenang"
        assert effective.stage_on(date(2024, 12, 14), BIMA).key == "pemungutan"
        config = DigestConfig.from_settings(netra.settings)
        bima = session.get(Office, BIMA)
        kota = session.get(Office, KOTA_BIMA)
        assert bima is not None and kota is not None
        header = digest_for(session, bima, date(2024, 12, 1), "pagi", config).stage
        assert header.endswith("H-13 pemungutan suara")
        other = digest_for(session, kota, date(2024, 12, 1), "pagi", config).stage
        assert other.endswith("H+4 pemungutan suara")
        # The evening edition runs on the region's own quiet days, not on the national ones.
        run_config = config.with_edits(session)
        assert (date(2024, 12, 13), "malam") in due_editions(
            bima, at("2024-12-13T12:30:00"), run_config
        )
        assert (date(2024, 11, 25), "malam") not in due_editions(
            bima, at("2024-11-25T12:30:00"), run_config
        )
        assert (date(2024, 11, 25), "malam") in due_editions(
            kota, at("2024-11-25T12:30:00"), run_config
        )


def test_overrides_are_checked_and_removed_over_the_file(netra: Netra, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = cal.calendar_path(KEY).read_text(encoding="utf-8")
    path = tmp_path / "psu.toml"
    path.write_text(
        text + '\n[[override]]\nregion = "94"\npolling_day = 2024-12-04\n', encoding="utf-8"
    )
    key = str(path)

    def psu(session, region: str, day: date | None) -> None:  # type: ignore[no-untyped-def]
        cal.set_override(
            session, key, region, day, known_region=known(netra), officer_id=None, now=NOW
        )

    with netra.session() as session:
        refusals = [
            ("99.99", date(2024, 12, 14), "unknown region code: 99.99"),
            (BIMA, date(2024, 9, 27), "before 2024-09-29"),
            (BIMA, date(2026, 1, 1), "more than a year"),
            (BIMA, None, "no re-vote override"),
        ]
        for region, day, reason in refusals:
            with pytest.raises(cal.CalendarEditError, match=reason):
                psu(session, region, day)
        assert cal.effective_calendar(session, key).polling_day_for("94.01") == date(2024, 12, 4)
        psu(session, "94", None)
        session.commit()
    with netra.session() as session:
        assert cal.effective_calendar(session, key).polling_day_for("94.01") == date(2024, 11, 27)
        assert session.exec(select(CalendarOverrideEdit.polling_day)).all() == [None]
    assert cal.load_calendar(key).polling_day_for("94.01") == date(2024, 12, 4)  # file unchanged


@pytest.mark.parametrize(
    ("stage", "day", "shift"),
    [
        ("kampanye", date(2024, 9, 25), 0),  # campaign opening: the same in the re-vote region
        ("kampanye", date(2024, 10, 16), 0),  # a weekly example early in the campaign
        ("kampanye", date(2024, 11, 23), 17),  # last campaign day: the region's last day
        ("masa_tenang", date(2024, 11, 24), 17),
        ("masa_tenang", date(2024, 11, 26), 17),  # eve of polling day
        ("pemungutan", date(2024, 11, 27), 17),
        ("rekapitulasi", date(2024, 11, 28), 17),
    ],
)
def test_a_stage_message_keeps_its_place_in_the_regions_stage(
    stage: str, day: date, shift: int
) -> None:
    calendar = cal.parse_calendar(
        {
            **__import__("tomllib").loads(cal.calendar_path(KEY).read_text(encoding="utf-8")),
            "override": [{"region": BIMA, "polling_day": date(2024, 12, 14)}],
        }
    )
    assert cal.stage_shift(calendar, stage, day, BIMA) == shift
    assert cal.stage_shifts(calendar, stage, day) == {BIMA: shift}
