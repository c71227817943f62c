"""The conversation engine: one turn = one inbound message → state change + replies.

Every channel (local terminal and web chat, Telegram, WhatsApp) calls ``Engine.handle`` with a
platform-neutral ``Inbound``; the steps themselves live in ``handlers.report`` and
``handlers.status``. The engine owns what is common to every step: dedup of platform retries,
finding the reporter by blind index, commands (/mulai, /batal, /bantuan, /status, /bahasa),
idle expiry and resume, and saving state with a version check so two workers cannot both
write one reporter's draft.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from handlers.messages import t
from handlers.types import Choice, Inbound, Outcome, Reply
from storage import optout, outbox
from storage.crypto import BlindIndex, ReceiptHasher
from storage.db import ConcurrentUpdate
from storage.inbound import first_sightings
from storage.models import Conversation, Evidence, Reporter
from storage.regions import Region, RegionDirectory
from storage.rows import RowObjects
from storage.workflow import Windows

# A conversation saved with a version check: built once, Core on the table (no ORM bulk-update
# path on every turn).
_CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]
_SAVE = (
    update(_CONVERSATIONS)
    .where(
        _CONVERSATIONS.c.reporter_id == bindparam("rid"),
        _CONVERSATIONS.c.version == bindparam("seen"),
    )
    .values(
        step=bindparam("new_step"),
        state=bindparam("new_state", type_=_CONVERSATIONS.c.state.type),
        version=bindparam("new_version"),
        updated_at=bindparam("new_updated_at"),
    )
)

# A reporter and their conversation, locked (built once: composing it cost a tenth of a turn).
_LOAD = (
    select(Reporter, Conversation)
    .outerjoin(Conversation, col(Conversation.reporter_id) == col(Reporter.id))
    .where(col(Reporter.lookup) == bindparam("lookup"))
    .with_for_update(of=Reporter)  # type: ignore[arg-type]
)

# The same for a whole turn batch: one round trip, rows locked in id order (two batches
# locking the same reporters in different orders could deadlock).
_LOAD_MANY = (
    select(Reporter, Conversation)
    .outerjoin(Conversation, col(Conversation.reporter_id) == col(Reporter.id))
    .where(col(Reporter.lookup).in_(bindparam("lookups", expanding=True)))
    .order_by(col(Reporter.id))
    .with_for_update(of=Reporter)  # type: ignore[arg-type]
)
_REPORTERS = Reporter.__table__  # type: ignore[attr-defined]
_LOOKUP = cast(BlindIndex, _REPORTERS.c.lookup.type)

# A first message's reporter and a new conversation are one INSERT each on the connection,
# not objects flushed through the unit of work (storage/rows.py; together about 4 % of the
# server's CPU under bench chat, where every conversation starts in a new chat).
_NEW_REPORTER = insert(_REPORTERS).returning(_REPORTERS.c.id)
_NEW_CONVERSATION = insert(_CONVERSATIONS)
_REPORTER_ROWS = RowObjects(Reporter)

# Reporters and conversations loaded ahead for a batch, by plain lookup (channel:address);
# None for a lookup of the batch that had no reporter yet.
Preloaded = dict[str, tuple[Reporter, Conversation | None] | None]


@dataclass
class Prepared:
    """A turn batch's messages recorded and its reporters locked and loaded, in two statements
    for the whole batch (``Engine.prepare``). Each turn uses its entry once."""

    fresh: set[tuple[str, str]]  # (channel, platform id) recorded now, not yet handled
    reporters: Preloaded
    # Conversation saves of the batch's turns, in turn order, written together by ``finish``.
    saves: list[dict[str, Any]] = field(default_factory=list)


# A reporter's ``last_inbound_at`` is kept to this precision (see ``Engine._reporter``).
TOUCH_EVERY = timedelta(minutes=1)
STAY = "."  # a step answered fully itself (e.g. "evidence saved, send more"): no re-ask
DEFAULT_TZ = "Asia/Jakarta"

COMMANDS = {
    "mulai": "mulai",
    "start": "mulai",
    "lapor": "mulai",
    "batal": "batal",
    "cancel": "batal",
    "bantuan": "bantuan",
    "help": "bantuan",
    "status": "status",
    "cek": "status",
    "bahasa": "bahasa",
    "language": "bahasa",
    "lang": "bahasa",
    # Broadcast opt-out/in (handlers.subscribe). START stays "start a report" (see there).
    "berhenti": "berhenti",
    "stop": "berhenti",
    "unsubscribe": "berhenti",
    "langganan": "langganan",
    "subscribe": "langganan",
}


@dataclass(frozen=True)
class Policy:
    """Limits and windows, from configuration (Bawaslu's numbers may change per election)."""

    idle: timedelta = timedelta(minutes=30)
    draft_retention: timedelta = timedelta(days=7)
    reporting_window_days: int = 7
    learned_day_is_day_zero: bool = False
    processing_days: int = 3
    info_extension_days: int = 2
    operator_name: str = "Bawaslu RI melalui Netra"
    max_tickets_per_day: int = 5
    status_max_failures: int = 5
    status_lockout: timedelta = timedelta(minutes=60)
    description_max: int = 3000
    evidence_max_items: int = 10
    max_file_bytes: int = 20 * 1024 * 1024

    def windows(self) -> Windows:
        """The legal windows in the shape ``storage.workflow`` computes clocks from."""
        return Windows(
            reporting_days=self.reporting_window_days,
            processing_days=self.processing_days,
            info_extension_days=self.info_extension_days,
            learned_day_is_day_zero=self.learned_day_is_day_zero,
        )


@dataclass(frozen=True)
class Step:
    """A step: ``ask`` says the prompt; ``answer`` validates and names the next step.

    ``answer`` returns its own name to have the prompt re-asked (after saying what was wrong),
    ``STAY`` when it already replied in full, or ``None`` when the flow is finished.
    """

    name: str
    ask: Callable[[Turn], None]
    answer: Callable[[Turn, Inbound], str | None]
    group: str
    # Set for steps outside any draft (an officer's follow-up question, the identity lane):
    # they are never suspended for idleness, and /batal or /mulai call ``leave(turn, command)``
    # to end them and restore whatever the reporter was doing before.
    leave: Callable[[Turn, str], None] | None = None


@dataclass
class Turn:
    """What a step sees: the reporter's state and language, the clock, and where to reply."""

    session: Session
    engine: Engine
    reporter: Reporter
    step: str | None
    state: dict[str, Any]
    now: datetime
    replies: list[Reply] = field(default_factory=list)
    ticket_code: str | None = None
    # Set by an opt-out: once the replies are queued, the identity goes if no report needs it.
    forget_identity: bool = False

    @property
    def lang(self) -> str:
        return self.reporter.lang

    @property
    def policy(self) -> Policy:
        return self.engine.policy

    @property
    def regions(self) -> RegionDirectory:
        return self.engine.regions

    def text(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def say(
        self, key: str, *, choices: Sequence[Choice] = (), media: bool = False, **values: object
    ) -> None:
        self.replies.append(Reply(t(key, self.lang, **values), tuple(choices), media))

    def say_text(self, text: str, *, choices: Sequence[Choice] = (), media: bool = False) -> None:
        self.replies.append(Reply(text, tuple(choices), media))

    def choice(self, key: str, text_key: str) -> Choice:
        return Choice(key, t(text_key, self.lang))

    def region(self) -> Region | None:
        code = self.state.get("region_code")
        return self.regions.get(code) if code else None

    def today(self) -> date:
        """The reporter's calendar date where the incident happened (WIB, WITA or WIT)."""
        region = self.region()
        zone = ZoneInfo(region.timezone if region else DEFAULT_TZ)
        return self.now.astimezone(zone).date()


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s/@-]", " ", folded)).strip()


def pick(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The choice a reporter meant: its key (a tapped button), its number, or its label."""
    wanted = normalise(text)
    if not wanted:
        return None
    for c in choices:
        if wanted == normalise(c.key):
            return c
    if wanted.isdigit() and 1 <= int(wanted) <= len(choices):
        return choices[int(wanted) - 1]
    for c in choices:
        if wanted == normalise(c.label):
            return c
    return None


def parse_command(text: str) -> tuple[str, str] | None:
    """'/bahasa en' → ('bahasa', 'en'); '/start@NetraBot' → ('mulai', ''); bare 'BATAL' too."""
    stripped = text.strip()
    if not stripped or len(stripped) > 80:
        return None
    slash = stripped.startswith("/")
    word, _, arg = stripped.lstrip("/").partition(" ")
    word = word.split("@", 1)[0].casefold()
    name = COMMANDS.get(word)
    if name is None or (not slash and arg):
        return None  # a bare word counts only when it is the whole message
    return name, arg.strip()


class Engine:
    """Runs turns. Holds no per-reporter state: everything lives in the database."""

    def __init__(
        self,
        *,
        regions: RegionDirectory,
        policy: Policy | None = None,
        receipts: ReceiptHasher | None = None,
        locate: Callable[[float, float], Region | None] | None = None,
    ) -> None:
        from handlers import details, followup, identity, report, status, subscribe

        self.regions = regions
        self.policy = policy or Policy()
        self.receipts = receipts or ReceiptHasher()
        self.locate = locate
        self.steps: dict[str, Step] = {
            s.name: s
            for s in (
                *report.STEPS,
                *details.STEPS,
                *status.STEPS,
                *followup.STEPS,
                *identity.STEPS,
                *subscribe.STEPS,
            )
        }

    # --- one turn ------------------------------------------------------------------------

    def handle(
        self,
        session: Session,
        message: Inbound,
        now: datetime,
        *,
        outbox_transport: str | None = None,
        prepared: Prepared | None = None,
    ) -> Outcome:
        """Process one message inside the caller's transaction (the caller commits).

        With ``outbox_transport`` the replies are also written to the outbox in the same
        transaction, so a reply exists if and only if its turn was committed. ``prepared``:
        the batch this turn belongs to (``prepare``).
        """
        if message.message_id is not None and self._seen(session, message, now, prepared):
            return Outcome(duplicate=True)
        reporter, conversation = self._reporter(session, message, now, prepared)
        turn = Turn(
            session=session,
            engine=self,
            reporter=reporter,
            step=conversation.step if conversation else None,
            state=dict(conversation.state) if conversation else {},
            now=now,
        )
        self._run(turn, message, conversation)
        # An opt-out decides from the draft it leaves whether to forget the person: saved now.
        self._save(session, turn, conversation, None if turn.forget_identity else prepared)
        forgotten, lang, reporter_id = False, reporter.lang, reporter.id
        if outbox_transport is not None:
            for reply in turn.replies:
                outbox.enqueue(
                    session,
                    transport=outbox_transport,
                    address=message.address,
                    payload=reply.to_payload(),
                    now=now,
                    reporter_id=reporter.id,
                    reply=True,
                )
            # Only where replies travel in the outbox: the web chat's reply is the HTTP answer,
            # written to the transcript under the reporter (its retention job forgets it).
            if turn.forget_identity:
                forgotten = optout.forget_subscriber(session, reporter)
        return Outcome(
            replies=turn.replies,
            reporter_id=None if forgotten else reporter_id,
            lang=lang,
            ticket_code=turn.ticket_code,
        )

    def prepare(self, session: Session, messages: list[Inbound], now: datetime) -> Prepared:
        """Record a batch's platform ids and lock and load its reporters, one statement each
        instead of one per turn; pass the result to each of the batch's ``handle`` calls."""
        ids = [(m.channel, m.message_id) for m in messages if m.message_id is not None]
        fresh = first_sightings(session, ids, now)
        return Prepared(fresh, self._preload(session, messages))

    def finish(self, session: Session, prepared: Prepared) -> None:
        """Write a batch's conversation saves (``handle`` deferred them): one executemany
        instead of an UPDATE per turn, each still checked against the version its turn read."""
        saves, prepared.saves = prepared.saves, []
        if not saves:
            return
        result = session.connection().execute(_SAVE, saves)
        if result.rowcount != len(saves):
            raise ConcurrentUpdate("conversation changed by another worker")

    def _seen(
        self, session: Session, message: Inbound, now: datetime, prepared: Prepared | None
    ) -> bool:
        assert message.message_id is not None
        key = (message.channel, message.message_id)
        if prepared is None:
            return not first_sightings(session, [key], now)
        if key not in prepared.fresh:  # a platform retry, or its twin earlier in this batch
            return True
        prepared.fresh.discard(key)
        return False

    def _preload(self, session: Session, messages: list[Inbound]) -> Preloaded:
        """Lock and load the reporters (and conversations) of a batch's messages in one
        statement, instead of one per turn (None for those not known yet)."""
        lookups = {_lookup(m) for m in messages}
        if not lookups:
            return {}
        dialect = session.get_bind().dialect
        by_hash = {_LOOKUP.process_bind_param(lookup, dialect): lookup for lookup in lookups}
        rows = session.execute(_LOAD_MANY, {"lookups": list(lookups)}).all()
        found: Preloaded = dict.fromkeys(lookups)
        found.update((by_hash[r.lookup], (r, conversation)) for r, conversation in rows)
        return found

    def _reporter(
        self, session: Session, message: Inbound, now: datetime, prepared: Prepared | None
    ) -> tuple[Reporter, Conversation | None]:
        """The reporter (created on first contact) and their conversation, locked and loaded
        in one statement: one round trip instead of two on every turn. A batch's first turn
        of a reporter finds them in ``prepared``; a later turn of theirs in the same batch
        reads them again, after the batch's saves so far are written (a locking read
        refreshes the loaded objects from the rows)."""
        lookup = _lookup(message)
        # FOR UPDATE serialises one reporter's turns on PostgreSQL; on SQLite every turn
        # already holds the write lock (BEGIN IMMEDIATE).
        if prepared is not None and lookup in prepared.reporters:
            found = prepared.reporters.pop(lookup)
        else:
            if prepared is not None:
                self.finish(session, prepared)
            found = session.execute(_LOAD, {"lookup": lookup}).first()
        reporter, conversation = found if found is not None else (None, None)
        if reporter is None:
            return self._new_reporter(session, message, lookup, now), None
        # Only real changes are written: rewriting ``last_inbound_at`` on every turn was one
        # UPDATE (and a unit-of-work flush) per turn for a time its readers need to the minute
        # (the WhatsApp window keeps a 5-minute margin, retention counts days).
        last = reporter.last_inbound_at
        if now - (last if last.tzinfo else last.replace(tzinfo=UTC)) >= TOUCH_EVERY:
            reporter.last_inbound_at = now
        if reporter.unreachable:
            reporter.unreachable = False
        if message.profile_name and message.profile_name != reporter.profile_name:
            reporter.profile_name = message.profile_name
        return reporter, conversation

    def _new_reporter(
        self, session: Session, message: Inbound, lookup: str, now: datetime
    ) -> Reporter:
        values = _REPORTER_ROWS.complete(
            {
                "lookup": lookup,
                "channel": message.channel,
                "address": message.address,
                "profile_name": message.profile_name,
                "created_at": now,
                "last_inbound_at": now,
            }
        )
        # A concurrent first message of the same person loses here (unique lookup) and the
        # turn is retried, finding the winner's row.
        values["id"] = session.connection().execute(_NEW_REPORTER, values).scalar_one()
        # The object holds the stored hash, never the raw identifier: computed here as the
        # column type computed it for the INSERT.
        values["lookup"] = _LOOKUP.process_bind_param(lookup, session.get_bind().dialect)
        return _REPORTER_ROWS.loaded(session, values)

    def _save(
        self,
        session: Session,
        turn: Turn,
        conversation: Conversation | None,
        prepared: Prepared | None,
    ) -> None:
        """Write the turn's step and draft, checked against the version the turn read. In a
        batch (``prepared``) the UPDATE is queued for ``finish``, and the loaded object takes
        the saved values as committed, so the unit of work writes nothing itself. The batch's
        load locked the reporter, so the check cannot fail in between."""
        if conversation is None:
            session.connection().execute(
                _NEW_CONVERSATION,
                {
                    "reporter_id": turn.reporter.id,
                    "step": turn.step,
                    "state": turn.state,
                    "version": 1,
                    "updated_at": turn.now,
                },
            )
            return
        version = conversation.version + 1
        values = {
            "rid": conversation.reporter_id,
            "seen": conversation.version,
            "new_step": turn.step,
            "new_state": turn.state,
            "new_version": version,
            "new_updated_at": turn.now,
        }
        if prepared is not None:
            prepared.saves.append(values)
            for name, value in (
                ("step", turn.step),
                ("state", turn.state),
                ("version", version),
                ("updated_at", turn.now),
            ):
                set_committed_value(conversation, name, value)
            return
        session.flush()  # the reporter's own changes go first, as before
        if session.connection().execute(_SAVE, values).rowcount != 1:
            raise ConcurrentUpdate("conversation changed by another worker")
        session.expire(conversation)

    # --- dispatch ------------------------------------------------------------------------

    def _run(self, turn: Turn, message: Inbound, conversation: Conversation | None) -> None:
        text = message.text or ""
        command = parse_command(text) if not message.attachments else None
        if conversation is not None and turn.step is not None and not self.aside(turn.step):
            idle_for = turn.now - conversation.updated_at
            if idle_for > self.policy.draft_retention:
                self.discard_draft(turn)
                turn.say("draft_discarded", days=self.policy.draft_retention.days)
            elif turn.step != "resume" and idle_for > self.policy.idle:
                self.suspend(turn)
                turn.say("expired", minutes=int(self.policy.idle.total_seconds() // 60))
                if command is None:
                    self.ask(turn, "resume")
                    return
        if command is not None:
            self._command(turn, *command)
            return
        if message.refused_media is not None:
            key = {"too_large": "media_too_large", "unavailable": "media_unavailable"}.get(
                message.refused_media, "media_unsupported"
            )
            turn.say(key)
            if turn.step is not None:
                self.ask(turn, turn.step)
            return
        if turn.step is None:
            self.ask(turn, "consent")
            return
        step = self.steps[turn.step]
        self.advance(turn, step.name, step.answer(turn, message))

    def ask(self, turn: Turn, name: str) -> None:
        turn.step = name
        self.steps[name].ask(turn)

    def advance(self, turn: Turn, current: str, nxt: str | None) -> None:
        if nxt == STAY:
            return
        if nxt is None:
            turn.step = None
            return
        if nxt == current:
            self.ask(turn, current)
            return
        editing = turn.state.get("editing")
        if (
            editing
            and current not in ("edit_pick", "summary")
            and self.steps[nxt].group != self.steps[current].group
        ):
            nxt = "summary"
        self.ask(turn, nxt)

    def suspend(self, turn: Turn) -> None:
        if turn.step not in (None, "resume"):
            turn.state["resume_step"] = turn.step
            turn.step = "resume"

    def discard_draft(self, turn: Turn) -> None:
        """Forget the draft and delete its evidence: nothing of a cancelled report remains."""
        turn.session.execute(
            delete(Evidence).where(
                col(Evidence.reporter_id) == turn.reporter.id, col(Evidence.ticket_id).is_(None)
            )
        )
        turn.state.clear()
        turn.step = None

    def aside(self, name: str | None) -> bool:
        """True for steps outside any draft (see ``Step.leave``)."""
        step = self.steps.get(name or "")
        return step is not None and step.leave is not None

    def _command(self, turn: Turn, name: str, arg: str) -> None:
        aside = self.steps.get(turn.step or "")
        if aside is not None and aside.leave is not None and name in ("batal", "mulai"):
            aside.leave(turn, name)  # ends the aside and restores turn.step
            if name == "batal":
                return
        if name == "bantuan":
            turn.say("help")
            if turn.step is not None:
                self.ask(turn, turn.step)
        elif name == "batal":
            self._cancel(turn)
        elif name == "mulai":
            if turn.step in (None, "consent"):
                self.ask(turn, "consent")
            elif turn.step in ("status_code", "status_receipt", "language"):
                self.ask(turn, turn.state.pop("return_to", None) or "consent")
            else:
                self.suspend(turn)
                self.ask(turn, "resume")
        elif name == "bahasa":
            self._language(turn, arg)
        elif name == "status":
            from handlers.status import start_status

            start_status(turn, arg)
        elif name in ("berhenti", "langganan"):
            from handlers.subscribe import set_subscription

            set_subscription(turn, subscribed=name == "langganan")

    def _cancel(self, turn: Turn) -> None:
        if turn.step in ("status_code", "status_receipt", "language"):
            back = turn.state.pop("return_to", None)
            turn.state.pop("status_code", None)
            if back:
                self.ask(turn, back)
            else:
                turn.step = None
                turn.say("nothing_to_cancel")
            return
        if turn.step is None:
            turn.say("nothing_to_cancel")
            return
        self.discard_draft(turn)
        turn.say("cancelled")

    def _language(self, turn: Turn, arg: str) -> None:
        wanted = normalise(arg)[:2]
        if wanted in ("id", "in", "en"):
            self.set_language(turn, "en" if wanted == "en" else "id")
            if turn.step is not None:
                self.ask(turn, turn.step)
            return
        if turn.step not in ("language", "status_code", "status_receipt"):
            turn.state["return_to"] = turn.step
        self.ask(turn, "language")

    def set_language(self, turn: Turn, lang: str) -> None:
        turn.reporter.lang = lang
        turn.session.add(turn.reporter)
        turn.say("language_set")

    # --- jobs ----------------------------------------------------------------------------

    def expire_idle(self, session: Session, now: datetime) -> int:
        """Suspend conversations idle past the limit and tell their reporters (via outbox)."""
        cutoff = now - self.policy.idle
        rows = session.exec(
            select(Conversation, Reporter)
            .join(Reporter, col(Reporter.id) == Conversation.reporter_id)
            .where(
                col(Conversation.step).is_not(None),
                Conversation.step != "resume",
                col(Conversation.step).not_in([n for n in self.steps if self.aside(n)]),
                Conversation.updated_at < cutoff,
            )
        ).all()
        for conversation, reporter in rows:
            turn = Turn(session, self, reporter, conversation.step, dict(conversation.state), now)
            self.suspend(turn)
            # The resume step's own prompt, so the notice offers exactly what the step accepts;
            # folded into one message: one notification on the reporter's phone.
            self.ask(turn, "resume")
            prompt = turn.replies[-1]
            minutes = int(self.policy.idle.total_seconds() // 60)
            notice = t("expired", reporter.lang, minutes=minutes)
            reply = Reply(f"{notice}\n{prompt.text}", prompt.choices, prompt.accepts_media)
            result = session.execute(
                update(Conversation)
                .where(
                    col(Conversation.reporter_id) == conversation.reporter_id,
                    col(Conversation.version) == conversation.version,
                )
                .values(step=turn.step, state=turn.state, version=conversation.version + 1)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1 or reporter.unreachable:  # type: ignore[attr-defined]
                continue  # the reporter wrote meanwhile: not idle after all
            outbox.enqueue(
                session,
                transport=reporter.channel,
                address=reporter.address,
                payload=reply.to_payload(),
                now=now,
                reporter_id=reporter.id,
            )
        return len(rows)


def _lookup(message: Inbound) -> str:
    """The plain form of a reporter's blind-index lookup (the column stores its keyed hash)."""
    return f"{message.channel}:{message.address}"
