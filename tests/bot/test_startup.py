"""Netra refuses to start half-keyed, and says why without echoing secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.keys import load_keys
from storage.crypto import KeyConfigError, generate_key

ROOT = Path(__file__).resolve().parents[2]


def netra_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_keys_stops_with_a_clear_message(tmp_path):
    result = netra_cli(
        "db",
        "upgrade",
        env={"NETRA_ENV": "production", "NETRA_DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "NETRA_IDENTITY_KEYS must be set in production" in result.stderr


def test_malformed_key_stops_start_naming_the_variable(tmp_path):
    bad = "dGhpcyBpcyBub3QgYSBrZXk"
    result = netra_cli(
        "db",
        "upgrade",
        env={"NETRA_IDENTITY_KEYS": bad, "NETRA_DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "NETRA_IDENTITY_KEYS" in result.stderr and bad not in result.stderr


def test_development_generates_keys_once_with_a_loud_warning(tmp_path):
    settings = Settings(NETRA_DATA_DIR=tmp_path, _env_file=None)  # type: ignore[call-arg]
    first = load_keys(settings)
    second = load_keys(settings)
    assert first.identity.primary_id == second.identity.primary_id
    assert (tmp_path / "dev-keys.json").stat().st_mode & 0o077 == 0


def test_production_placeholder_key_is_refused(tmp_path):
    with pytest.raises(ValueError, match="placeholder"):
        Settings(
            NETRA_ENV="production",
            NETRA_IDENTITY_KEYS="changeme",
            NETRA_CONTENT_KEYS=generate_key(),
            NETRA_BLIND_INDEX_KEY=generate_key(),
            _env_file=None,
        )  # type: ignore[call-arg]


def test_keys_generate_prints_usable_keys(tmp_path):
    result = netra_cli("keys", "generate", env={"NETRA_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    settings = Settings(
        NETRA_ENV="production",
        NETRA_DATA_DIR=tmp_path,
        _env_file=None,  # type: ignore[call-arg]
        **lines,
    )
    assert load_keys(settings).identity.primary_id


def test_missing_key_in_production_raises_before_serving(tmp_path):
    settings = Settings(NETRA_DATA_DIR=tmp_path, _env_file=None)  # type: ignore[call-arg]
    object.__setattr__(settings, "environment", "production")
    with pytest.raises(KeyConfigError, match="NETRA_BLIND_INDEX_KEY"):
        load_keys(settings)
