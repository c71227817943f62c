"""R5: key rotation while reporters converse — every row decrypts, no turn is lost.

Rotation rewrites rows that running turns are writing at the same moment. Each of its writes
is conditional on the value it read, so a turn that committed in between is never replaced by
the stale copy (before, a draft lost its region and the submission failed forever).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, func, select

from storage.crypto import KeyRing, Keys, generate_key, install_keys, parse_key
from storage.models import Ticket, metadata
from storage.rotation import pending, rotate
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

REPORTERS = int(os.environ.get("NETRA_R5_REPORTERS", "100"))
SPLIT = 7  # turns taken under the old keys; the rest run during the rotation


def _with_new_key(ring: KeyRing) -> tuple[KeyRing, KeyRing]:
    fresh = parse_key(generate_key(), "new")
    return KeyRing([fresh, *ring.raw_keys]), KeyRing([fresh])


def test_rotation_while_reporters_converse(netra, keys):
    reporters = [ScriptedReporter(netra, f"r5-{i}") for i in range(REPORTERS)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda r: [r.send(text) for text in HAPPY_PATH[:SPLIT]], reporters))

    identity, identity_only_new = _with_new_key(keys.identity)
    content, content_only_new = _with_new_key(keys.content)
    rotated = Keys(identity=identity, content=content, blind=keys.blind)
    install_keys(rotated)
    try:
        finished = threading.Event()
        passes = []

        def keep_rotating() -> None:
            while not finished.is_set():
                passes.append(rotate(netra.db, rotated, batch=7))
                time.sleep(0.01)

        rotator = threading.Thread(target=keep_rotating)
        rotator.start()
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda r: [r.send(text) for text in HAPPY_PATH[SPLIT:]], reporters))
        finished.set()
        rotator.join()
        final = rotate(netra.db, rotated, batch=50)
        elapsed = time.monotonic() - started
        print(
            f"\nR5: {REPORTERS} reporters, {len(HAPPY_PATH) - SPLIT} turns each during "
            f"{len(passes)} rotation passes in {elapsed:.1f}s; rewritten "
            f"{sum(p.rewritten for p in passes) + final.rewritten}, skipped as concurrently "
            f"rewritten {sum(p.skipped_concurrent for p in passes) + final.skipped_concurrent}"
        )
        assert pending(netra.db, rotated) == 0
        assert final.unreadable == 0
    finally:
        install_keys(keys)

    # Every encrypted value opens under the new keys alone: nothing was left under the old.
    install_keys(Keys(identity=identity_only_new, content=content_only_new, blind=keys.blind))
    try:
        with Session(netra.db) as session:
            for table in metadata.sorted_tables:
                session.execute(table.select()).all()  # decrypts every encrypted column
            tickets = session.exec(select(func.count()).select_from(Ticket)).one()
    finally:
        install_keys(keys)
    assert tickets == REPORTERS, "a turn was lost: not every reporter's report was filed"
    assert all(len(r.transcript) >= len(HAPPY_PATH) for r in reporters)


def test_rotation_never_writes_back_a_copy_a_turn_replaced(netra, keys):
    """The exact race of the fault campaign: read, a turn commits, then rotation writes."""
    from storage.rotation import _read_batch, _reencrypt, _targets, _write_batch

    reporter = ScriptedReporter(netra, "r5-race")
    for text in HAPPY_PATH[:7]:  # up to the region
        reporter.send(text)
    identity, _ = _with_new_key(keys.identity)
    content, _ = _with_new_key(keys.content)
    rotated = Keys(identity=identity, content=content, blind=keys.blind)
    install_keys(rotated)
    try:
        target = next(t for t in _targets(rotated) if t.column.name == "state")
        with netra.db.begin() as conn:
            changes, _ = _reencrypt(target, _read_batch(conn, target, None, 100))
        assert changes
        reporter.send(HAPPY_PATH[7])  # the turn commits between rotation's read and write
        with netra.db.begin() as conn:
            assert _write_batch(conn, target, changes) == 0
        assert reporter.draft().get("incident_date"), "the turn's answer survived"
        for text in HAPPY_PATH[8:]:
            reporter.send(text)
        with Session(netra.db) as session:
            assert session.exec(select(func.count()).select_from(Ticket)).one() == 1
    finally:
        install_keys(keys)
