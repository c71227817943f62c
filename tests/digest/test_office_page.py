"""The office page: channels, link code, e-mail addresses (admin), history, preview, resend
(audited), unlink; and the admin's office list naming unreachable offices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.digests import claim_and_enqueue
from bot.runtime import Netra, utcnow
from storage.models import AuditLog, DigestRun, Office, OutboxMessage
from tests.digest.conftest import config_of
from tests.fakes.dashboard import OfficerLogin, ServedApp, http_login

JAYAPURA = "91.71"


def test_office_page_links_channels_shows_history_preview_and_resends(
    netra: Netra, dashboard: ServedApp, officer_factory: Callable[..., OfficerLogin]
) -> None:
    admin = http_login(dashboard.base_url, officer_factory("RI", role="admin"))
    listing = admin.get("/dashboard/admin/offices").text
    assert "tidak terjangkau" in listing and 'href="/dashboard/offices/91.71"' in listing

    page = admin.get(f"/dashboard/offices/{JAYAPURA}")
    assert page.status_code == 200
    assert "Kantor ini belum punya saluran" in page.text
    assert "Tidak ada laporan baru" in page.text  # today's preview

    saved = admin.post(
        f"/dashboard/offices/{JAYAPURA}/digest-settings",
        data={
            "email": "pp@jayapura.test; ketua@jayapura.test",
            "lang": "id",
            "csrf_token": admin.csrf,
        },
    )
    assert saved.status_code == 303
    bad = admin.post(
        f"/dashboard/offices/{JAYAPURA}/digest-settings",
        data={"email": "not an address", "csrf_token": admin.csrf},
    )
    assert bad.headers["location"].endswith("error=email")
    made = admin.post(f"/dashboard/offices/{JAYAPURA}/link-code", data={"csrf_token": admin.csrf})
    shown = admin.get(made.headers["location"]).text
    assert "/hubungkan " in shown and "pp@jayapura.test, ketua@jayapura.test" in shown

    # The office's own officer sees it; another office's officer does not.
    own = http_login(dashboard.base_url, officer_factory(JAYAPURA))
    assert own.get(f"/dashboard/offices/{JAYAPURA}").status_code == 200
    other = http_login(dashboard.base_url, officer_factory("51.71"))
    assert other.get(f"/dashboard/offices/{JAYAPURA}").status_code == 404
    assert (
        own.post(
            f"/dashboard/offices/{JAYAPURA}/digest-settings",
            data={"email": "x@y.test", "csrf_token": own.csrf},
        ).status_code
        == 404
    )

    # Today's digest goes out by the job; then the officer re-sends it on purpose.
    now = utcnow()
    with netra.session() as session:
        office = session.get(Office, JAYAPURA)
        assert office is not None
        today = now.astimezone(ZoneInfo(office.timezone)).date()
        claim_and_enqueue(session, office, today, "pagi", now=now, config=config_of(netra))
        session.commit()
    resent = own.post(f"/dashboard/offices/{JAYAPURA}/resend", data={"csrf_token": own.csrf})
    assert resent.status_code == 303
    history = own.get(f"/dashboard/offices/{JAYAPURA}").text
    assert history.count('class="digest-run"') >= 2 and "kirim ulang 1" in history
    with netra.session() as session:
        runs = session.exec(select(DigestRun).where(DigestRun.office_code == JAYAPURA)).all()
        assert {(r.channel, r.attempt) for r in runs} >= {("email", 1)}
        assert session.exec(select(OutboxMessage).where(OutboxMessage.transport == "email")).all()
        actions = [a.action for a in session.exec(select(AuditLog))]
        assert "digest_resend" in actions and "office_link_code" in actions

        office = session.get(Office, JAYAPURA)
        assert office is not None
        office.telegram_chat_id = "-100555"
        session.add(office)
        session.commit()
    assert "terhubung" in own.get(f"/dashboard/offices/{JAYAPURA}").text
    own.post(f"/dashboard/offices/{JAYAPURA}/telegram/unlink", data={"csrf_token": own.csrf})
    with netra.session() as session:
        office = session.get(Office, JAYAPURA)
        assert office is not None and office.telegram_chat_id is None
    assert timedelta(0) <= utcnow() - now < timedelta(minutes=5)
