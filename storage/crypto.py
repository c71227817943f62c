"""Encryption at rest: key rings, the blind index, receipt hashing and the column types.

Reporter identifiers (channel, chat id, phone number, profile name) and report content are
stored only as AES-256-GCM ciphertext. Rows are found again through an HMAC-SHA256 "blind
index" under a separate key, so equality lookups work without the database ever holding the
identifier itself.

Ciphertext format (text columns): ``v1.<key id>.<base64url(nonce || ciphertext+tag)>``; the
key id names which key of the ring wrote it, so older keys keep decrypting after a rotation
until ``netra keys rotate`` has re-encrypted everything under the newest key. Every value is
bound to its column through the GCM associated data, so a ciphertext copied into another
column (or another table) does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

KEY_BYTES = 32
_VERSION = "v1"
_BLOB_MAGIC = b"NTR1"


class KeyConfigError(ValueError):
    """A key is missing or malformed; raised at start so the app never runs half-keyed."""


class DecryptionError(ValueError):
    """A ciphertext could not be authenticated under any key of its ring."""


def generate_key() -> str:
    """A fresh random 256-bit key, base64url-encoded as the environment variables expect."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


def parse_key(text: str, name: str) -> bytes:
    """Decode one base64url key; the message names the variable but never echoes the value."""
    cleaned = text.strip()
    try:
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyConfigError(
            f"{name}: not valid base64url (generate one with `netra keys generate`)"
        ) from exc
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(
            f"{name}: a key must be {KEY_BYTES} bytes (got {len(raw)}); "
            "generate one with `netra keys generate`"
        )
    return raw


def parse_key_list(text: str, name: str) -> list[bytes]:
    """Comma-separated keys, newest first: the first writes, all of them read."""
    parts = [p for p in (s.strip() for s in text.split(",")) if p]
    if not parts:
        raise KeyConfigError(f"{name}: no key given")
    return [parse_key(p, name) for p in parts]


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"netra-key-id" + key).hexdigest()[:8]


class KeyRing:
    """AES-GCM keys, newest first. Encrypts with the newest; decrypts with whichever wrote it."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise KeyConfigError("a key ring needs at least one key")
        self.raw_keys = tuple(keys)
        self._keys = [(_key_id(k), AESGCM(k)) for k in keys]
        self._by_id = dict(self._keys)

    @property
    def primary_id(self) -> str:
        return self._keys[0][0]

    def encrypt(self, plaintext: bytes, purpose: str) -> tuple[str, bytes]:
        kid, aead = self._keys[0]
        nonce = os.urandom(12)
        return kid, nonce + aead.encrypt(nonce, plaintext, purpose.encode())

    def decrypt(self, kid: str, blob: bytes, purpose: str) -> bytes:
        aead = self._by_id.get(kid)
        if aead is None:
            raise DecryptionError("ciphertext written by a key that is no longer configured")
        try:
            return aead.decrypt(blob[:12], blob[12:], purpose.encode())
        except InvalidTag as exc:
            raise DecryptionError("ciphertext failed authentication") from exc

    def encrypt_text(self, plaintext: str, purpose: str) -> str:
        kid, blob = self.encrypt(plaintext.encode(), purpose)
        return f"{_VERSION}.{kid}.{base64.urlsafe_b64encode(blob).decode()}"

    def decrypt_text(self, token: str, purpose: str) -> str:
        version, kid, payload = _split_token(token)
        return self.decrypt(kid, base64.urlsafe_b64decode(payload), purpose).decode()

    def encrypt_blob(self, plaintext: bytes, purpose: str) -> bytes:
        kid, blob = self.encrypt(plaintext, purpose)
        return _BLOB_MAGIC + bytes.fromhex(kid) + blob

    def decrypt_blob(self, blob: bytes, purpose: str) -> bytes:
        if blob[:4] != _BLOB_MAGIC:
            raise DecryptionError("not a Netra ciphertext")
        return self.decrypt(blob[4:8].hex(), blob[8:], purpose)

    def key_id_of(self, stored: str | bytes) -> str:
        """Which key wrote a stored value: rotation re-encrypts only the ones not yet primary."""
        if isinstance(stored, bytes | bytearray | memoryview):
            return bytes(stored)[4:8].hex()
        return _split_token(stored)[1]


def _split_token(token: str) -> tuple[str, str, str]:
    parts = token.split(".", 2)
    if len(parts) != 3 or parts[0] != _VERSION:
        raise DecryptionError("not a Netra ciphertext")
    return parts[0], parts[1], parts[2]


def derive_key(master: bytes, purpose: str) -> bytes:
    """A key for one purpose (HKDF-SHA256), independent of the master and of other purposes.

    One configured secret can then serve several uses without a signature under one purpose
    ever being a valid hash (or signature) under another.
    """
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=b"netra-hkdf-v1", info=purpose.encode()
    )
    return hkdf.derive(master)


class BlindIndexer:
    """Keyed hash for equality lookups of identifiers that are stored only encrypted.

    The configured key itself indexes; other uses (dashboard session and CSRF signatures,
    inbound message ids) get their own HKDF-derived key through ``signer``.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._signers: dict[str, bytes] = {}

    def signer(self, purpose: str) -> bytes:
        """The derived key for ``purpose`` (e.g. ``dashboard.session``); never the index key."""
        found = self._signers.get(purpose)
        if found is None:
            found = self._signers[purpose] = derive_key(self._key, purpose)
        return found

    def sign(self, value: str, purpose: str) -> str:
        """HMAC-SHA256 of ``value`` under the key derived for ``purpose`` (hex)."""
        return hmac.new(self.signer(purpose), value.encode(), hashlib.sha256).hexdigest()

    def digest(self, value: str, purpose: str) -> str:
        message = purpose.encode() + b"\x00" + value.strip().encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Keys:
    """Everything the storage layer needs to read and write protected columns."""

    identity: KeyRing
    content: KeyRing
    blind: BlindIndexer

    def ring(self, name: str) -> KeyRing:
        return self.identity if name == "identity" else self.content


