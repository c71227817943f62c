"""The formal-identity lane after submission: offered, validated, sealed, or declined."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.runtime import Netra, utcnow
from handlers.identity import valid_nik, valid_phone
from storage.identity import open_identity
from storage.models import SealedIdentity, Ticket
from storage.sealing import WrongPassphrase
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


def sealed_rows(netra: Netra) -> list[SealedIdentity]:
    with netra.session() as session:
        return list(session.exec(select(SealedIdentity)))


def test_office_without_key_is_said_plainly_and_nothing_is_asked(netra):
    reporter = ScriptedReporter(netra, "lane-nokey")
    out = submit(reporter)
    assert "Kode laporan:" in out
    assert "belum dapat menerima identitas tersegel" in out
    assert reporter.step() is None


def test_reporter_seals_identity_that_only_the_passphrase_opens(netra):
    give_office_key(netra)
    reporter = ScriptedReporter(netra, "lane-yes")
    offer = submit(reporter)
    assert "Lampirkan identitas untuk laporan resmi?" in offer
    assert "Bawaslu Kabupaten Bima" in offer
    reporter.says("Ya, lampirkan identitas")
    replies = [reporter.says(v) for v in (NAME, NIK, ADDRESS, PHONE)]
    for reply in replies:  # Netra never repeats what was typed
        for value in (NAME, NIK, ADDRESS, "81234567891"):
            assert value not in reply
    done = reporter.says("segel")
    assert "sudah disegel" in done
    assert reporter.step() is None

    [row] = sealed_rows(netra)
    assert row.office_code == OFFICE
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        identity = open_identity(session, ticket, PASSPHRASE)
        assert (identity.name, identity.nik, identity.address) == (NAME, NIK, ADDRESS)
        assert identity.phone == "081234567891"
        with pytest.raises(WrongPassphrase):
            open_identity(session, ticket, "bukan kata sandinya")


def test_invalid_nik_and_phone_are_asked_again(netra):
    give_office_key(netra)
    reporter = ScriptedReporter(netra, "lane-bad")
    submit(reporter)
    reporter.says("ya, lampirkan identitas")
    reporter.says(NAME)
    assert "16 angka" in reporter.says("1234")
    assert "16 angka" in reporter.says("5206019907900003")  # month 90 is no date
    assert reporter.step() == "identity_nik"
    reporter.says(NIK)
    reporter.says(ADDRESS)
    assert "tidak terbaca" in reporter.says("telepon saya")
    assert reporter.step() == "identity_phone"


def test_declining_keeps_the_anonymous_tip(netra):
    give_office_key(netra)
    reporter = ScriptedReporter(netra, "lane-no")
    submit(reporter)
    assert "tetap anonim" in reporter.says("tidak")
    assert reporter.step() is None
    assert sealed_rows(netra) == []


def test_batal_midway_keeps_nothing_and_does_not_cancel_the_report(netra):
    give_office_key(netra)
    reporter = ScriptedReporter(netra, "lane-batal")
    submit(reporter)
    reporter.says("Ya, lampirkan identitas")
    reporter.says(NAME)
    out = reporter.says("/batal")
    assert "tetap anonim" in out and "dibatalkan" not in out
    assert reporter.step() is None
    assert sealed_rows(netra) == []
    with netra.session() as session:
        assert session.exec(select(Ticket)).one()  # the submitted report is still there


def test_lane_left_idle_is_dropped_and_late_input_is_not_kept(netra):
    give_office_key(netra)
    reporter = ScriptedReporter(netra, "lane-idle")
    submit(reporter)
    reporter.says("Ya, lampirkan identitas")
    reporter.says(NAME)
    out = reporter.send(NIK, at=utcnow() + timedelta(hours=2))
    assert "dihentikan" in "\n".join(r.text for r in out)
    assert reporter.step() == "consent"
    assert sealed_rows(netra) == []


def test_english_reporter_gets_the_offer_in_english(netra):
    give_office_key(netra)
    reporter = ScriptedReporter(netra, "lane-en")
    reporter.says("/bahasa en")
    out = submit(reporter)
    assert "Attach your identity for a formal report?" in out


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("5206014507900003", True),
        ("5206 0145 0790 0003", True),
        ("3174-0112-0385-0001", True),
        ("520601450790000", False),  # 15 digits
        ("0006014507900003", False),  # province 00
        ("5206013207900003", False),  # day 32
        ("5206011513900003", False),  # month 13
        ("5206011507900000", False),  # serial 0000
    ],
)
def test_nik_validation(text, ok):
    assert (valid_nik(text) is not None) is ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0812-3456-7891", "081234567891"),
        ("+62 812 3456 7891", "+6281234567891"),
        ("6281234567891", "6281234567891"),
        ("12345", None),
        ("nomor saya", None),
        ("912345678", None),
    ],
)
def test_phone_validation(text, expected):
    assert valid_phone(text) == expected
