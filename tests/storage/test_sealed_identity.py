"""Sealed identities: what the server holds cannot open them; the custodian's passphrase can.

The central test builds everything a server (or someone who took it) has — the settings'
keys, the whole database — and shows that: the raw database bytes contain no identity value;
decrypting every column the server can decrypt still shows none; every server key fails as
the passphrase and as the private key; only the custodian's passphrase opens it.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.cli import parser
from bot.runtime import Netra, utcnow
from storage.crypto import parse_key
from storage.identity import (
    REVEAL_MAX_FAILURES,
    IdentityError,
    open_identity,
    reseal,
    reveal_identity,
)
from storage.models import AuditLog, OfficeKey, SealedIdentity, Ticket, metadata
from storage.officers import add_officer
from storage.sealing import (
    SealingError,
    WrongPassphrase,
    make_office_key,
    open_sealed,
    seal,
    unlock_office_key,
)
from tests.fakes.identity import (
    ADDRESS,
    NAME,
    NIK,
    OFFICE,
    PASSPHRASE,
    PHONE,
    give_office_key,
    submit,
)
from tests.fakes.reporter import ScriptedReporter

PHONE_DIGITS = "081234567891"
SECRETS = (NAME, NIK, ADDRESS, PHONE_DIGITS, "Rahmawati")


def file_with_identity(netra: Netra, address: str = "sealed-1", *, stop_after: int = 4) -> None:
    reporter = ScriptedReporter(netra, address)
    submit(reporter)
    reporter.says("Ya, lampirkan identitas")
    for value in (NAME, NIK, ADDRESS, PHONE)[:stop_after]:
        reporter.says(value)
    if stop_after == 4:
        reporter.says("segel")


def raw_database_text(netra: Netra) -> str:
    """Everything stored, as the database holds it (no Netra key applied)."""
    url = make_url(netra.settings.effective_database_url)
    if url.get_backend_name() == "sqlite":
        netra.db.dispose()
        path = Path(str(url.database))
        blobs = [p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
        return b"".join(blobs).decode("latin-1")
    parts: list[str] = []
    with netra.db.connect() as conn:
        for table in metadata.sorted_tables:
            for (row,) in conn.execute(text(f'SELECT row_to_json(t)::text FROM "{table.name}" t')):
                parts.append(row)
    return "\n".join(parts)


def decrypted_database_text(netra: Netra) -> str:
    """Everything the server can read with all its keys: every column through its type."""
    parts: list[str] = []
    with netra.db.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(table.select()):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def assert_no_identity(haystack: str) -> None:
    for secret in SECRETS:
        assert secret not in haystack
        assert secret.encode().hex() not in haystack  # PostgreSQL shows bytea as hex


def test_server_keys_and_database_alone_cannot_open_a_sealed_identity(netra, key_strings):
    give_office_key(netra)
    file_with_identity(netra)

    raw, decrypted = raw_database_text(netra), decrypted_database_text(netra)
    assert_no_identity(raw)
    assert_no_identity(decrypted)
    # The scans do see the data: plain routing fields raw, report content once decrypted.
    assert "52.06" in raw and "Camat hadir di kampanye" in decrypted

    with netra.session() as session:
        key = session.get(OfficeKey, OFFICE)
        row = session.exec(select(SealedIdentity)).one()
        ticket = session.exec(select(Ticket)).one()
        assert key is not None
        server_secrets = [*key_strings.values(), ""]
        for candidate in server_secrets:
            with pytest.raises(WrongPassphrase):
                unlock_office_key(key.private_key_sealed, candidate, OFFICE)
            with pytest.raises(WrongPassphrase):
                open_identity(session, ticket, candidate)
        # Nor does any server key work as the office's private key itself.
        blob = base64.b64decode(json.loads(row.ciphertext)["fields"]["nik"])
        for name, value in key_strings.items():
            fake_private = X25519PrivateKey.from_private_bytes(parse_key(value, name))
            context = f"netra identity|{ticket.code}|{OFFICE}|nik".encode()
            with pytest.raises(SealingError):
                open_sealed(fake_private, blob, context)
        # The custodian's passphrase does.
        assert open_identity(session, ticket, PASSPHRASE).nik == NIK


def test_identity_half_given_is_never_readable_by_the_server(netra):
    give_office_key(netra)
    file_with_identity(netra, "sealed-half", stop_after=2)  # name and NIK given, not confirmed
    decrypted = decrypted_database_text(netra)
    assert "identity_address" in decrypted  # the reporter is mid-lane: the draft was scanned
    assert_no_identity(decrypted)


def test_sealed_value_moved_to_another_ticket_or_field_does_not_open():
    public, wrapped = make_office_key(PASSPHRASE, OFFICE, scrypt_log_n=12)
    private = unlock_office_key(wrapped, PASSPHRASE, OFFICE)
    blob = seal(public, NIK.encode(), b"netra identity|ACD-EFH|52.06|nik")
    assert open_sealed(private, blob, b"netra identity|ACD-EFH|52.06|nik") == NIK.encode()
    for other in (b"netra identity|ACD-EFK|52.06|nik", b"netra identity|ACD-EFH|52.06|phone"):
        with pytest.raises(SealingError):
            open_sealed(private, blob, other)


def test_wrapped_key_copied_to_another_office_does_not_unlock():
    _, wrapped = make_office_key(PASSPHRASE, OFFICE, scrypt_log_n=12)
    with pytest.raises(WrongPassphrase):
        unlock_office_key(wrapped, PASSPHRASE, "52.07")


def test_short_passphrase_is_refused():
    with pytest.raises(SealingError):
        make_office_key("pendek", OFFICE, scrypt_log_n=12)


def _officer(netra: Netra, username: str, office: str):
    with netra.session() as session:
        officer = add_officer(
            session,
            username=username,
            display_name=username,
            password="sandi-yang-panjang-1",
            office_code=office,
            now=utcnow(),
        )
        session.commit()
        return officer


def test_reveal_is_audited_without_identity_or_reason_and_wrong_passphrases_lock_out(netra):
    give_office_key(netra)
    file_with_identity(netra)
    officer = _officer(netra, "petugas.bima", OFFICE)
    reason = "Verifikasi syarat formal laporan Siti"
    now = utcnow()
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        ok = reveal_identity(
            session,
            ticket=ticket,
            officer=officer,
            passphrase=PASSPHRASE,
            reason_category="laporan_resmi",
            reason=reason,
            now=now,
        )
        assert ok.identity is not None and ok.identity.name == NAME
        for _ in range(REVEAL_MAX_FAILURES):
            bad = reveal_identity(
                session,
                ticket=ticket,
                officer=officer,
                passphrase="tebakan yang salah",
                reason_category="lainnya",
                reason=reason,
                now=now,
            )
            assert bad.reason == "wrong_passphrase"
        locked = reveal_identity(
            session,
            ticket=ticket,
            officer=officer,
            passphrase=PASSPHRASE,  # even the right one, while locked out
            reason_category="lainnya",
            reason=reason,
            now=now + timedelta(minutes=1),
        )
        assert locked.identity is None and locked.reason == "locked"
        session.commit()
        rows = list(session.exec(select(AuditLog)))
    assert [r.action for r in rows].count("reveal_identity") == 1
    assert [r.action for r in rows].count("reveal_identity_failed") == REVEAL_MAX_FAILURES
    for row in rows:
        assert "Siti" not in (row.detail or "") and NIK not in (row.detail or "")
        assert row.detail and "chars=" in row.detail


def test_officer_of_another_office_cannot_reveal(netra):
    give_office_key(netra)
    give_office_key(netra, "52.07", "kunci kantor dompu 2024")
    file_with_identity(netra)
    stranger = _officer(netra, "petugas.dompu", "52.07")
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        with pytest.raises(IdentityError):
            reveal_identity(
                session,
                ticket=ticket,
                officer=stranger,
                passphrase="kunci kantor dompu 2024",
                reason_category="klarifikasi",
                reason="Ingin tahu siapa pelapornya",
                now=utcnow(),
            )


def test_reseal_moves_the_identity_to_the_new_office_key(netra):
    give_office_key(netra)
    new_pass = "kunci kantor dompu 2024"
    give_office_key(netra, "52.07", new_pass)
    file_with_identity(netra)
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        with pytest.raises(WrongPassphrase):
            reseal(session, ticket, "salah kata sandinya", "52.07")
        reseal(session, ticket, PASSPHRASE, "52.07")
        ticket.office_code = "52.07"  # the reassignment itself (the workflow's job)
        session.add(ticket)
        session.commit()
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        assert open_identity(session, ticket, new_pass).phone == PHONE_DIGITS
        with pytest.raises(WrongPassphrase):
            open_identity(session, ticket, PASSPHRASE)


def test_reseal_to_office_without_key_is_refused(netra):
    give_office_key(netra)
    file_with_identity(netra)
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        with pytest.raises(IdentityError):
            reseal(session, ticket, PASSPHRASE, "52.07")


def test_keygen_command_stores_a_key_that_the_typed_passphrase_unlocks(
    netra, settings, monkeypatch, capsys
):
    monkeypatch.setattr("sys.stdin", io.StringIO("kunci rahasia kabupaten bima\n"))
    args = parser().parse_args(["offices", "keygen", OFFICE, "--passphrase-stdin"])
    args.func(settings, args)
    assert "new key pair" in capsys.readouterr().out
    with netra.session() as session:
        key = session.get(OfficeKey, OFFICE)
        assert key is not None and len(key.public_key) == 32
        assert b"kunci rahasia" not in key.private_key_sealed
        unlock_office_key(key.private_key_sealed, "kunci rahasia kabupaten bima", OFFICE)

    monkeypatch.setattr("sys.stdin", io.StringIO("kunci rahasia kabupaten bima\n"))
    with pytest.raises(SystemExit, match="already has a key"):
        args.func(settings, args)
