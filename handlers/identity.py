"""The formal-identity lane, offered right after a report is submitted.

Bawaslu can register a formal *laporan* only with the reporter's identity; without it the
ticket is *informasi awal* (the default). A reporter who opts in gives name, NIK, address and
phone, one step each. Every answer is sealed to the handling office's public key as soon as it
is validated (``storage.identity.seal_field``): the draft holds only sealed values, and Netra's
replies never repeat what was typed, so no copy the server can read exists anywhere (the
outbox keeps reply texts). If the office has no key yet, the reporter is told so and nothing
is collected: sealing to another office would hand the identity to an office that does not
handle, and cannot see, the ticket.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime

from sqlmodel import select

from handlers.engine import STAY, Step, Turn, normalise, pick
from handlers.types import Choice, Inbound
from storage.identity import IdentityError, attach_identity, seal_field
from storage.models import Office, OfficeKey, Ticket

NAME_MAX = 120
ADDRESS_MIN = 10
ADDRESS_MAX = 300
ANONYMOUS_WORDS = frozenset({"tidak", "no", "anonim", "anonymous", "tidak usah", "lewati", "skip"})
_SEPARATORS = re.compile(r"[\s.\-()/]")


def valid_nik(text: str) -> str | None:
    """A plausible NIK (Nomor Induk Kependudukan), or None.

    16 digits: province (11–99) and regency codes, then the birth date DDMMYY with 40 added to
    the day for women, then a 4-digit serial that is never 0000.
    """
    digits = _SEPARATORS.sub("", text)
    if len(digits) != 16 or not digits.isdigit():
        return None
    province, day, month, serial = int(digits[:2]), int(digits[6:8]), int(digits[8:10]), digits[12:]
    if not 11 <= province <= 99:
        return None
    if not (1 <= day <= 31 or 41 <= day <= 71) or not 1 <= month <= 12 or serial == "0000":
        return None
    return digits


def valid_phone(text: str) -> str | None:
    """An Indonesian (08…, 62…, +62…) or other international (+…) phone number, or None."""
    cleaned = _SEPARATORS.sub("", text)
    plus = cleaned.startswith("+")
    digits = cleaned[1:] if plus else cleaned
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        return None
    if not (plus or digits.startswith(("0", "62"))):
        return None
    return ("+" if plus else "") + digits


# --- entry from the report flow --------------------------------------------------------------


def offer_identity(turn: Turn, ticket: Ticket, key: OfficeKey | None) -> str | None:
    """After submission: offer the sealed formal lane, or say honestly why it is not possible.
    ``key`` is the ticket's office's sealing key, read with the office (``office_and_key``)."""
    if key is None:
        turn.say("identity_unavailable", code=ticket.code)
        return None
    turn.state["identity"] = {
        "ticket": ticket.code,
        "office": ticket.office_code,
        "key": base64.b64encode(bytes(key.public_key)).decode(),
        "fields": {},
        "at": turn.now.isoformat(),
    }
    return "identity_offer"


def _lane(turn: Turn) -> dict[str, object]:
    lane: dict[str, object] = turn.state.get("identity", {})
    return lane


def _office_name(turn: Turn) -> str:
    office = turn.session.get(Office, str(_lane(turn).get("office", "")))
    return office.name if office else "-"


def _offer_choices(turn: Turn) -> tuple[Choice, ...]:
    return (
        turn.choice("anonim", "choice_stay_anonymous"),
        turn.choice("identitas", "choice_attach_identity"),
    )


def ask_identity_offer(turn: Turn) -> None:
    turn.say(
        "identity_offer",
        office=_office_name(turn),
        days=turn.policy.reporting_window_days,
        choices=_offer_choices(turn),
    )


def _lapsed(turn: Turn) -> bool:
    """Past the idle limit the lane is dropped: the ticket stays an anonymous tip."""
    at = _lane(turn).get("at")
    return not isinstance(at, str) or turn.now - datetime.fromisoformat(at) > turn.policy.idle


def _drop(turn: Turn) -> None:
    turn.state.pop("identity", None)
    turn.step = None


def _guard(turn: Turn) -> str | None:
    """Shared start of every identity step: a lane left idle too long is closed first."""
    if not _lane(turn) or _lapsed(turn):
        _drop(turn)
        turn.say("identity_lapsed")
        turn.engine.ask(turn, "consent")
        return STAY
    _lane(turn)["at"] = turn.now.isoformat()
    return None


def on_identity_offer(turn: Turn, message: Inbound) -> str | None:
    if (stop := _guard(turn)) is not None:
        return stop
    text = (message.text or "").strip()
    chosen = pick(text, _offer_choices(turn))
    if chosen is None and normalise(text) in ANONYMOUS_WORDS:
        chosen = _offer_choices(turn)[0]
    if chosen is None:
        turn.say("identity_offer_reask", choices=_offer_choices(turn))
        return STAY
    if chosen.key == "anonim":
        _drop(turn)
        turn.say("identity_declined")
        return None
    return "identity_name"


def _seal(turn: Turn, field: str, value: str) -> None:
    lane = _lane(turn)
    fields = lane.get("fields")
    if not isinstance(fields, dict):  # a damaged draft starts the field set again, no 500
        fields = lane["fields"] = {}
    fields[field] = seal_field(
        base64.b64decode(str(lane["key"])),
        ticket_code=str(lane["ticket"]),
        office_code=str(lane["office"]),
        field=field,
        value=value,
    )


def ask_identity_name(turn: Turn) -> None:
    turn.say("ask_identity_name")


def on_identity_name(turn: Turn, message: Inbound) -> str | None:
    if (stop := _guard(turn)) is not None:
        return stop
    text = " ".join((message.text or "").split())
    if len(text) > NAME_MAX or sum(ch.isalpha() for ch in text) < 2:
        turn.say("bad_identity_name", limit=NAME_MAX)
        return STAY
    _seal(turn, "name", text)
    return "identity_nik"


def ask_identity_nik(turn: Turn) -> None:
    turn.say("ask_identity_nik")


def on_identity_nik(turn: Turn, message: Inbound) -> str | None:
    if (stop := _guard(turn)) is not None:
        return stop
    nik = valid_nik(message.text or "")
    if nik is None:
        turn.say("bad_identity_nik")
        return STAY
    _seal(turn, "nik", nik)
    return "identity_address"


def ask_identity_address(turn: Turn) -> None:
    turn.say("ask_identity_address")


def on_identity_address(turn: Turn, message: Inbound) -> str | None:
    if (stop := _guard(turn)) is not None:
        return stop
    text = (message.text or "").strip()
    if not ADDRESS_MIN <= len(text) <= ADDRESS_MAX or sum(ch.isalpha() for ch in text) < 3:
        turn.say("bad_identity_address", minimum=ADDRESS_MIN, limit=ADDRESS_MAX)
        return STAY
    _seal(turn, "address", text)
    return "identity_phone"


def ask_identity_phone(turn: Turn) -> None:
    turn.say("ask_identity_phone")


def on_identity_phone(turn: Turn, message: Inbound) -> str | None:
    if (stop := _guard(turn)) is not None:
        return stop
    phone = valid_phone(message.text or "")
    if phone is None:
        turn.say("bad_identity_phone")
        return STAY
    _seal(turn, "phone", phone)
    return "identity_confirm"


def _confirm_choices(turn: Turn) -> tuple[Choice, ...]:
    return (
        turn.choice("segel", "choice_seal_identity"),
        turn.choice("ulang", "choice_identity_again"),
        turn.choice("anonim", "choice_stay_anonymous"),
    )


def ask_identity_confirm(turn: Turn) -> None:
    turn.say("identity_confirm", office=_office_name(turn), choices=_confirm_choices(turn))


def on_identity_confirm(turn: Turn, message: Inbound) -> str | None:
    if (stop := _guard(turn)) is not None:
        return stop
    chosen = pick((message.text or "").strip(), _confirm_choices(turn))
    if chosen is None:
        turn.say("identity_confirm_reask", choices=_confirm_choices(turn))
        return STAY
    if chosen.key == "ulang":
        _lane(turn)["fields"] = {}
        return "identity_name"
    if chosen.key == "anonim":
        _drop(turn)
        turn.say("identity_declined")
        return None
    return _attach(turn)


def _attach(turn: Turn) -> str | None:
    lane = _lane(turn)
    office = _office_name(turn)
    ticket = turn.session.exec(select(Ticket).where(Ticket.code == lane["ticket"])).first()
    fields = lane.get("fields")
    try:
        if ticket is None or not isinstance(fields, dict):
            raise IdentityError("ticket gone")
        attach_identity(
            turn.session,
            ticket=ticket,
            public_key=base64.b64decode(str(lane["key"])),
            sealed_fields={str(k): str(v) for k, v in fields.items()},
            now=turn.now,
        )
    except IdentityError:
        _drop(turn)
        turn.say("identity_failed")
        return None
    _drop(turn)
    turn.say("identity_sealed", office=office, code=ticket.code)
    return None


def leave_identity(turn: Turn, command: str) -> None:
    """/batal or /mulai during the lane: nothing is kept, the ticket stays an anonymous tip."""
    _drop(turn)
    turn.say("identity_declined")


STEPS = tuple(
    Step(name, ask, answer, "identity", leave=leave_identity)
    for name, ask, answer in (
        ("identity_offer", ask_identity_offer, on_identity_offer),
        ("identity_name", ask_identity_name, on_identity_name),
        ("identity_nik", ask_identity_nik, on_identity_nik),
        ("identity_address", ask_identity_address, on_identity_address),
        ("identity_phone", ask_identity_phone, on_identity_phone),
        ("identity_confirm", ask_identity_confirm, on_identity_confirm),
    )
)
