"""Sealing to an office: data only the office's custodian can open, not the server.

Construction (all from ``cryptography``):

- An office key pair is X25519. Its private key is stored only wrapped: AES-256-GCM under a
  key derived from the custodian's passphrase with scrypt (per-key random salt; the scrypt
  cost is written in the header so it can be raised later without breaking old keys). The
  office code is bound as associated data, so a wrapped key copied to another office row does
  not unlock.
- Sealing is ECIES-style: a fresh ephemeral X25519 key per message, ECDH with the office's
  public key, HKDF-SHA256 (salt = ephemeral || recipient public key) to an AES-256-GCM key.
  The caller's ``context`` (ticket code, office code, field name) is the GCM associated data,
  so a sealed value moved to another ticket, office or field fails to open.

The server holds public keys and wrapped private keys only: without the passphrase, which is
never stored or logged, nothing sealed here can be opened — not with the database, not with
Netra's own encryption keys.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

WRAP_MAGIC = b"NOK1"
SEAL_MAGIC = b"NSL1"
SALT_BYTES = 16
NONCE_BYTES = 12
KEY_BYTES = 32
# OWASP's scrypt recommendation (N=2^17, r=8, p=1): about 128 MiB and a fraction of a second
# per unlock, which makes guessing a stolen wrapped key's passphrase expensive.
DEFAULT_SCRYPT_LOG_N = 17
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE = 12
_HKDF_INFO = b"netra sealed value v1"
_WRAP_HEADER = struct.Struct(">4sBBB")  # magic, log2(N), r, p


class SealingError(ValueError):
    """A sealed value or wrapped key is malformed or does not belong where it was found."""


class WrongPassphrase(SealingError):
    """The passphrase does not unlock this office's private key."""


def check_passphrase(passphrase: str) -> None:
    """Refuse passphrases too short to survive an offline guess against a stolen database."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise SealingError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")


def _passphrase_key(passphrase: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    kdf = Scrypt(salt=salt, length=KEY_BYTES, n=2**log_n, r=r, p=p)
    return kdf.derive(passphrase.encode("utf-8"))


def _wrap_aad(office_code: str, header: bytes) -> bytes:
    return b"netra office key|" + office_code.encode() + b"|" + header


def make_office_key(
    passphrase: str, office_code: str, *, scrypt_log_n: int = DEFAULT_SCRYPT_LOG_N
) -> tuple[bytes, bytes]:
    """A fresh key pair: (raw 32-byte public key, private key wrapped under the passphrase)."""
    check_passphrase(passphrase)
    private = X25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return public_raw, wrap_private_key(private, passphrase, office_code, scrypt_log_n)


def wrap_private_key(
    private: X25519PrivateKey,
    passphrase: str,
    office_code: str,
    scrypt_log_n: int = DEFAULT_SCRYPT_LOG_N,
) -> bytes:
    header = _WRAP_HEADER.pack(WRAP_MAGIC, scrypt_log_n, SCRYPT_R, SCRYPT_P)
    salt = os.urandom(SALT_BYTES)
    nonce = os.urandom(NONCE_BYTES)
    key = _passphrase_key(passphrase, salt, scrypt_log_n, SCRYPT_R, SCRYPT_P)
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    sealed = AESGCM(key).encrypt(nonce, raw, _wrap_aad(office_code, header))
    return header + salt + nonce + sealed


def unlock_office_key(wrapped: bytes, passphrase: str, office_code: str) -> X25519PrivateKey:
    """The office's private key, in memory only; ``WrongPassphrase`` if it does not open."""
    wrapped = bytes(wrapped)
    if len(wrapped) < _WRAP_HEADER.size + SALT_BYTES + NONCE_BYTES + KEY_BYTES + 16:
        raise SealingError("not a wrapped office key")
    header = wrapped[: _WRAP_HEADER.size]
    magic, log_n, r, p = _WRAP_HEADER.unpack(header)
    if magic != WRAP_MAGIC or not 10 <= log_n <= 22:
        raise SealingError("not a wrapped office key")
    rest = wrapped[_WRAP_HEADER.size :]
    salt, nonce, sealed = (
        rest[:SALT_BYTES],
        rest[SALT_BYTES : SALT_BYTES + NONCE_BYTES],
        rest[SALT_BYTES + NONCE_BYTES :],
    )
    key = _passphrase_key(passphrase, salt, log_n, r, p)
    try:
        raw = AESGCM(key).decrypt(nonce, sealed, _wrap_aad(office_code, header))
    except InvalidTag as exc:
        raise WrongPassphrase("the passphrase does not open this office's key") from exc
    return X25519PrivateKey.from_private_bytes(raw)


def _derive(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=ephemeral_public + recipient_public,
        info=_HKDF_INFO,
    ).derive(shared)


def seal(public_key: bytes, plaintext: bytes, context: bytes) -> bytes:
    """Encrypt to the holder of the matching private key; ``context`` must match to open."""
    recipient = X25519PublicKey.from_public_bytes(bytes(public_key))
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key = _derive(ephemeral.exchange(recipient), ephemeral_public, bytes(public_key))
    nonce = os.urandom(NONCE_BYTES)
    return SEAL_MAGIC + ephemeral_public + nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def open_sealed(private: X25519PrivateKey, blob: bytes, context: bytes) -> bytes:
    """Decrypt a sealed value; ``SealingError`` if it was not sealed to this key and context."""
    blob = bytes(blob)
    head = len(SEAL_MAGIC)
    if len(blob) < head + KEY_BYTES + NONCE_BYTES + 16 or blob[:head] != SEAL_MAGIC:
        raise SealingError("not a sealed value")
    ephemeral_public = blob[head : head + KEY_BYTES]
    nonce = blob[head + KEY_BYTES : head + KEY_BYTES + NONCE_BYTES]
    body = blob[head + KEY_BYTES + NONCE_BYTES :]
    recipient_public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    key = _derive(shared, ephemeral_public, recipient_public)
    try:
        return AESGCM(key).decrypt(nonce, body, context)
    except InvalidTag as exc:
        raise SealingError("sealed value does not open with this key and context") from exc
