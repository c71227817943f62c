"""Evidence downloads from Telegram: only ever from the configured Bot API, never a local file."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram.error import BadRequest

from bot.channels.telegram import TelegramTransport, safe_file_path
from tests.fakes.telegram_api import FakeBotAPI

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        yield api


def _download(fake: FakeBotAPI, file_id: str, max_bytes: int = 1024) -> bytes:
    async def run() -> bytes:
        transport = TelegramTransport(fake.token, fake.base_url)
        try:
            return await transport.download(file_id, max_bytes=max_bytes)
        finally:
            await transport.close()

    return asyncio.run(run())


@pytest.mark.parametrize(
    "hostile",
    [
        "/proc/self/environ",
        "{local}",
        "../../etc/passwd",
        "docs/../../x",
        "file:///etc/passwd",
        "http://169.254.169.254/latest",
        "C:\\keys.json",
        "docs/%2e%2e/x",
        "docs//x",
    ],
)
def test_get_file_answer_naming_a_local_file_is_refused(fake, tmp_path: Path, hostile: str):
    """PTB would read an existing local path as the file: the keys would become evidence."""
    secret = tmp_path / "dev-keys.json"
    secret.write_text('{"identity_keys": "TOP-SECRET"}')
    path = hostile.replace("{local}", str(secret))
    file_id = fake.add_file(b"never served", path=path)
    with pytest.raises(BadRequest):
        _download(fake, file_id)
    assert not fake.attempts("download")


def test_normal_file_is_fetched_from_the_configured_base(fake):
    file_id = fake.add_file(b"\xff\xd8 photo bytes", path="photos/file_1.jpg")
    assert _download(fake, file_id) == b"\xff\xd8 photo bytes"
    assert [c.params["path"] for c in fake.attempts("download")] == ["photos/file_1.jpg"]


def test_file_larger_than_announced_is_cut_off_at_the_cap(fake):
    """getFile may under-state the size: the stream itself stops at the cap."""
    file_id = fake.add_file(b"x" * 5000, size=10, path="documents/file_2.pdf")
    with pytest.raises(BadRequest, match="too big"):
        _download(fake, file_id, max_bytes=1024)


def test_safe_file_path_accepts_telegram_paths():
    assert safe_file_path("photos/file_0.jpg")
    assert safe_file_path("voice/file_12.oga")
    assert not safe_file_path("")
