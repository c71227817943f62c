"""Anonymous follow-up: an officer's question reaches the reporter, the answer reaches the ticket.

``relay_question`` (called by the dashboard) records the question on the ticket's timeline,
starts the processing clock's +2 days, and puts the reporter's conversation into the
``followup_answer`` step, remembering where they were (a draft step, /status, nothing). The
question goes out through the outbox on the reporter's own channel; the reporter's channel and
address are read only here and go straight into the encrypted outbox row, so the officer
never learns who the reporter is.

The reporter's next messages (text, files, links) are stored on the ticket as ``answer``
events until they choose "Selesai" (or stay silent past the idle limit); /batal skips the
question. Questions that arrive while one is open wait in a queue and are asked in turn. Then
the reporter is put back where they were, draft intact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from handlers.dates import format_day
from handlers.engine import STAY, Step, Turn, normalise
from handlers.evidence import file_attachment, file_link
from handlers.messages import t
from handlers.report import URL
from handlers.types import Choice, Inbound, Reply
from storage import outbox
from storage.db import ConcurrentUpdate
from storage.models import Conversation, Office, Reporter, Ticket, TicketEvent
from storage.workflow import Windows, extension_granted, processing_due

log = logging.getLogger(__name__)

STEP = "followup_answer"
QUESTION_MAX = 1000
QUESTION_MIN = 5
# Steps that themselves return somewhere (``return_to``): go back there, not to them.
_RETURNING = ("status_code", "status_receipt", "language")
_KEYS = ("followup_queue", "followup_return", "followup_answered_at", "followup_items")


class FollowupError(ValueError):
    """The question cannot be sent as written; the message is safe to show to the officer."""


@dataclass(frozen=True)
class RelayResult:
    """``sent``: on its way; ``queued``: the reporter is answering an earlier question first;
    ``unreachable``: the reporter can no longer be reached (recorded on the timeline anyway)."""

    status: str
    event: TicketEvent


def question_reply(
    lang: str, code: str, question: str, *, draft: bool, answer_by: str | None = None
) -> Reply:
    text = t("followup_question", lang, code=code, question=question)
    if answer_by:
        text += "\n\n" + t("followup_answer_by", lang, date=answer_by)
    if draft:
        text += "\n\n" + t("followup_draft_kept", lang)
    return Reply(text, (Choice("lewati", t("choice_skip_question", lang)),), accepts_media=True)


def answer_by(session: Session, ticket: Ticket, windows: Windows, lang: str) -> str:
    """The last day an answer still helps: the end of the ticket's processing window."""
    office = session.get(Office, ticket.office_code)
    zone = ZoneInfo(office.timezone if office else "Asia/Jakarta")
    due = processing_due(ticket.created_at, ticket.info_requested_at, windows, zone)
    return format_day(due.astimezone(zone).date(), lang)


def relay_question(
    session: Session,
    *,
    ticket: Ticket,
    officer_id: int | None,
    text: str,
    now: datetime,
    windows: Windows | None = None,
) -> RelayResult:
    """Record an officer's question and send it to the ticket's reporter, anonymously.

    Runs in the caller's transaction; raises ``ConcurrentUpdate`` if the reporter's turn
    changed the conversation meanwhile (the caller retries the whole unit of work).
    """
    question = text.strip()
    if not QUESTION_MIN <= len(question) <= QUESTION_MAX:
        raise FollowupError(
            f"a question needs {QUESTION_MIN} to {QUESTION_MAX} characters (got {len(question)})"
        )
    assert ticket.id is not None
    event = TicketEvent(
        ticket_id=ticket.id, at=now, kind="question", officer_id=officer_id, body=question
    )
    session.add(event)
    office = session.get(Office, ticket.office_code)
    zone = ZoneInfo(office.timezone if office else "Asia/Jakarta")
    if ticket.info_requested_at is None and extension_granted(
        ticket.created_at, now, windows or Windows(), zone
    ):
        ticket.info_requested_at = now  # asked in time: the processing window gets its +2 days
        session.add(ticket)
    session.flush()
    reporter = None
    if ticket.reporter_id is not None:
        # Same lock a reporter's turn takes: their turn and this relay run one after another.
        reporter = session.exec(
            select(Reporter).where(Reporter.id == ticket.reporter_id).with_for_update()
        ).first()
    if reporter is None or reporter.unreachable:
        return RelayResult("unreachable", event)
    conversation = session.get(Conversation, reporter.id)
    step = conversation.step if conversation else None
    state = dict(conversation.state) if conversation else {}
    queue: list[dict[str, object]] = list(state.get("followup_queue", []))
    queue.append({"ticket": ticket.code, "event": event.id})
    state["followup_queue"] = queue
    status = "queued"
    if step != STEP:
        if step in _RETURNING:
            step = state.pop("return_to", None)
            state.pop("status_code", None)
        state["followup_return"] = step
        state.pop("followup_answered_at", None)
        state["followup_items"] = 0
        reply = question_reply(
            reporter.lang,
            ticket.code,
            question,
            draft=_is_draft(step),
            answer_by=answer_by(session, ticket, windows or Windows(), reporter.lang),
        )
        outbox.enqueue(
            session,
            transport=reporter.channel,
            address=reporter.address,
            # ``kind`` lets WhatsApp pick its approved template outside the 24-hour window.
            payload=reply.to_payload()
            | {"kind": "followup_question", "template_vars": [ticket.code]},
            now=now,
            reporter_id=reporter.id,
        )
        status = "sent"
    _save(session, reporter.id, conversation, STEP, state, now)
    log.info("follow-up question on ticket %s: %s", ticket.code, status)
    return RelayResult(status, event)


