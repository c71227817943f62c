"""The ticket workflow and the legal clocks, as pure rules (no database, no clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.tickets import STATUSES
from storage.workflow import (
    TRANSITIONS,
    Windows,
    WorkflowError,
    allowed_next,
    check_transition,
    clocks,
    temuan_last_day,
)

RECEIVED = datetime(2024, 11, 20, 9, 0, tzinfo=UTC)
WINDOWS = Windows()


def _clocks(status: str = "baru", now: datetime = RECEIVED, info: datetime | None = None, **kw):
    return clocks(
        learned_date=kw.get("learned", date(2024, 11, 18)),
        late=kw.get("late", False),
        created_at=RECEIVED,
        info_requested_at=info,
        status=status,
        now=now,
        windows=kw.get("windows", WINDOWS),
        zone=kw.get("zone"),
    )


def test_every_status_has_a_rule_and_the_ends_are_final():
    assert set(TRANSITIONS) == set(STATUSES)
    assert allowed_next("selesai") == () and allowed_next("tidak_ditindaklanjuti") == ()


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("baru", "selesai"),
        ("perlu_info", "baru"),
        ("baru", "ditindaklanjuti"),
        ("selesai", "dikaji"),
        ("tidak_ditindaklanjuti", "dikaji"),
        ("ditindaklanjuti", "baru"),
    ],
)
def test_illegal_transitions_are_refused(current, target):
    with pytest.raises(WorkflowError) as refused:
        check_transition(current, target, "catatan yang cukup")
    assert refused.value.code == "illegal_transition"


def test_the_bawaslu_path_is_allowed_with_notes():
    path = ["baru", "dikaji", "perlu_info", "dikaji", "ditindaklanjuti", "selesai"]
    for current, target in zip(path, path[1:], strict=False):
        where = "bkn" if target == "ditindaklanjuti" else None
        check_transition(current, target, "catatan kajian", destination=where)


def test_a_new_report_can_need_more_information_before_its_review():
    """A question to the reporter about a new report sets perlu_info (issue 12)."""
    assert "perlu_info" in allowed_next("baru")
    assert check_transition("baru", "perlu_info", "tempat kejadian belum jelas")


def test_a_destination_or_register_entry_beside_another_status_is_refused():
    with pytest.raises(WorkflowError, match="destination_not_allowed"):
        check_transition("dikaji", "perlu_info", "tanya saksi", destination="bkn")
    with pytest.raises(WorkflowError, match="register_not_allowed"):
        check_transition(
            "dikaji", "ditindaklanjuti", "ke BKN", "bkn", ("001/Reg", date(2024, 11, 20))
        )


def test_a_status_change_needs_a_note_and_taking_up_needs_a_destination():
    with pytest.raises(WorkflowError, match="note_required"):
        check_transition("baru", "dikaji", "  ok ")
    with pytest.raises(WorkflowError, match="destination_required"):
        check_transition("dikaji", "ditindaklanjuti", "diteruskan", destination=None)
    assert check_transition("dikaji", "ditindaklanjuti", " ke BKN ", "bkn") == "ke BKN"


# RECEIVED is 16.00 WIB on Wednesday 20 November: the window ends at the end of Saturday 23rd.
END_OF_23RD_WIB = datetime(2024, 11, 23, 16, 59, 59, tzinfo=UTC)


def test_processing_window_ends_at_the_end_of_the_offices_local_day():
    assert _clocks().processing_due == END_OF_23RD_WIB
    assert not _clocks(now=RECEIVED + timedelta(days=3, hours=7)).overdue  # 23:00 WIB on 23rd
    assert _clocks(now=END_OF_23RD_WIB + timedelta(seconds=2)).overdue


def test_the_day_ends_later_in_utc_for_an_office_in_wib_than_in_wit():
    wit = _clocks(zone=ZoneInfo("Asia/Jayapura")).processing_due
    # 18.00 WIT on the 20th; the end of the 23rd in Jayapura is 14:59:59 UTC.
    assert wit == datetime(2024, 11, 23, 14, 59, 59, tzinfo=UTC)


def test_asking_for_information_in_time_adds_two_days():
    asked = RECEIVED + timedelta(days=1)
    late_check = RECEIVED + timedelta(days=4)
    c = _clocks("perlu_info", now=late_check, info=asked)
    assert c.processing_due == END_OF_23RD_WIB + timedelta(days=2) and not c.overdue


def test_asking_after_the_deadline_does_not_clear_the_overdue_mark():
    asked = END_OF_23RD_WIB + timedelta(hours=1)
    c = _clocks("perlu_info", now=asked + timedelta(minutes=5), info=asked)
    assert c.processing_due == END_OF_23RD_WIB and c.overdue


def test_a_temuan_must_be_registered_within_the_window_from_receipt():
    assert temuan_last_day(RECEIVED, WINDOWS, ZoneInfo("Asia/Jakarta")) == date(2024, 11, 26)


def test_taking_up_as_a_temuan_needs_its_register_number_and_date():
    with pytest.raises(WorkflowError, match="register_required"):
        check_transition("dikaji", "ditindaklanjuti", "jadi temuan", "temuan")
    with pytest.raises(WorkflowError, match="register_required"):
        check_transition("dikaji", "ditindaklanjuti", "jadi temuan", "temuan", ("12/TM", None))
    register = ("001/Reg/TM/PB/Kab/22.06/XI/2024", date(2024, 11, 21))
    assert check_transition("dikaji", "ditindaklanjuti", "jadi temuan", "temuan", register)


def test_a_decision_stops_the_clock():
    long_after = RECEIVED + timedelta(days=30)
    for status in ("ditindaklanjuti", "selesai", "tidak_ditindaklanjuti"):
        c = _clocks(status, now=long_after)
        assert not c.open and not c.overdue


def test_reporting_window_counts_the_learned_day_as_day_one_by_default():
    c = _clocks(learned=date(2024, 11, 1), late=True)
    assert c.reporting_deadline == date(2024, 11, 7) and c.late


def test_reporting_window_with_the_learned_day_as_day_zero():
    day_zero = Windows(learned_day_is_day_zero=True)
    c = _clocks(learned=date(2024, 11, 1), windows=day_zero)
    assert c.reporting_deadline == date(2024, 11, 8)
