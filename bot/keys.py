"""Turn configured key strings into the storage layer's ``Keys``; generate them for development."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from bot.config import Settings
from storage.crypto import (
    BlindIndexer,
    KeyConfigError,
    KeyRing,
    Keys,
    generate_key,
    parse_key,
    parse_key_list,
)

log = logging.getLogger(__name__)

DEV_KEYS_FILE = "dev-keys.json"
_ENV_NAMES = {
    "identity_keys": "NETRA_IDENTITY_KEYS",
    "blind_index_key": "NETRA_BLIND_INDEX_KEY",
    "content_keys": "NETRA_CONTENT_KEYS",
}


def load_keys(settings: Settings) -> Keys:
    """Keys from the environment; in development, missing ones come from the data directory.

    Raises ``KeyConfigError`` with a message naming the variable (never its value) when a key is
    missing in production or malformed anywhere, so the app stops at start, not mid-report.
    """
    values: dict[str, str] = {}
    for field in _ENV_NAMES:
        secret = getattr(settings, field)
        if secret is not None:
            values[field] = secret.get_secret_value()
    missing = [f for f in _ENV_NAMES if f not in values]
    if missing:
        if settings.environment == "production":
            names = ", ".join(_ENV_NAMES[f] for f in missing)
            raise KeyConfigError(f"missing {names}; generate them with `netra keys generate`")
        generated = _development_keys(settings.data_dir)
        for field in missing:
            values[field] = generated[field]
    return Keys(
        identity=KeyRing(parse_key_list(values["identity_keys"], "NETRA_IDENTITY_KEYS")),
        content=KeyRing(parse_key_list(values["content_keys"], "NETRA_CONTENT_KEYS")),
        blind=BlindIndexer(parse_key(values["blind_index_key"], "NETRA_BLIND_INDEX_KEY")),
    )


def fresh_key_lines() -> list[str]:
    """`.env` lines with new random keys, for `netra keys generate`."""
    return [f"{env}={generate_key()}" for env in _ENV_NAMES.values()]


def _development_keys(data_dir: Path) -> dict[str, str]:
    path = data_dir / DEV_KEYS_FILE
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    data_dir.mkdir(parents=True, exist_ok=True)
    keys = {field: generate_key() for field in _ENV_NAMES}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keys, handle, indent=2)
    log.warning(
        "DEVELOPMENT KEYS generated into %s. Anyone with this file can read reporters' "
        "identities: production MUST set NETRA_IDENTITY_KEYS, NETRA_BLIND_INDEX_KEY and "
        "NETRA_CONTENT_KEYS (see `netra keys generate`).",
        path,
    )
    return keys
