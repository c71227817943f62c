"""The calendar and message-library admin pages over real HTTP: view, edit, refuse, audit."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.digests import DigestConfig, digest_for
from storage.models import AuditLog, CalendarOverrideEdit, Office, TemplateEdit
from tests.fakes.dashboard import csrf_from, http_login, make_officer

CAL = "/dashboard/admin/calendar"
LIB = "/dashboard/admin/templates"
FILE_DATES = {
    "penetapan_calon": ("2024-09-22", "2024-09-24"),
    "kampanye": ("2024-09-25", "2024-11-23"),
    "masa_tenang": ("2024-11-24", "2024-11-26"),
    "rekapitulasi": ("2024-11-27", "2024-12-16"),
    "pemungutan": ("2024-11-27", "2024-11-27"),
}


def _stage_form(token: str, **changes: tuple[str, str]) -> dict[str, str]:
    data = {"csrf_token": token, "action": "save"}
    for key, (start, end) in {**FILE_DATES, **changes}.items():
        data[f"start_{key}"], data[f"end_{key}"] = start, end
    return data


def _actions(netra) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    with netra.session() as session:
        return [(a.action, a.detail) for a in session.exec(select(AuditLog).order_by(AuditLog.id))]


def test_an_admin_moves_polling_day_and_adds_a_revote_and_the_digest_follows(netra, dashboard):  # type: ignore[no-untyped-def]
    admin = http_login(dashboard.base_url, make_officer(netra, "RI", role="admin"))
    page = admin.get(CAL)
    assert page.status_code == 200
    assert "Pilkada Serentak 2024" in page.text and 'value="2024-11-27"' in page.text
    token = csrf_from(page.text)

    moved = admin.post(
        f"{CAL}/stages",
        data=_stage_form(
            token,
            kampanye=("2024-09-25", "2024-11-24"),
            masa_tenang=("2024-11-25", "2024-11-27"),
            rekapitulasi=("2024-11-28", "2024-12-16"),
            pemungutan=("2024-11-28", "2024-11-28"),
        ),
    )
    assert moved.status_code == 303
    page = admin.get(moved.headers["location"])
    assert "Hari pemungutan suara: <b>Kamis, 28 November 2024</b>" in page.text
    assert "diubah; bawaan Rabu, 27 November 2024" in page.text

    # Out of order: refused with the reason, the admin's dates still in the form, nothing saved.
    refused = admin.post(
        f"{CAL}/stages", data=_stage_form(token, masa_tenang=("2024-11-20", "2024-11-26"))
    )
    assert refused.status_code == 422
    # In the dashboard's language, like every other page.
    assert "Masa tenang: dimulai sebelum Masa kampanye berakhir" in refused.text
    assert 'value="2024-11-20"' in refused.text

    added = admin.post(
        f"{CAL}/override",
        data={
            "csrf_token": token,
            "region": "52.06",
            "polling_day": "2024-12-14",
            "note": "PSU",
        },
    )
    assert added.status_code == 303
    page = admin.get(CAL)
    assert 'data-region="52.06"' in page.text and "Kabupaten Bima" in page.text
    assert "2024-12-11 – 2024-12-13" in page.text  # its own quiet period

    unknown = admin.post(
        f"{CAL}/override",
        data={"csrf_token": token, "region": "52.99", "polling_day": "2024-12-14"},
    )
    assert unknown.status_code == 422 and "kode wilayah tidak dikenal: 52.99" in unknown.text
    early = admin.post(
        f"{CAL}/override",
        data={"csrf_token": token, "region": "52.06", "polling_day": "2024-09-27"},
    )
    assert early.status_code == 422
    assert "hari pemungutan Jumat, 27 September 2024 lebih awal dari" in early.text
    typo = admin.post(
        f"{CAL}/override",
        data={"csrf_token": token, "region": "52.06", "polling_day": "14/12/2024"},
    )
    assert typo.status_code == 422 and "tulis tanggal sebagai TTTT-BB-HH" in typo.text

    with netra.session() as session:
        office = session.get(Office, "52.06")
        jakarta = session.get(Office, "31.71")
        config = DigestConfig.from_settings(netra.settings)
        assert digest_for(session, office, date(2024, 12, 1), "pagi", config).stage.endswith(
            "H-13 pemungutan suara"
        )
        assert digest_for(session, jakarta, date(2024, 11, 26), "pagi", config).stage == (
            "Masa tenang hari ke-2 · H-2 pemungutan suara"
        )

    removed = admin.post(
        f"{CAL}/override", data={"csrf_token": token, "region": "52.06", "action": "remove"}
    )
    assert removed.status_code == 303
    assert 'data-region="52.06"' not in admin.get(CAL).text
    with netra.session() as session:
        assert session.exec(select(CalendarOverrideEdit.polling_day)).all() == [None]
    reset = admin.post(f"{CAL}/stages", data={"csrf_token": token, "action": "reset"})
    assert reset.status_code == 303 and "diubah; bawaan" not in admin.get(CAL).text

    actions = _actions(netra)
    assert ("calendar_psu", "52.06 2024-12-14") in actions
    assert ("calendar_psu", "52.06 removed") in actions
    assert ("calendar_stages", "reset to the file") in actions
    assert sum(1 for a, _ in actions if a.startswith("calendar")) == 4  # refusals change nothing


def test_templates_are_edited_checked_and_used_by_the_compose_page(netra, dashboard):  # type: ignore[no-untyped-def]
    admin = http_login(dashboard.base_url, make_officer(netra, "RI", role="admin"))
    page = admin.get(LIB)
    assert page.status_code == 200 and 'data-template="masa_tenang"' in page.text
    assert "Bawaslu RI melalui Netra: Masa tenang dimulai" in page.text  # rendered preview
    token = csrf_from(page.text)
    form = {
        "csrf_token": token,
        "key": "masa_tenang",
        "stage": "masa_tenang",
        "title_id": "Masa tenang",
        "title_en": "Quiet period",
        "text_id": "{operator}: Masa tenang: laporkan dalam {days} hari, 24 jam. {stop}",
        "text_en": "{operator}: Quiet period: report within {days} days, any hour. {stop}",
        "action": "save",
    }
    partisan = admin.post(LIB, data={**form, "text_id": "{operator}: Coblos yang biru! {stop}"})
    assert partisan.status_code == 422
    assert "kata partisan: biru, coblos" in partisan.text
    assert "Coblos yang biru!" in partisan.text  # the admin's text is kept to correct it
    anonymous = admin.post(LIB, data={**form, "text_en": "Stay neutral. Send STOP to stop."})
    assert anonymous.status_code == 422 and "tidak menyebut siapa pengirimnya" in anonymous.text
    no_stop = admin.post(LIB, data={**form, "text_id": "{operator}: Masa tenang."})
    assert "tidak diakhiri kata untuk berhenti berlangganan" in no_stop.text
    with netra.session() as session:
        assert session.exec(select(TemplateEdit)).all() == []

    saved = admin.post(LIB, data=form)
    assert saved.status_code == 303
    assert "Masa tenang: laporkan dalam 7 hari, 24 jam." in admin.get(LIB).text

    compose = admin.get("/dashboard/admin/broadcasts")
    created = admin.post(
        "/dashboard/admin/broadcasts",
        data={
            "csrf_token": csrf_from(compose.text),
            "template_key": "masa_tenang",
            "deadline": "2099-11-24T10:00",
            "channels": ["telegram"],
        },
    )
    assert created.status_code == 303
    detail = admin.get(created.headers["location"])
    assert "Masa tenang: laporkan dalam 7 hari, 24 jam." in detail.text
    assert 'id="stage"' in detail.text  # tied to the template's stage

    reset = admin.post(LIB, data={**form, "action": "reset"})
    assert reset.status_code == 303
    assert "Masa tenang: laporkan dalam" not in admin.get(LIB).text
    assert [a for a, _ in _actions(netra) if a.startswith("template")] == [
        "template_save",
        "template_reset",
    ]


def test_only_admins_reach_the_calendar_and_the_library(netra, dashboard):  # type: ignore[no-untyped-def]
    officer = http_login(dashboard.base_url, make_officer(netra, "52.06"))
    assert officer.get(CAL).status_code == 404
    assert officer.get(LIB).status_code == 404
    page = officer.get("/dashboard/")
    answer = officer.post(
        f"{CAL}/override",
        data={"csrf_token": csrf_from(page.text), "region": "52.06", "polling_day": "2024-12-14"},
    )
    assert answer.status_code == 404
    with netra.session() as session:
        assert session.exec(select(CalendarOverrideEdit)).all() == []


def test_a_refused_compose_keeps_what_the_admin_typed(netra, dashboard):  # type: ignore[no-untyped-def]
    admin = http_login(dashboard.base_url, make_officer(netra, "RI", role="admin"))
    page = admin.get("/dashboard/admin/broadcasts")
    answer = admin.post(
        "/dashboard/admin/broadcasts",
        data={
            "csrf_token": csrf_from(page.text),
            "title": "Pengingat netralitas",
            "body_id": "{operator}: Dukung petahana. {stop}",
            "body_en": "{operator}: Stay neutral. {stop}",
            "regions": "52.06, 94",
            "lang": "en",
            "stage": "masa_tenang",
            "channels": ["whatsapp"],
            "deadline": "2099-11-24T10:00",
        },
    )
    assert answer.status_code == 200 and "kata partisan: petahana" in answer.text
    for kept in (
        'value="Pengingat netralitas"',
        "{operator}: Dukung petahana. {stop}</textarea>",
        'value="52.06, 94"',
        '<option value="en" selected>',
        '<option value="masa_tenang" selected>',
        'value="whatsapp" checked',
        'value="2099-11-24T10:00"',
    ):
        assert kept in answer.text, kept
    assert 'value="telegram" checked' not in answer.text
