"""The passphrase-try limits and the concurrent-unlock cap come from the settings."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.dashboard import identity as identity_pages
from tests.dashboard.test_followup_identity import REVEAL_REASON, local_reporter
from tests.fakes.dashboard import http_login
from tests.fakes.identity import OFFICE, PASSPHRASE, give_office_key


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "unlock_max_concurrent": 1,
            "unlock_officer_max_failures": 2,
            "unlock_key_max_failures": 3,
        }
    )


def _reveal(client, code: str, passphrase: str) -> str:
    """The flash the ticket page is sent back with, or "shown" when the identity was shown."""
    form = {"reason_category": "laporan_resmi", "reason": REVEAL_REASON}
    form |= {"passphrase": passphrase, "csrf_token": client.csrf}
    response = client.post(f"/dashboard/tickets/{code}/identity/reveal", data=form)
    if response.status_code == 200:
        return "shown"
    assert response.status_code == 303
    return response.headers["location"].rsplit("idf=", 1)[1]


def test_officer_is_locked_after_the_configured_wrong_passphrases(
    netra, dashboard, officer_factory
):
    give_office_key(netra)
    _, code = local_reporter(netra, "limit-reporter", identity=True)
    client = http_login(dashboard.base_url, officer_factory(OFFICE))
    assert [_reveal(client, code, "salah sekali") for _ in range(2)] == [
        "err_wrong_passphrase",
        "err_wrong_passphrase",
    ]
    assert _reveal(client, code, PASSPHRASE) == "err_locked"  # 2, not the default 5


def test_office_key_is_locked_after_the_configured_failures_of_its_team(
    netra, dashboard, officer_factory
):
    give_office_key(netra)
    _, code = local_reporter(netra, "key-limit-reporter", identity=True)
    first = http_login(dashboard.base_url, officer_factory(OFFICE))
    second = http_login(dashboard.base_url, officer_factory(OFFICE))
    assert _reveal(first, code, "salah sekali") == "err_wrong_passphrase"
    assert _reveal(first, code, "salah lagi") == "err_wrong_passphrase"
    assert _reveal(second, code, "salah juga") == "err_wrong_passphrase"
    # The second officer has one failure of their own, but the key has its 3.
    assert _reveal(second, code, PASSPHRASE) == "err_locked"


def test_a_second_unlock_waits_when_the_cap_is_one(netra, dashboard, officer_factory, monkeypatch):
    monkeypatch.setattr(identity_pages, "UNLOCK_WAIT_SECONDS", 0.2)
    give_office_key(netra)
    _, code = local_reporter(netra, "cap-reporter", identity=True)
    client = http_login(dashboard.base_url, officer_factory(OFFICE))
    unlocking = identity_pages.unlocking_for(netra.settings)
    with unlocking.slot() as held:  # another officer's unlock, in progress
        assert held
        assert _reveal(client, code, PASSPHRASE) == "err_busy"
    assert _reveal(client, code, PASSPHRASE) == "shown"


def test_the_default_cap_lets_two_unlocks_run_at_once(
    netra, dashboard, officer_factory, monkeypatch
):
    monkeypatch.setattr(identity_pages, "UNLOCK_WAIT_SECONDS", 0.2)
    give_office_key(netra)
    _, code = local_reporter(netra, "two-reporter", identity=True)
    client = http_login(dashboard.base_url, officer_factory(OFFICE))
    netra.settings.unlock_max_concurrent = 2
    with identity_pages.unlocking_for(netra.settings).slot() as held:
        assert held
        assert _reveal(client, code, PASSPHRASE) == "shown"
