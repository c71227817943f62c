"""`netra offices import` and `netra keys rotate` as an operator runs them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot import cli
from bot.config import get_settings
from storage.crypto import generate_key
from storage.models import Office
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter


@pytest.fixture
def operator_env(monkeypatch, settings, key_strings):
    monkeypatch.setenv("DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("NETRA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("NETRA_IDENTITY_KEYS", key_strings["identity_keys"])
    monkeypatch.setenv("NETRA_CONTENT_KEYS", key_strings["content_keys"])
    monkeypatch.setenv("NETRA_BLIND_INDEX_KEY", key_strings["blind_index_key"])
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_office_contacts_import(netra, operator_env, tmp_path, capsys):
    csv = tmp_path / "kontak.csv"
    csv.write_text(
        "code,telegram_chat_id,email\n52.06,-1001234567,bima@bawaslu.example\n"
        "RI,,pusat@bawaslu.example\n"
    )
    cli.main(["offices", "import", str(csv)])
    assert "updated contacts of 2 offices" in capsys.readouterr().out
    with netra.session() as session:
        bima = session.get(Office, "52.06")
        assert bima.telegram_chat_id == "-1001234567" and bima.email == "bima@bawaslu.example"


def test_office_import_with_a_bad_line_changes_nothing(netra, operator_env, tmp_path, capsys):
    csv = tmp_path / "kontak.csv"
    csv.write_text(
        "code,telegram_chat_id,email\n52.06,-100123,bima@bawaslu.example\n"
        "99.99,,x@y.example\n52.72,abc,kota@bima.example\n"
    )
    with pytest.raises(SystemExit):
        cli.main(["offices", "import", str(csv)])
    err = capsys.readouterr().err
    assert "line 3: unknown office code '99.99'" in err and "line 4" in err
    with netra.session() as session:
        assert session.get(Office, "52.06").telegram_chat_id is None
        assert len(session.exec(select(Office)).all()) == 553


def test_keys_rotate_command_then_old_key_removed(netra, operator_env, key_strings, keys, capsys):
    reporter = ScriptedReporter(netra, "cli-rotate")
    for answer in HAPPY_PATH:
        reporter.says(answer)
    new_identity, new_content = generate_key(), generate_key()
    operator_env.setenv("NETRA_IDENTITY_KEYS", f"{new_identity},{key_strings['identity_keys']}")
    operator_env.setenv("NETRA_CONTENT_KEYS", f"{new_content},{key_strings['content_keys']}")
    get_settings.cache_clear()
    try:
        cli.main(["keys", "rotate"])
        assert "re-encrypted" in capsys.readouterr().out
        operator_env.setenv("NETRA_IDENTITY_KEYS", new_identity)
        operator_env.setenv("NETRA_CONTENT_KEYS", new_content)
        get_settings.cache_clear()
        rotated = cli._netra(get_settings())
        again = ScriptedReporter(rotated, "cli-rotate")
        assert "Langkah 1/8" in again.says("/mulai") + again.says("setuju")
        rotated.db.dispose()
    finally:
        from storage.crypto import install_keys

        install_keys(keys)
