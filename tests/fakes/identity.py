"""The formal-identity lane's test data: an office key, a reporter's identity, a submission."""

from __future__ import annotations

from bot.runtime import Netra, utcnow
from storage.identity import create_office_key
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

PASSPHRASE = "kunci kantor bima 2024"
NAME = "Siti Rahmawati Ujicoba"
NIK = "5206014507900003"
ADDRESS = "Jl. Melati No. 12 RT 03 RW 04, Desa Sape, Kabupaten Bima"
PHONE = "0812 3456 7891"
OFFICE = "52.06"  # Bawaslu Kabupaten Bima, where HAPPY_PATH's report goes


def give_office_key(netra: Netra, office: str = OFFICE, passphrase: str = PASSPHRASE) -> None:
    with netra.session() as session:
        # A small scrypt cost keeps tests fast; production keys use the default (2^17).
        create_office_key(session, office, passphrase, now=utcnow(), scrypt_log_n=12)
        session.commit()


def submit(reporter: ScriptedReporter) -> str:
    out = ""
    for answer in HAPPY_PATH:
        out = reporter.says(answer)
    return out


def submit_with_identity(reporter: ScriptedReporter) -> None:
    """File HAPPY_PATH's report and attach the formal identity, sealed to the office."""
    submit(reporter)
    reporter.says("Ya, lampirkan identitas")
    for value in (NAME, NIK, ADDRESS, PHONE, "segel"):
        reporter.says(value)