# The column types below run inside SQLAlchemy's bind/result processing, which has no access to
# a session or a request, so the key material is installed once per process at start
# (``install_keys``), the way a DB driver is configured once. Nothing else reads it.
_installed: Keys | None = None


def install_keys(keys: Keys) -> None:
    global _installed
    _installed = keys


def installed_keys() -> Keys:
    if _installed is None:
        raise RuntimeError("encryption keys are not installed; call storage.crypto.install_keys")
    return _installed


class Encrypted(TypeDecorator[str]):
    """Text stored as authenticated ciphertext, bound to its column by ``purpose``."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str, ring: str = "identity") -> None:
        super().__init__()
        self.purpose = purpose
        self.ring = ring

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return installed_keys().ring(self.ring).encrypt_text(value, self.purpose)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return installed_keys().ring(self.ring).decrypt_text(value, self.purpose)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document (a draft, an outbox payload) stored as one ciphertext."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str, ring: str = "content") -> None:
        super().__init__()
        self.purpose = purpose
        self.ring = ring

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return installed_keys().ring(self.ring).encrypt_text(text, self.purpose)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(installed_keys().ring(self.ring).decrypt_text(value, self.purpose))


class EncryptedBytes(TypeDecorator[bytes]):
    """File contents (evidence) stored as one ciphertext; decrypted only when read."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, purpose: str, ring: str = "content") -> None:
        super().__init__()
        self.purpose = purpose
        self.ring = ring

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return installed_keys().ring(self.ring).encrypt_blob(bytes(value), self.purpose)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return installed_keys().ring(self.ring).decrypt_blob(bytes(value), self.purpose)


class BlindIndex(TypeDecorator[str]):
    """Stores (and compares by) the keyed hash of a value, so ``col == "telegram:42"`` works."""

    impl = String(64)
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return installed_keys().blind.digest(value, self.purpose)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        # The hash cannot be reversed; reading it back yields the hash itself.
        return value


# --- receipts -------------------------------------------------------------------------------

# Receipts and ticket codes avoid characters that are misread or misheard: 0/O/Q, 1/I/L, 2/Z,
# 5/S, 6/G, 8/B. What is left reads aloud unambiguously in Indonesian and English.
READABLE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"


def readable_token(groups: int, size: int) -> str:
    return "-".join(
        "".join(secrets.choice(READABLE_ALPHABET) for _ in range(size)) for _ in range(groups)
    )


def normalise_readable(text: str) -> str:
    """Forgive case, spaces and missing dashes when a reporter types a code back."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


class ReceiptHasher:
    """Slow hash (argon2id) for the secret receipt, so a database copy cannot test guesses fast.

    The cost is set for what a receipt is: 16 characters drawn at random from 22, about 71
    bits, not a password a person chose. At 4 MiB and one pass a guess costs ~2.3 ms of CPU,
    so finding one receipt takes ~2^70 guesses, about 10^11 core-years. OWASP's password
    setting (19 MiB, two passes, ~32 ms) bought nothing more here and was a third of the CPU of
    a whole report's turns (bench/chat.py). Receipts hashed with it still verify: argon2 reads
    the cost from the stored hash.
    """

    def __init__(self, time_cost: int = 1, memory_cost: int = 4096, stock: int = 16) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
        self._stock_size = stock
        self._stock: deque[tuple[str, str]] = deque()
        self._low = threading.Event()
        self._filler: threading.Thread | None = None
        self._lock = threading.Lock()

    def hash(self, receipt: str) -> str:
        return self._hasher.hash(normalise_readable(receipt))

    def issue(self) -> tuple[str, str]:
        """A fresh receipt and its hash, from a small stock hashed ahead of time.

        The hash costs ~2 ms of CPU (~30 ms at the former setting). Inside a turn's transaction
        it would hold SQLite's write lock (and a PostgreSQL row lock) that long for every report
        in the batch; a background thread hashes ahead instead (argon2 releases the GIL, so it
        runs beside the turns). An empty stock hashes inline.
        """
        self.start()
        with self._lock:
            found = self._stock.popleft() if self._stock else None
        self._low.set()
        if found is not None:
            return found
        receipt = readable_token(4, 4)
        return receipt, self.hash(receipt)

    def start(self) -> None:
        """Begin hashing ahead (at startup, so the first reports find a full stock)."""
        with self._lock:
            if self._filler is None and self._stock_size > 0:
                self._filler = threading.Thread(
                    target=self._fill, name="receipt-stock", daemon=True
                )
                self._filler.start()
        self._low.set()

    def top_up(self) -> None:
        """Called before a turn's transaction: when the stock runs low (a burst of reports),
        hash one here, outside any lock, rather than inline in a transaction."""
        if self._stock_size > 0 and len(self._stock) < 2:
            receipt = readable_token(4, 4)
            self._stock.append((receipt, self.hash(receipt)))

    def _fill(self) -> None:
        while True:
            self._low.wait()
            self._low.clear()
            while len(self._stock) < self._stock_size:
                receipt = readable_token(4, 4)
                self._stock.append((receipt, self.hash(receipt)))

    def verify(self, stored: str, receipt: str) -> bool:
        try:
            return self._hasher.verify(stored, normalise_readable(receipt))
        except (VerificationError, InvalidHashError):
            return False
