"""The persistent outbox: messages are written with their cause and sent after commit.

Senders claim rows with a conditional UPDATE (a lease), so two processes never send the same
row at once, and a row whose sender died is claimed again when its lease runs out. A reporter's
messages go out in order: a sender claims a reporter's pending rows together, oldest first, and
never a row while an earlier one of the same reporter is leased to someone else or waiting for
a retry (so a two-reply turn goes out in one sender cycle, in order).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.bulk import BulkInsert
from storage.models import OutboxMessage
from storage.rows import RowObjects

# Short: a sender records each delivery within moments, so a lease only has to outlast one send
# (10 s read timeout) and the recording's retries; a dead sender's rows go out again sooner.
LEASE = timedelta(seconds=30)
MAX_ERROR_CHARS = 300
# Real failures (not 429s) before a row is given up as failed: ~2 hours of backoff in all.
MAX_ATTEMPTS = 12
# ``session.info`` key set by a caller that will send the replies itself once it committed
# (``bot.turns``): a ``HandOff``. Its replies are inserted already leased to that process, so no
# claim is needed; if the process dies first, the lease runs out and any sender claims them.
HAND_OFF = "outbox_hand_off"


class HandOff:
    """The transports the committing process sends itself, and every row queued meanwhile.

    Rows queued under a hand-off are not added to the ORM session one by one: ``write_queued``
    inserts them together in one statement before the batch commits (or before anything in the
    batch reads the outbox). The unit of work's per-turn flush of one or two rows was about a
    fifth of a turn's CPU.
    """

    def __init__(self, transports: frozenset[str]) -> None:
        self.transports = transports
        self.rows: list[OutboxMessage] = []
        self.unwritten: list[OutboxMessage] = []


# In the payload of a reply to a person forgotten when they opted out: their language and last
# message time, which a transport would otherwise read from the reporter row.
FORGOTTEN_RECIPIENT = "recipient"


def enqueue(
    session: Session,
    *,
    transport: str,
    address: str,
    payload: dict[str, Any],
    now: datetime,
    reporter_id: int | None = None,
    reply: bool = False,
) -> OutboxMessage:
    """Queue one message. ``reply``: it answers the reporter's own message and goes out at
    once; otherwise it is bulk (notification, follow-up, broadcast) under the shared budget."""
    hand_off: HandOff | None = session.info.get(HAND_OFF)
    values: dict[str, Any] = {
        "transport": transport,
        "reporter_id": reporter_id,
        "address": address,
        "payload": payload,
        "next_attempt_at": now,
        "created_at": now,
        "reply": reply,
        "claimed_until": None,
    }
    if hand_off is None:
        message = OutboxMessage(**values)
        session.add(message)
        return message
    if reply and transport in hand_off.transports:
        values["claimed_until"] = now + LEASE
    # Built as the ORM builds a row it loads (storage/rows.py): it only carries values to one
    # INSERT (write_queued) and then joins the session as a loaded row.
    message = _ROWS.build(values)
    hand_off.rows.append(message)
    hand_off.unwritten.append(message)
    return message


_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]
_COLUMNS = tuple(c.name for c in _TABLE.columns if c.name != "id")
_ROWS = RowObjects(OutboxMessage)
_INSERT = BulkInsert(_TABLE, _COLUMNS)


def write_queued(session: Session) -> None:
    """Insert the rows queued under the session's hand-off, in order, in one statement.

    Each row gets its id and joins the session as if loaded, so a later query in the same
    transaction (an opt-out detaching its replies) finds and changes these very objects.
    """
    hand_off: HandOff | None = session.info.get(HAND_OFF)
    if hand_off is None or not hand_off.unwritten:
        return
    rows, hand_off.unwritten = hand_off.unwritten, []
    session.flush()  # the reporters and tickets they point at go first
    values = [{name: getattr(m, name) for name in _COLUMNS} for m in rows]
    ids = _INSERT.ids(session.connection(), values)
    for m, row_id in zip(rows, ids, strict=True):
        m.id = row_id
        _ROWS.attach(session, m)


def keep_order(session: Session, rows: list[OutboxMessage], mine: frozenset[int]) -> None:
    """Give the poller back the handed-off rows of any reporter who has other pending rows
    (a retry waiting, a bulk notice queued), except rows this process is sending itself
    (``mine``, sent before them in order): a reply must never overtake an earlier message."""
    write_queued(session)
    leased = [m for m in rows if m.claimed_until is not None and m.reporter_id is not None]
    if not leased:
        return
    session.flush()
    # The ids to leave out are matched here, not in SQL: ``mine`` holds every row in flight
    # in this process (hundreds under load), and a NOT IN of that length made each batch's
    # statement a new one to parse and plan.
    new = {m.id for m in rows}
    pending = session.exec(
        select(OutboxMessage.reporter_id, OutboxMessage.id).where(
            col(OutboxMessage.reporter_id).in_({m.reporter_id for m in leased}),
            OutboxMessage.status == "pending",
        )
    )
    waiting = {reporter for reporter, id_ in pending if id_ not in new and id_ not in mine}
    given_back = [m for m in leased if m.reporter_id in waiting]
    release(session, [m.id for m in given_back if m.id is not None])
    for m in given_back:
        m.claimed_until = None


def claim(
    session: Session,
    *,
    transport: str,
    now: datetime,
    limit: int = 50,
    reporter_id: int | None = None,
    lease: timedelta = LEASE,
) -> list[OutboxMessage]:
    """Claim due messages of one transport, in id order; the caller commits, sends each
    reporter's rows in order, then records each one.

    A row is claimable when no earlier pending row of its reporter is out of reach (leased to
    another sender, waiting for a retry, or on another transport), so a reporter's rows are
    claimed together and a later row never overtakes an earlier one.
    """
    earlier = aliased(OutboxMessage)
    blocked_by_earlier = exists().where(
        col(earlier.reporter_id) == col(OutboxMessage.reporter_id),
        col(earlier.status) == "pending",
        col(earlier.id) < col(OutboxMessage.id),
        or_(
            col(earlier.next_attempt_at) > now,
            col(earlier.claimed_until) >= now,
            col(earlier.transport) != transport,
        ),
    )
    query = (
        select(OutboxMessage.id, OutboxMessage.reporter_id)
        .where(
            OutboxMessage.transport == transport,
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
            or_(col(OutboxMessage.reporter_id).is_(None), ~blocked_by_earlier),
        )
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    if reporter_id is not None:
        query = query.where(OutboxMessage.reporter_id == reporter_id)
    candidates = list(session.exec(query))
    if not candidates:
        return []
    # One conditional UPDATE takes the leases: a row another sender claimed since we looked
    # no longer matches, so each message has exactly one sender.
    taken = session.execute(
        update(OutboxMessage)
        .where(
            and_(
                col(OutboxMessage.id).in_([c[0] for c in candidates]),
                col(OutboxMessage.status) == "pending",
                or_(
                    col(OutboxMessage.claimed_until).is_(None),
                    col(OutboxMessage.claimed_until) < now,
                ),
            )
        )
        .values(claimed_until=now + lease)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    got = {m.id: m for m in taken.scalars().all()}
    # A reporter's rows after one another sender took meanwhile must wait for it: give back.
    kept: list[OutboxMessage] = []
    gap: set[int | None] = set()
    for row_id, owner in candidates:
        message = got.get(row_id)
        if owner is not None and (message is None or owner in gap):
            gap.add(owner)
            if message is not None and row_id is not None:
                release(session, [row_id])
            continue
        if message is not None:
            kept.append(message)
    return kept


def release(session: Session, ids: list[int]) -> None:
    """Give claimed rows back unchanged (not sent, no attempt counted): claimable at once."""
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids))
            .values(claimed_until=None)
            .execution_options(synchronize_session=False)
        )


def mark_sent(session: Session, message: OutboxMessage, now: datetime) -> None:
    message.status = "sent"
    message.sent_at = now
    message.claimed_until = None
    message.attempts += 1
    session.add(message)
    if is_forgotten(message):
        session.delete(message)


def mark_all_sent(session: Session, ids: list[int], now: datetime) -> None:
    """Record a batch of deliveries in one statement (the sender's common case); the rows
    without a reporter it returns (as they are now: an opt-out may have detached a reply in
    flight) are the only ones that may be a forgotten person's."""
    if not ids:
        return
    sent = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids))
        .values(
            status="sent",
            sent_at=now,
            claimed_until=None,
            attempts=col(OutboxMessage.attempts) + 1,
        )
        .returning(col(OutboxMessage.id), col(OutboxMessage.reporter_id))
        .execution_options(synchronize_session=False)
    ).all()
    reporterless = [row_id for row_id, reporter_id in sent if reporter_id is None]
    if reporterless:
        purge_forgotten(session, reporterless)


