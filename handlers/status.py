"""The /status flow: a ticket code and its secret receipt give the ticket's status, anonymously.

Wrong receipts are throttled per reporter and per ticket, and a wrong code and a wrong receipt
get the same answer, so the flow cannot be used to discover which codes exist.
"""

from __future__ import annotations

from handlers.dates import format_date
from handlers.engine import STAY, Step, Turn, normalise, pick
from handlers.types import Choice, Inbound
from storage.models import Office
from storage.tickets import check_receipt, failed_attempts, format_code

RETURNABLE = frozenset({None, "status_code", "status_receipt", "language"})


def start_status(turn: Turn, arg: str) -> None:
    """``/status`` alone asks for the code; ``/status CODE RECEIPT`` answers at once."""
    if turn.step not in RETURNABLE:
        turn.state["return_to"] = turn.step
    parts = arg.split()
    code = format_code(parts[0]) if parts else None
    if code and len(parts) > 1:
        _verify(turn, code, " ".join(parts[1:]))
        return
    if code:
        turn.state["status_code"] = code
        turn.engine.ask(turn, "status_receipt")
        return
    turn.engine.ask(turn, "status_code")


def ask_status_code(turn: Turn) -> None:
    turn.say("ask_status_code")


def on_status_code(turn: Turn, message: Inbound) -> str | None:
    code = format_code(message.text or "")
    if code is None:
        turn.say("bad_ticket_code")
        return STAY
    turn.state["status_code"] = code
    return "status_receipt"


def ask_status_receipt(turn: Turn) -> None:
    turn.say("ask_status_receipt")


def on_status_receipt(turn: Turn, message: Inbound) -> str | None:
    code = turn.state.pop("status_code", None)
    if code is None:
        return "status_code"
    _verify(turn, code, message.text or "")
    return STAY


def _verify(turn: Turn, code: str, receipt: str) -> None:
    policy = turn.policy
    since = turn.now - policy.status_lockout
    reporter_id = turn.reporter.id
    assert reporter_id is not None
    by_reporter, by_ticket = failed_attempts(
        turn.session, reporter_id=reporter_id, ticket_code=code, since=since
    )
    if by_reporter >= policy.status_max_failures or by_ticket >= 3 * policy.status_max_failures:
        turn.say("status_throttled", minutes=int(policy.status_lockout.total_seconds() // 60))
    else:
        ticket = check_receipt(
            turn.session,
            code=code,
            receipt=receipt[:100],
            hasher=turn.engine.receipts,
            reporter_id=reporter_id,
            now=turn.now,
        )
        if ticket is None:
            turn.say("status_wrong")
        else:
            office = turn.session.get(Office, ticket.office_code)
            turn.say(
                "status_result",
                code=ticket.code,
                office=office.name if office else ticket.office_code,
                status=turn.text(f"status_{ticket.status}"),
                created=format_date(ticket.created_at.date(), turn.lang),
                updated=format_date(ticket.updated_at.date(), turn.lang),
            )
    _return(turn)


def _return(turn: Turn) -> None:
    back = turn.state.pop("return_to", None)
    if back:
        turn.engine.ask(turn, back)
    else:
        turn.step = None


def _language_choices() -> tuple[Choice, ...]:
    return (Choice("id", "Bahasa Indonesia"), Choice("en", "English"))


def ask_language(turn: Turn) -> None:
    turn.say("ask_language", choices=_language_choices())


def on_language(turn: Turn, message: Inbound) -> str | None:
    text = message.text or ""
    chosen = pick(text, _language_choices())
    wanted = chosen.key if chosen else normalise(text)[:2]
    if wanted not in ("id", "en"):
        return "language"
    turn.engine.set_language(turn, wanted)
    _return(turn)
    return STAY


STEPS = (
    Step("status_code", ask_status_code, on_status_code, "status"),
    Step("status_receipt", ask_status_receipt, on_status_receipt, "status"),
    Step("language", ask_language, on_language, "language"),
)
