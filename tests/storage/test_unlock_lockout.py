"""Passphrase guesses on an office key are counted before the slow KDF, even in parallel."""

from __future__ import annotations

import threading

from sqlmodel import Session, func, select

from bot.runtime import Netra, utcnow
from storage.identity import REVEAL_MAX_FAILURES, REVEAL_OFFICE_MAX_FAILURES, reveal_identity
from storage.models import Officer, Ticket, UnlockAttempt
from tests.fakes.identity import OFFICE, give_office_key
from tests.storage.test_sealed_identity import _officer, file_with_identity

REASON = "Verifikasi syarat formal laporan"


def _guess_in_parallel(netra: Netra, officers: list[Officer], per_officer: int) -> list[str]:
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(officers) * per_officer)

    def guess(officer: Officer) -> None:
        start.wait()
        with Session(netra.db, expire_on_commit=False) as session:
            ticket = session.exec(select(Ticket)).one()
            result = reveal_identity(
                session,
                ticket=ticket,
                officer=officer,
                passphrase="tebakan yang salah sekali",
                reason_category="lainnya",
                reason=REASON,
                now=utcnow(),
            )
            session.commit()
        with lock:
            outcomes.append(result.reason)

    threads = [
        threading.Thread(target=guess, args=(o,)) for o in officers for _ in range(per_officer)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_sixteen_parallel_wrong_passphrases_check_only_five(netra):
    give_office_key(netra)
    file_with_identity(netra)
    officer = _officer(netra, "petugas.paralel", OFFICE)
    outcomes = _guess_in_parallel(netra, [officer], 16)
    assert outcomes.count("wrong_passphrase") == REVEAL_MAX_FAILURES
    assert outcomes.count("locked") == 16 - REVEAL_MAX_FAILURES
    with netra.session() as session:
        tries = session.exec(select(func.count()).select_from(UnlockAttempt)).one()
    assert tries == REVEAL_MAX_FAILURES  # a locked-out guess never reached the KDF


def test_guesses_are_also_counted_per_office_key(netra):
    """Several officers of one office cannot pool their allowances against its key."""
    give_office_key(netra)
    file_with_identity(netra)
    officers = [_officer(netra, f"petugas.{i}", OFFICE) for i in range(4)]
    outcomes = _guess_in_parallel(netra, officers, REVEAL_MAX_FAILURES)
    assert outcomes.count("wrong_passphrase") == REVEAL_OFFICE_MAX_FAILURES
