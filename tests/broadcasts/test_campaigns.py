"""Templates stay neutral, the audience filter, and the planned start against the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import broadcasts as store
from storage.calendar import load_calendar
from tests.fakes.subscribers import MIDDAY, WIB, WIT, WITA, add_admins, add_subscribers

OPERATOR = "Bawaslu RI melalui Netra"


@pytest.mark.parametrize("template", store.load_templates(), ids=lambda t: t.key)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_template_is_neutral_names_its_sender_and_ends_with_the_opt_out(template, lang):
    text = template.render(lang, operator=OPERATOR, days=7)
    assert store.problems(text, lang, OPERATOR) == []
    assert "{" not in text


def test_templates_cover_the_stages_of_the_calendar():
    stages = {s.key for s in load_calendar().stages}
    covered = {t.stage for t in store.load_templates()}
    assert covered <= stages
    assert {"kampanye", "masa_tenang", "pemungutan", "rekapitulasi"} <= covered


@pytest.mark.parametrize(
    "text",
    [
        "{operator}: Pilih nomor 2! {stop}",
        "{operator}: Dukung partai kita. {stop}",
        "{operator}: Jangan lupa yang berbaju kuning. {stop}",
        "{operator}: Petahana layak dipilih lagi. {stop}",
    ],
)
def test_a_partisan_text_is_refused(netra, text):
    with netra.session() as session:
        author, _ = add_admins(session)
        with pytest.raises(store.BroadcastError, match="partisan"):
            store.create(
                session,
                officer_id=author,
                title="x",
                body_id=text,
                body_en="{operator}: Stay neutral. {stop}",
                deadline=MIDDAY + timedelta(days=1),
                now=MIDDAY,
                operator=OPERATOR,
            )


def test_a_text_without_sender_or_opt_out_is_refused(netra):
    with netra.session() as session:
        author, _ = add_admins(session)
        with pytest.raises(store.BroadcastError, match="who sends it.*opt-out"):
            store.create(
                session,
                officer_id=author,
                title="x",
                body_id="ASN wajib netral.",
                body_en="{operator}: Stay neutral. {stop}",
                deadline=MIDDAY + timedelta(days=1),
                now=MIDDAY,
                operator=OPERATOR,
            )


def test_audience_by_province_kabkota_and_language(netra):
    with netra.session() as session:
        add_subscribers(session, ["1", "2"], timezone=WITA, region_code="52.72")  # Kota Bima
        add_subscribers(session, ["3"], timezone=WITA, region_code="52")  # NTB as a whole
        add_subscribers(session, ["4"], timezone=WIB, region_code="31.71", lang="en")
        add_subscribers(session, ["5"], timezone=None)
        author, _ = add_admins(session)

        def count(**kwargs: object) -> int:
            broadcast = store.create(
                session,
                officer_id=author,
                title="x",
                body_id="{operator}: Netral. {stop}",
                body_en="{operator}: Neutral. {stop}",
                deadline=MIDDAY + timedelta(days=1),
                now=MIDDAY,
                operator=OPERATOR,
                **kwargs,  # type: ignore[arg-type]
            )
            return sum(store.audience_counts(session, broadcast).values())

        assert count() == 5
        assert count(regions=["52"]) == 3
        assert count(regions=["52.72"]) == 2
        assert count(regions=["52.72", "31"]) == 3
        assert count(lang="en") == 1


def test_planned_start_finishes_before_the_deadline():
    # 36,000 WIB subscribers at 10/s: one hour of sending. Deadline 10:00 WIB.
    deadline = datetime(2024, 11, 20, 3, 0, tzinfo=UTC)
    now = deadline - timedelta(days=1)
    plan = store.plan({("telegram", WIB): 36_000}, {"telegram": 10.0}, deadline=deadline, now=now)
    assert plan.feasible and plan.start == deadline - timedelta(hours=1)


def test_planned_start_skips_the_night():
    # Deadline 08:00 WIB: only one hour of sending that morning; the other hour is the
    # previous evening, 19:00-20:00 WIB.
    deadline = datetime(2024, 11, 20, 1, 0, tzinfo=UTC)
    now = deadline - timedelta(days=1)
    plan = store.plan({("telegram", WIB): 72_000}, {"telegram": 10.0}, deadline=deadline, now=now)
    assert plan.feasible
    assert plan.start == datetime(2024, 11, 19, 12, 0, tzinfo=UTC)  # 19:00 WIB


def test_plan_refuses_what_cannot_finish_and_approval_is_refused(netra):
    deadline = MIDDAY + timedelta(hours=1)
    plan = store.plan(
        {("telegram", WIT): 1_000_000, ("telegram", None): 5},
        {"telegram": 24.0},
        deadline=deadline,
        now=MIDDAY,
    )
    assert not plan.feasible and plan.finish > deadline
    with netra.session() as session:
        add_subscribers(session, ["1"])
        author, approver = add_admins(session)
        broadcast = store.create(
            session,
            officer_id=author,
            title="x",
            body_id="{operator}: Netral. {stop}",
            body_en="{operator}: Neutral. {stop}",
            deadline=deadline,
            now=MIDDAY,
            operator=OPERATOR,
        )
        with pytest.raises(store.BroadcastError, match="deadline"):
            store.approve(session, broadcast, officer_id=approver, now=MIDDAY, plan=plan)
        assert broadcast.status == "draft"


def test_recipients_are_written_in_chunks_each_once(netra):
    with netra.session() as session:
        add_subscribers(session, [str(i) for i in range(5)])
        author, _ = add_admins(session)
        broadcast = store.create(
            session,
            officer_id=author,
            title="x",
            body_id="{operator}: Netral. {stop}",
            body_en="{operator}: Neutral. {stop}",
            deadline=MIDDAY + timedelta(days=1),
            now=MIDDAY,
            operator=OPERATOR,
        )
        steps = [store.materialize(session, broadcast, chunk=2) for _ in range(3)]
        assert steps == [False, False, True]
        assert broadcast.total == 5 and store.remaining(session, broadcast.id) == 5
        assert store.materialize(session, broadcast, chunk=2) is True and broadcast.total == 5


def test_send_slots_interleave_on_one_schedule_and_a_429_holds_it(netra):
    from storage import ratebudget

    with netra.session() as first, netra.session() as second:
        a = ratebudget.reserve(first, name="telegram:broadcast", want=24, rate=24.0, now=MIDDAY)
        first.commit()
        # Another process asking at the same moment gets nothing: the next second is taken.
        b = ratebudget.reserve(second, name="telegram:broadcast", want=24, rate=24.0, now=MIDDAY)
        second.commit()
        assert (a.granted, b.granted) == (24, 0)
        later = MIDDAY + timedelta(seconds=0.5)
        c = ratebudget.reserve(second, name="telegram:broadcast", want=24, rate=24.0, now=later)
        second.commit()
        assert c.granted == 12 and c.start == MIDDAY + timedelta(seconds=1)
        ratebudget.hold(first, name="telegram:broadcast", seconds=5, now=later)
        first.commit()
        d = ratebudget.reserve(first, name="telegram:broadcast", want=24, rate=24.0, now=later)
        assert d.granted == 0
