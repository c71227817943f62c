"""Dashboard accounts: argon2 passwords, lockout, the optional second factor, API tokens."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from bot.runtime import utcnow
from storage.officers import (
    AccountError,
    LoginPolicy,
    add_officer,
    authenticate,
    create_token,
    enable_totp,
    new_totp_secret,
    officer_for_token,
    reset_password,
    session_fingerprint,
)

POLICY = LoginPolicy(max_failures=3, lockout=timedelta(minutes=15))
PASSWORD = "kata-sandi-panjang"


def _officer(session):
    return add_officer(
        session,
        username="Petugas.Bima",
        display_name="Petugas",
        password=PASSWORD,
        office_code="52.06",
        now=utcnow(),
    )


def _login(session, password=PASSWORD, totp=None, now=None):
    return authenticate(
        session,
        username="petugas.bima",
        password=password,
        totp_code=totp,
        now=now or utcnow(),
        policy=POLICY,
    )


def test_password_is_stored_as_argon2_and_checked(netra):
    with netra.session() as session:
        officer = _officer(session)
        assert (
            officer.password_hash.startswith("$argon2id$") and PASSWORD not in officer.password_hash
        )
        assert _login(session).officer is not None
        assert _login(session, "salah-sekali").reason == "bad"


def test_lockout_after_failures_then_unlocks_after_the_wait(netra):
    with netra.session() as session:
        _officer(session)
        for _ in range(POLICY.max_failures):
            assert _login(session, "salah-sekali").officer is None
        assert _login(session).reason == "locked"
        assert _login(session, now=utcnow() + timedelta(minutes=16)).officer is not None


def test_second_factor_is_required_once_enabled(netra):
    with netra.session() as session:
        officer = _officer(session)
        before = session_fingerprint(officer)
        secret = new_totp_secret()
        wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
        assert not enable_totp(session, officer, secret, wrong)
        assert enable_totp(session, officer, secret, pyotp.TOTP(secret).now())
        assert session_fingerprint(officer) != before  # older sessions end
        assert _login(session).reason == "totp"
        assert _login(session, totp=pyotp.TOTP(secret).now()).officer is not None


def test_reset_password_replaces_the_old_one(netra):
    with netra.session() as session:
        officer = _officer(session)
        reset_password(session, officer, "sandi-baru-yang-panjang")
        assert _login(session).officer is None
        assert _login(session, "sandi-baru-yang-panjang").officer is not None
        with pytest.raises(AccountError):
            reset_password(session, officer, "pendek")


def test_api_token_is_stored_hashed_and_dies_with_the_account(netra):
    with netra.session() as session:
        officer = _officer(session)
        token = create_token(session, officer, "sistem kantor", now=utcnow())
        session.flush()
        from sqlmodel import select

        from storage.models import ApiToken

        assert token not in [row.token_hash for row in session.exec(select(ApiToken))]
        assert officer_for_token(session, token, now=utcnow()).id == officer.id
        officer.active = False
        assert officer_for_token(session, token, now=utcnow()) is None


def test_admins_belong_to_bawaslu_ri(netra):
    with netra.session() as session, pytest.raises(AccountError):
        add_officer(
            session,
            username="admin.ntb",
            display_name="x",
            password=PASSWORD,
            office_code="52",
            role="admin",
            now=utcnow(),
        )