def _is_draft(step: str | None) -> bool:
    """Whether the step belongs to a report being written (whose draft is kept meanwhile)."""
    if step is None or step == "consent":
        return False
    return not step.startswith(("identity_", "status_", "language"))


def _save(
    session: Session,
    reporter_id: int | None,
    conversation: Conversation | None,
    step: str,
    state: dict[str, object],
    now: datetime,
) -> None:
    """Write the conversation with the engine's version check (a racing turn wins; we retry)."""
    assert reporter_id is not None
    if conversation is None:
        session.add(
            Conversation(reporter_id=reporter_id, step=step, state=state, version=1, updated_at=now)
        )
        session.flush()
        return
    result = session.execute(
        update(Conversation)
        .where(
            col(Conversation.reporter_id) == reporter_id,
            col(Conversation.version) == conversation.version,
        )
        .values(step=step, state=state, version=conversation.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentUpdate("conversation changed by the reporter meanwhile")
    session.expire(conversation)


# --- the reporter's side ---------------------------------------------------------------------


def _current(turn: Turn) -> tuple[Ticket, TicketEvent] | None:
    """The open question and its ticket; questions whose ticket is gone are dropped."""
    queue = turn.state.get("followup_queue", [])
    while queue:
        head = queue[0]
        ticket = turn.session.exec(select(Ticket).where(Ticket.code == head["ticket"])).first()
        event = turn.session.get(TicketEvent, head["event"])
        if ticket is not None and event is not None and event.ticket_id == ticket.id:
            return ticket, event
        queue.pop(0)
    return None


def _answered(turn: Turn) -> bool:
    return "followup_answered_at" in turn.state


def ask_followup_answer(turn: Turn) -> None:
    current = _current(turn)
    if current is None:
        return
    ticket, event = current
    if _answered(turn):
        turn.say("followup_more", code=ticket.code, choices=_done(turn), media=True)
        return
    reply = question_reply(
        turn.lang,
        ticket.code,
        event.body or "",
        draft=_is_draft(turn.state.get("followup_return")),
        answer_by=answer_by(turn.session, ticket, turn.policy.windows(), turn.lang),
    )
    turn.replies.append(reply)


def _done(turn: Turn) -> tuple[Choice, ...]:
    return (turn.choice("selesai", "choice_done"),)


def _is_choice(text: str, choice: Choice) -> bool:
    # Only the key or the exact label: "1" or "tidak" may well be the answer itself.
    return normalise(text) in (normalise(choice.key), normalise(choice.label))


def on_followup_answer(turn: Turn, message: Inbound) -> str | None:
    current = _current(turn)
    if current is None:
        return _restore(turn)
    ticket, event = current
    text = (message.text or "").strip()
    if _answered(turn):
        answered_at = datetime.fromisoformat(turn.state["followup_answered_at"])
        if turn.now - answered_at > turn.policy.idle:
            return _lapse(turn)
        if not message.attachments and _is_choice(text, _done(turn)[0]):
            turn.say("followup_thanks", code=ticket.code)
            return _next(turn)
    elif not message.attachments and _is_choice(
        text, Choice("lewati", turn.text("choice_skip_question"))
    ):
        _decline(turn, ticket)
        turn.say("followup_skipped", code=ticket.code)
        return _next(turn)
    stored = _store_answer(turn, ticket, message, text)
    if stored is None:
        return STAY
    if stored == 0:
        turn.say("followup_not_understood", choices=_done(turn) if _answered(turn) else ())
        return STAY
    turn.state["followup_answered_at"] = turn.now.isoformat()
    turn.say("followup_received", code=ticket.code, choices=_done(turn), media=True)
    return STAY


def _store_answer(turn: Turn, ticket: Ticket, message: Inbound, text: str) -> int | None:
    """Put the message on the ticket; how many items were stored, None if refused with a reply."""
    assert ticket.id is not None
    limit = turn.policy.description_max
    if len(text) > limit:
        turn.say("description_too_long", length=len(text), limit=limit)
        return None
    items = int(turn.state.get("followup_items", 0))
    stored = 0
    if text:
        _event(turn, ticket, body=text)
        stored += 1
    for attachment in message.attachments:
        if items >= turn.policy.evidence_max_items:
            turn.say("evidence_limit", limit=turn.policy.evidence_max_items, choices=_done(turn))
            break
        evidence_id = file_attachment(turn, attachment, ticket_id=ticket.id)
        if evidence_id is None:
            continue
        _event(turn, ticket, evidence_id=evidence_id)
        items += 1
        stored += 1
    # Links in the text are also filed as evidence, so they sit with the ticket's other proof.
    for link in URL.findall(text)[: max(0, turn.policy.evidence_max_items - items)]:
        file_link(turn, link, ticket_id=ticket.id)
        items += 1
    turn.state["followup_items"] = items
    if message.location is not None and not stored:
        turn.say("followup_location")
        return None
    return stored


def _event(
    turn: Turn, ticket: Ticket, *, body: str | None = None, evidence_id: int | None = None
) -> None:
    assert ticket.id is not None
    turn.session.add(
        TicketEvent(
            ticket_id=ticket.id, at=turn.now, kind="answer", body=body, evidence_id=evidence_id
        )
    )


def _decline(turn: Turn, ticket: Ticket) -> None:
    """The officer sees that the reporter chose not to answer (rather than silence)."""
    assert ticket.id is not None
    turn.session.add(TicketEvent(ticket_id=ticket.id, at=turn.now, kind="answer_declined"))


def _next(turn: Turn) -> str | None:
    """Close the open question; ask the next queued one, or put the reporter back."""
    queue = turn.state.get("followup_queue", [])
    if queue:
        queue.pop(0)
    turn.state.pop("followup_answered_at", None)
    turn.state["followup_items"] = 0
    if _current(turn) is not None:
        return STEP
    return _restore(turn)


def _restore(turn: Turn) -> str | None:
    back = turn.state.get("followup_return")
    for key in _KEYS:
        turn.state.pop(key, None)
    if back is None:
        turn.step = None
        return None
    if _is_draft(back):
        turn.say("followup_back_to_draft")
    turn.engine.ask(turn, back)  # asked directly: an unfinished edit must not jump to summary
    return STAY


def _lapse(turn: Turn) -> str | None:
    """Long after the last answer: this message is not an answer any more.

    The question is closed; a queued one is asked, otherwise the reporter is back where they
    were and the message is treated as the engine would treat it there after a pause.
    """
    queue = turn.state.get("followup_queue", [])
    if queue:
        queue.pop(0)
    turn.state.pop("followup_answered_at", None)
    turn.state["followup_items"] = 0
    if _current(turn) is not None:
        return STEP
    back = turn.state.get("followup_return")
    for key in _KEYS:
        turn.state.pop(key, None)
    if back is None:
        turn.engine.ask(turn, "consent")
        return STAY
    turn.say("followup_closed")
    if _is_draft(back):
        turn.step = back
        turn.engine.suspend(turn)  # as after any long pause in a draft: continue or start over
        back = "resume"
    turn.engine.ask(turn, back)
    return STAY


def leave_followup(turn: Turn, command: str) -> None:
    """/batal skips the open question; /mulai leaves all of them and goes on to a new report."""
    while (current := _current(turn)) is not None:
        ticket, _ = current
        if not _answered(turn):
            _decline(turn, ticket)
        turn.say("followup_skipped" if not _answered(turn) else "followup_thanks", code=ticket.code)
        if command == "batal":
            nxt = _next(turn)
            if nxt == STEP:
                turn.engine.ask(turn, STEP)
            return
        turn.state["followup_queue"].pop(0)
        turn.state.pop("followup_answered_at", None)
    back = turn.state.get("followup_return")
    for key in _KEYS:
        turn.state.pop(key, None)
    turn.step = back
    if command == "batal" and back is not None:
        turn.engine.ask(turn, back)


STEPS = (Step(STEP, ask_followup_answer, on_followup_answer, "followup", leave=leave_followup),)
