"""The ticket workflow and the legal clocks, as pure rules (no database, no clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from storage.tickets import STATUSES
from storage.workflow import (
    TRANSITIONS,
    Windows,
    WorkflowError,
    allowed_next,
    check_transition,
    clocks,
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
        windows=WINDOWS,
    )


def test_every_status_has_a_rule_and_the_ends_are_final():
    assert set(TRANSITIONS) == set(STATUSES)
    assert allowed_next("selesai") == () and allowed_next("tidak_ditindaklanjuti") == ()


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("baru", "selesai"),
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
        check_transition(current, target, "catatan kajian", destination="bkn")


def test_a_status_change_needs_a_note_and_taking_up_needs_a_destination():
    with pytest.raises(WorkflowError, match="note_required"):
        check_transition("baru", "dikaji", "  ok ")
    with pytest.raises(WorkflowError, match="destination_required"):
        check_transition("dikaji", "ditindaklanjuti", "diteruskan", destination=None)
    assert check_transition("dikaji", "ditindaklanjuti", " ke BKN ", "bkn") == "ke BKN"


def test_processing_window_is_three_days_from_receipt():
    assert _clocks().processing_due == RECEIVED + timedelta(days=3)
    assert not _clocks(now=RECEIVED + timedelta(days=2, hours=23)).overdue
    assert _clocks(now=RECEIVED + timedelta(days=3, minutes=1)).overdue


def test_asking_for_information_adds_two_days():
    asked = RECEIVED + timedelta(days=1)
    late_check = RECEIVED + timedelta(days=4)
    c = _clocks("perlu_info", now=late_check, info=asked)
    assert c.processing_due == RECEIVED + timedelta(days=5) and not c.overdue


def test_a_decision_stops_the_clock():
    long_after = RECEIVED + timedelta(days=30)
    for status in ("ditindaklanjuti", "selesai", "tidak_ditindaklanjuti"):
        c = _clocks(status, now=long_after)
        assert not c.open and not c.overdue


def test_reporting_window_is_seven_calendar_days_from_learning():
    c = _clocks(learned=date(2024, 11, 1), late=True)
    assert c.reporting_deadline == date(2024, 11, 8) and c.late
