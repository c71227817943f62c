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
    change_own_password,
    create_token,
    disable_totp,
    enable_totp,
    new_totp_secret,
    officer_for_token,
    reset_password,
    revoke_sessions,
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
        now = utcnow()
        assert not enable_totp(session, officer, secret, wrong, now=now)
        assert enable_totp(session, officer, secret, pyotp.TOTP(secret).at(now), now=now)
        assert session_fingerprint(officer) != before  # older sessions end
        assert _login(session).reason == "totp"
        later = now + timedelta(seconds=30)
        assert _login(session, totp=pyotp.TOTP(secret).at(later), now=later).officer is not None


def test_a_totp_code_works_once(netra):
    with netra.session() as session:
        officer = _officer(session)
        secret = new_totp_secret()
        now = utcnow()
        assert enable_totp(session, officer, secret, pyotp.TOTP(secret).at(now), now=now)
        later = now + timedelta(seconds=60)
        code = pyotp.TOTP(secret).at(later)
        assert _login(session, totp=code, now=later).officer is not None
        assert _login(session, totp=code, now=later).officer is None  # replayed: refused


def test_wrong_password_answers_alike_with_or_without_a_second_factor(netra):
    with netra.session() as session:
        officer = _officer(session)
        secret = new_totp_secret()
        now = utcnow()
        assert enable_totp(session, officer, secret, pyotp.TOTP(secret).at(now), now=now)
        assert _login(session, "salah-sekali").reason == "bad"  # not "totp": nothing leaks
        unknown = authenticate(
            session,
            username="tidak.ada",
            password="x" * 12,
            totp_code=None,
            now=now,
            policy=POLICY,
        )
        assert unknown.reason == "bad"


def test_turning_totp_off_needs_password_and_a_fresh_code(netra):
    with netra.session() as session:
        officer = _officer(session)
        secret = new_totp_secret()
        now = utcnow()
        assert enable_totp(session, officer, secret, pyotp.TOTP(secret).at(now), now=now)
        later = now + timedelta(seconds=60)
        code = pyotp.TOTP(secret).at(later)
        assert not disable_totp(session, officer, password="salah-sekali", code=code, now=later)
        assert not disable_totp(session, officer, password=PASSWORD, code="000000", now=later)
        assert disable_totp(session, officer, password=PASSWORD, code=code, now=later)
        assert officer.totp_secret is None


def test_logout_revokes_every_session_and_one_time_passwords_must_be_changed(netra):
    with netra.session() as session:
        officer = _officer(session)
        before = session_fingerprint(officer)
        revoke_sessions(session, officer)
        assert session_fingerprint(officer) != before
        reset_password(session, officer, "sandi-sekali-pakai", one_time=True)
        assert officer.must_change_password
        with pytest.raises(AccountError):
            change_own_password(session, officer, current="salah-sekali", new="sandi-baru-123")
        change_own_password(session, officer, current="sandi-sekali-pakai", new="sandi-baru-123")
        assert not officer.must_change_password
        assert _login(session, "sandi-baru-123").officer is not None


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
