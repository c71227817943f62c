"""`netra digest preview`, `netra digest send` (audited) and e-mail lists through
`netra offices import`, as an operator runs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot import cli
from bot.config import Settings, get_settings
from bot.runtime import Netra
from storage.models import AuditLog, DigestRun, Office, OutboxMessage
from tests.digest.conftest import SECRETS, at, make_ticket


@pytest.fixture
def operator_env(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, key_strings: dict[str, str]
) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("NETRA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("NETRA_IDENTITY_KEYS", key_strings["identity_keys"])
    monkeypatch.setenv("NETRA_CONTENT_KEYS", key_strings["content_keys"])
    monkeypatch.setenv("NETRA_BLIND_INDEX_KEY", key_strings["blind_index_key"])
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_preview_import_and_send(
    netra: Netra, operator_env: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    with netra.session() as session:
        ticket = make_ticket(session, office="52.06", created_at=at("2024-10-09T20:00:00"))
        session.commit()
    cli.main(["digest", "preview", "52.06", "--date", "2024-10-10"])
    out = capsys.readouterr().out
    assert "Bawaslu Kabupaten Bima" in out and ticket.code in out
    assert not any(secret in out for secret in SECRETS.values())
    cli.main(["digest", "preview", "52.06", "--date", "2024-10-11"])
    assert "Tidak ada laporan baru" in capsys.readouterr().out

    csv = tmp_path / "kontak.csv"
    csv.write_text('code,telegram_chat_id,email\n52.06,,"pp@bima.example; ketua@bima.example"\n')
    cli.main(["offices", "import", str(csv)])
    with netra.session() as session:
        bima = session.get(Office, "52.06")
        assert bima is not None and bima.email == "pp@bima.example, ketua@bima.example"

    cli.main(["digest", "send", "52.06", "--date", "2024-10-10"])
    assert "queued for email (attempt 0)" in capsys.readouterr().out
    cli.main(["digest", "send", "52.06", "--date", "2024-10-10"])
    assert "attempt 1" in capsys.readouterr().out
    with netra.session() as session:
        runs = session.exec(select(DigestRun)).all()
        assert [(r.channel, r.attempt) for r in runs] == [("email", 0), ("email", 1)]
        (mail, _) = session.exec(select(OutboxMessage)).all()
        assert mail.address == "pp@bima.example,ketua@bima.example"
        assert ticket.code in mail.payload["text"]
        audits = session.exec(select(AuditLog).where(AuditLog.action == "digest_resend")).all()
        assert len(audits) == 2 and audits[0].office_code == "52.06"
