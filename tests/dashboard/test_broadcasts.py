"""Broadcast pages over real HTTP: compose from a template, preview, second-admin approval,
planned start and refusal, progress, pause/resume/cancel."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.runtime import utcnow
from storage.models import AuditLog, Broadcast
from tests.fakes.dashboard import csrf_from, http_login, make_officer
from tests.fakes.subscribers import WIB, add_subscribers


def _deadline(hours: float) -> str:
    return (utcnow() + timedelta(hours=hours)).astimezone(ZoneInfo(WIB)).strftime("%Y-%m-%dT%H:%M")


def _compose(client, **fields: object):
    page = client.get("/dashboard/admin/broadcasts")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.text), **fields}
    return client.post("/dashboard/admin/broadcasts", data=data)


def test_compose_preview_and_second_admin_approval(netra, dashboard):
    with netra.session() as session:
        add_subscribers(session, ["1", "2", "3"], timezone=WIB)
        add_subscribers(session, ["+6281"], channel="whatsapp", timezone=WIB)
        session.commit()
    author = http_login(dashboard.base_url, make_officer(netra, "RI", role="admin"))
    second = http_login(dashboard.base_url, make_officer(netra, "RI", role="admin"))
    created = _compose(
        author,
        template_key="masa_tenang",
        deadline=_deadline(24 * 7),
        channels=["telegram", "whatsapp"],
    )
    assert created.status_code == 303
    url = created.headers["location"]
    page = author.get(url)
    assert "Bawaslu RI melalui Netra: Masa tenang dimulai" in page.text
    assert "Kirim BERHENTI untuk berhenti." in page.text and "Send STOP to stop." in page.text
    assert "skipped (no ContentSid)" in page.text or "dilewati (tidak ada ContentSid)" in page.text
    assert "telegram 3" in page.text and "whatsapp 1" in page.text
    assert 'id="approve"' not in page.text  # the author cannot approve
    # Even a forged approval by the author is refused.
    refused = author.post(f"{url}/approve", data={"csrf_token": csrf_from(page.text)})
    assert "admin kedua yang harus menyetujui" in refused.text
    assert "(draf)" in refused.text and "second admin" not in refused.text  # no English inside
    author.cookies.set("netra_dash_lang", "en")  # an admin who reads the dashboard in English
    english = author.post(f"{url}/approve", data={"csrf_token": csrf_from(page.text)})
    assert "a second admin must approve" in english.text and "(draft)" in english.text
    author.cookies.delete("netra_dash_lang")
    other_page = second.get(url)
    assert 'id="approve"' in other_page.text
    approved = second.post(f"{url}/approve", data={"csrf_token": csrf_from(other_page.text)})
    assert approved.status_code == 303
    with netra.session() as session:
        broadcast = session.exec(select(Broadcast)).one()
        actions = session.exec(select(AuditLog.action)).all()
    assert broadcast.status == "approved" and broadcast.planned_start is not None
    assert "broadcast_create" in actions and "broadcast_approve" in actions
    progress = second.get(f"{url}/progress").json()
    assert progress["total"] == 4 and progress["remaining"] == 4 and progress["sent"] == 0
    assert progress["unknown"] == 0 and progress["eta_text"] == "—"  # not started yet
    # Dates read as on every dashboard page: Indonesian, the admin's office time zone.
    assert "WIB" in other_page.text and " WIB</span>" in other_page.text
    paused = second.post(
        f"{url}/state", data={"csrf_token": csrf_from(other_page.text), "action": "pause"}
    )
    assert paused.status_code == 303
    assert second.get(f"{url}/progress").json()["status"] == "paused"
    second.post(f"{url}/state", data={"csrf_token": csrf_from(other_page.text), "action": "cancel"})
    assert second.get(f"{url}/progress").json()["status"] == "cancelled"


def test_a_broadcast_that_cannot_finish_in_time_is_flagged_and_not_approved(netra, dashboard):
    with netra.session() as session:
        add_subscribers(session, [str(i) for i in range(50)], timezone=None)
        session.commit()
    netra.settings = netra.settings.model_copy(update={"telegram_bulk_rate": 0.001})
    author = http_login(dashboard.base_url, make_officer(netra, "RI", role="admin"))
    second = http_login(dashboard.base_url, make_officer(netra, "RI", role="admin"))
    created = _compose(
        author, template_key="pagi_pemungutan", deadline=_deadline(2), channels=["telegram"]
    )
    url = created.headers["location"]
    page = second.get(url)
    assert 'id="plan-warning"' in page.text
    answer = second.post(f"{url}/approve", data={"csrf_token": csrf_from(page.text)})
    assert "tidak dapat selesai sebelum batas waktu" in answer.text
    with netra.session() as session:
        assert session.exec(select(Broadcast.status)).one() == "draft"


def test_partisan_compose_is_refused_and_non_admins_see_nothing(netra, dashboard):
    author = http_login(dashboard.base_url, make_officer(netra, "RI", role="admin"))
    answer = _compose(
        author,
        body_id="{operator}: Pilih nomor 2. {stop}",
        body_en="{operator}: Neutral. {stop}",
        deadline=_deadline(24),
    )
    assert answer.status_code == 200 and "kata partisan" in answer.text
    officer = http_login(dashboard.base_url, make_officer(netra, "52.06"))
    assert officer.get("/dashboard/admin/broadcasts").status_code == 404
