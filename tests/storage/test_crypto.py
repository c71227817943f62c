"""Authenticated encryption, column binding, blind index and key rotation."""

from __future__ import annotations

import base64

import pytest
from sqlmodel import select

from storage.crypto import (
    BlindIndexer,
    DecryptionError,
    KeyConfigError,
    KeyRing,
    Keys,
    ReceiptHasher,
    generate_key,
    install_keys,
    parse_key,
    parse_key_list,
)
from storage.models import Reporter
from storage.rotation import rotate
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter


def ring(*keys: str) -> KeyRing:
    return KeyRing([parse_key(k, "test") for k in keys])


def test_ciphertext_round_trips_and_differs_each_time():
    r = ring(generate_key())
    a, b = (
        r.encrypt_text("6281234", "reporter.address"),
        r.encrypt_text("6281234", "reporter.address"),
    )
    assert a != b and "6281234" not in a
    assert r.decrypt_text(a, "reporter.address") == "6281234"


def test_tampered_ciphertext_is_rejected():
    r = ring(generate_key())
    token = r.encrypt_text("rahasia", "x")
    version, kid, payload = token.split(".", 2)
    raw = bytearray(base64.urlsafe_b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        r.decrypt_text(f"{version}.{kid}.{base64.urlsafe_b64encode(bytes(raw)).decode()}", "x")


def test_ciphertext_moved_to_another_column_does_not_decrypt():
    r = ring(generate_key())
    token = r.encrypt_text("Siti", "reporter.profile_name")
    with pytest.raises(DecryptionError):
        r.decrypt_text(token, "ticket.description")


def test_old_key_keeps_decrypting_after_a_new_key_is_added():
    old, new = generate_key(), generate_key()
    token = ring(old).encrypt_text("halo", "p")
    rotated = ring(new, old)
    assert rotated.decrypt_text(token, "p") == "halo"
    assert rotated.key_id_of(rotated.encrypt_text("halo", "p")) == rotated.primary_id
    with pytest.raises(DecryptionError):
        ring(new).decrypt_text(token, "p")


def test_blind_index_is_keyed_and_stable():
    key_a, key_b = parse_key(generate_key(), "a"), parse_key(generate_key(), "b")
    a, b = BlindIndexer(key_a), BlindIndexer(key_b)
    assert a.digest("telegram:42", "p") == a.digest("telegram:42", "p")
    assert a.digest("telegram:42", "p") != b.digest("telegram:42", "p")
    assert a.digest("telegram:42", "p") != a.digest("telegram:43", "p")


@pytest.mark.parametrize("bad", ["", "not base64 !!", base64.urlsafe_b64encode(b"short").decode()])
def test_malformed_key_is_refused_with_the_variable_name(bad):
    with pytest.raises(KeyConfigError, match="NETRA_IDENTITY_KEYS"):
        parse_key_list(bad, "NETRA_IDENTITY_KEYS")


def test_malformed_key_message_never_echoes_the_key():
    secret = base64.urlsafe_b64encode(b"x" * 31).decode()
    with pytest.raises(KeyConfigError) as info:
        parse_key(secret, "NETRA_CONTENT_KEYS")
    assert secret not in str(info.value)


def test_receipt_hash_verifies_forgivingly_but_rejects_wrong():
    hasher = ReceiptHasher(time_cost=1, memory_cost=1024)
    stored = hasher.hash("ACDE-FHJK-MNPR-TUVW")
    assert hasher.verify(stored, "acde fhjk mnpr tuvw")
    assert not hasher.verify(stored, "ACDE-FHJK-MNPR-TUVX")


def test_receipts_hashed_at_the_former_password_cost_still_verify():
    """Tickets filed before the receipt cost was lowered keep working with ``/status``."""
    former = ReceiptHasher(time_cost=2, memory_cost=19456, stock=0).hash("ACDE-FHJK-MNPR-TUVW")
    current = ReceiptHasher(stock=0)
    assert current.verify(former, "ACDE-FHJK-MNPR-TUVW")
    assert not current.verify(former, "ACDE-FHJK-MNPR-TUVX")
    fresh = current.hash("ACDE-FHJK-MNPR-TUVW")
    assert fresh.startswith("$argon2id$") and "m=4096,t=1" in fresh


def test_rotation_reencrypts_everything_and_old_key_can_then_go(netra, keys):
    reporter = ScriptedReporter(netra, "rotate-me")
    for answer in HAPPY_PATH:
        reporter.says(answer)
    new_identity = KeyRing([parse_key(generate_key(), "n"), *keys.identity.raw_keys])
    new_content = KeyRing([parse_key(generate_key(), "n"), *keys.content.raw_keys])
    rotated = Keys(identity=new_identity, content=new_content, blind=keys.blind)
    install_keys(rotated)
    try:
        first = rotate(netra.db, rotated)
        assert first.rewritten > 0
        assert rotate(netra.db, rotated).rewritten == 0  # idempotent
        # Drop the old keys entirely: everything still reads.
        install_keys(
            Keys(
                identity=KeyRing([new_identity.raw_keys[0]]),
                content=KeyRing([new_content.raw_keys[0]]),
                blind=keys.blind,
            )
        )
        with netra.session() as session:
            found = session.exec(select(Reporter).where(Reporter.lookup == "local:rotate-me")).one()
            assert found.address == "rotate-me"
        assert "Langkah 1/8" in ScriptedReporter(netra, "rotate-me").says(
            "/mulai"
        ) + ScriptedReporter(netra, "rotate-me").says("setuju")
    finally:
        install_keys(keys)


def test_dashboard_signing_key_is_not_the_blind_index_key(keys):
    """A session signature must never equal the blind index of the same text (issue 10)."""
    value = "1.1700000000.abc.nonce"
    assert keys.blind.sign(value, "dashboard.session") != keys.blind.digest(
        value, "dashboard.session"
    )
    assert keys.blind.signer("dashboard.session") != keys.blind.signer("dashboard.csrf")


def test_sqlite_database_file_is_private(tmp_path):
    import stat

    from storage.db import make_engine

    path = tmp_path / "netra.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