def is_forgotten(message: OutboxMessage) -> bool:
    """A reply to a person forgotten when they opted out (``storage.optout``): it holds the
    only copy of their address, so it goes as soon as it is sent or given up, not on the
    sent-rows schedule."""
    return message.reporter_id is None and FORGOTTEN_RECIPIENT in message.payload


def purge_forgotten(session: Session, ids: list[int]) -> None:
    """Delete, among ``ids`` just recorded, the replies to a forgotten person.

    The mark is inside the encrypted payload, so only rows without a reporter (never a
    reporter's own reply or notice) are read to look for it.
    """
    candidates = session.exec(
        select(OutboxMessage.id, OutboxMessage.payload).where(
            col(OutboxMessage.id).in_(ids), col(OutboxMessage.reporter_id).is_(None)
        )
    ).all()
    doomed = [i for i, payload in candidates if FORGOTTEN_RECIPIENT in payload]
    if doomed:
        session.execute(
            delete(OutboxMessage)
            .where(col(OutboxMessage.id).in_(doomed))
            .execution_options(synchronize_session=False)
        )


def mark_retry(
    session: Session,
    message: OutboxMessage,
    now: datetime,
    error: str,
    delay: timedelta,
    *,
    counted: bool = True,
) -> None:
    """A transient failure: try again after ``delay`` (the caller's backoff or retry_after).

    ``counted`` False for a rate limit (429): the platform said "later", not "failed", so it
    neither lengthens the backoff nor brings the row closer to ``MAX_ATTEMPTS``.
    """
    if counted:
        message.attempts += 1
    message.last_error = error[:MAX_ERROR_CHARS]
    message.next_attempt_at = now + delay
    message.claimed_until = None
    session.add(message)


def mark_failed(
    session: Session, message: OutboxMessage, error: str, status: str = "failed"
) -> None:
    """A permanent failure (blocked, opted out) or a held message: never retried by the sender."""
    message.attempts += 1
    message.status = status
    message.last_error = error[:MAX_ERROR_CHARS]
    message.claimed_until = None
    session.add(message)
    if is_forgotten(message):
        session.delete(message)


def backoff(attempts: int, base: float = 2.0, cap: float = 900.0) -> timedelta:
    """Exponential backoff: 2 s, 4 s, 8 s … up to 15 minutes."""
    return timedelta(seconds=min(cap, base ** max(1, attempts)))


def release_held(session: Session, *, transport: str, reporter_id: int, now: datetime) -> int:
    """Make a reporter's held messages sendable again (their WhatsApp window just reopened)."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.transport) == transport,
            col(OutboxMessage.reporter_id) == reporter_id,
            col(OutboxMessage.status) == "held",
        )
        .values(status="pending", next_attempt_at=now, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
