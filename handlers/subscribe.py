"""Broadcast subscription: ``BERHENTI``/``STOP`` opts out, ``LANGGANAN``/``SUBSCRIBE`` opts in.

Channel-agnostic (WhatsApp needs it by policy; Telegram and the web chat get it for free).
Broadcasts need an explicit opt-in, so only the unambiguous word ``LANGGANAN`` subscribes.
``START``/``MULAI`` is deliberately *not* an opt-in: it is also Telegram's ``/start`` and the
engine's "make a report" word, and a reporter who types it to report must not find themselves
on a broadcast list. The opt-out reply says which word turns announcements back on.
Neither word touches the reporter's own conversation: replies and updates about their own
reports still arrive, and a report in progress is re-asked where it stood.
Opting out skips the broadcasts still queued for the person and asks the engine to forget their
identity once the confirmation is queued (``storage.optout``): it goes at once unless a report
of theirs still needs it.

After opting in, two optional questions follow (each can be skipped): the subscriber's
kab/kota or province, matched like a report's region, and their language. The region is asked
here, never taken from the person's reports: a subscriber list with places copied from reports
would tie a reporter to a place. The region only picks the audience and the sending hours
(WIB/WITA/WIT); without one, the subscriber gets reminders in the hours safe for all zones.
"""

from __future__ import annotations

from sqlmodel import delete

from handlers.engine import STAY, Step, Turn, normalise, pick
from handlers.messages import CATALOGUE
from handlers.report import region_label
from handlers.types import Choice, Inbound
from storage import optout
from storage.models import Subscriber

SKIP_WORDS = frozenset({"lewati", "skip", "tidak", "no", "-", "tidak usah", "semua"})
REGION_STEP = "sub_region"
LANG_STEP = "sub_lang"
RETURN_KEY = "sub_return"

TEXTS: dict[str, tuple[str, str]] = {
    "sub_ask_region": (
        "Opsional: di kabupaten/kota atau provinsi mana Anda ingin menerima pengingat? "
        "Ketik namanya (misalnya: Kota Bima), atau LEWATI. Wilayah ini hanya dipakai untuk "
        "pengingat, tidak untuk laporan Anda.",
        "Optional: in which regency/city or province would you like reminders? Type its name "
        "(for example: Kota Bima), or SKIP. It is used only for reminders, never for your reports.",
    ),
    "sub_region_pick": ("Yang mana?", "Which one?"),
    "sub_region_none": (
        'Wilayah "{text}" tidak ditemukan. Ketik nama lain, atau LEWATI.',
        'No region "{text}" found. Type another name, or SKIP.',
    ),
    "sub_ask_lang": (
        "Opsional: bahasa pengingat?",
        "Optional: which language for reminders?",
    ),
    "sub_done": (
        "Terima kasih. Pengingat akan dikirim antara pukul 07.00 dan 20.00 waktu setempat. "
        "Kirim BERHENTI kapan saja untuk berhenti.",
        "Thank you. Reminders are sent between 07.00 and 20.00 local time. "
        "Send STOP at any time to stop them.",
    ),
    "unsubscribed_in_report": (
        "Laporan Anda yang sedang diisi tidak terpengaruh. "
        "Untuk membatalkan laporan, ketik /batal.",
        "The report you are filling in is not affected. To cancel the report, type /batal.",
    ),
    "choice_skip": ("Lewati", "Skip"),
    "choice_lang_id": ("Bahasa Indonesia", "Bahasa Indonesia"),
    "choice_lang_en": ("English", "English"),
}
CATALOGUE.update(TEXTS)


def set_subscription(turn: Turn, *, subscribed: bool) -> None:
    """Opt in (then ask the optional preferences) or out (confirmed, draft left alone)."""
    reporter = turn.reporter
    was_in_preferences = turn.step in (REGION_STEP, LANG_STEP)
    reporter.subscribed = subscribed
    turn.session.add(reporter)
    if not subscribed:
        turn.session.execute(
            delete(Subscriber).where(Subscriber.reporter_id == reporter.id)  # type: ignore[arg-type]
        )
        optout.skip_pending_broadcasts(turn.session, reporter.id, now=turn.now)  # type: ignore[arg-type]
        turn.forget_identity = True
        turn.say("unsubscribed")
        if was_in_preferences:
            _restore(turn)
            return
        if turn.step is not None and not turn.engine.aside(turn.step):
            turn.say("unsubscribed_in_report")
        if turn.step is not None:
            turn.engine.ask(turn, turn.step)
        return
    row = turn.session.get(Subscriber, reporter.id)
    if row is None:
        row = Subscriber(
            reporter_id=reporter.id,  # type: ignore[arg-type]
            channel=reporter.channel,
            lang=reporter.lang,
            created_at=turn.now,
        )
        turn.session.add(row)
    turn.say("subscribed")
    if turn.engine.aside(turn.step) and not was_in_preferences:
        # Inside an officer's question or the identity lane: do not stack another aside.
        turn.engine.ask(turn, turn.step)  # type: ignore[arg-type]
        return
    if not was_in_preferences:
        turn.state[RETURN_KEY] = turn.step
    turn.engine.ask(turn, REGION_STEP)


def _subscriber(turn: Turn) -> Subscriber | None:
    return turn.session.get(Subscriber, turn.reporter.id)


def _restore(turn: Turn) -> None:
    """Back to whatever the person was doing before ``LANGGANAN`` (a report: re-asked)."""
    for key in ("sub_options",):
        turn.state.pop(key, None)
    back = turn.state.pop(RETURN_KEY, None)
    turn.step = None
    if back:
        turn.engine.ask(turn, back)


def _skip(turn: Turn) -> Choice:
    return turn.choice("lewati", "choice_skip")


def ask_region(turn: Turn) -> None:
    options = turn.state.get("sub_options")
    if options:
        choices = [Choice(code, region_label(turn, code)) for code in options]
        turn.say("sub_region_pick", choices=(*choices, _skip(turn)))
        return
    turn.say("sub_ask_region", choices=(_skip(turn),))


def on_region(turn: Turn, message: Inbound) -> str | None:
    text = (message.text or "").strip()
    options = turn.state.get("sub_options") or []
    if options:
        chosen = pick(text, [Choice(c, region_label(turn, c)) for c in options])
        if chosen is not None:
            return _keep_region(turn, chosen.key)
    if not text or normalise(text) in SKIP_WORDS:
        turn.state.pop("sub_options", None)
        return _to_lang(turn)
    found = turn.regions.match(text)
    if found.kind == "exact":
        return _keep_region(turn, found.candidates[0].code)
    if not found.candidates:
        turn.state.pop("sub_options", None)
        turn.say("sub_region_none", text=text[:60], choices=(_skip(turn),))
        return STAY
    turn.state["sub_options"] = [r.code for r in found.candidates]
    return REGION_STEP


def _keep_region(turn: Turn, code: str) -> str:
    turn.state.pop("sub_options", None)
    region = turn.regions.get(code)
    row = _subscriber(turn)
    if row is not None and region is not None:
        row.region_code = region.code
        row.timezone = region.timezone
        turn.session.add(row)
    return _to_lang(turn)


def _to_lang(turn: Turn) -> str:
    """Straight to the language question (``advance`` would send an editing draft to summary)."""
    turn.engine.ask(turn, LANG_STEP)
    return STAY


def _lang_choices(turn: Turn) -> tuple[Choice, ...]:
    return (
        turn.choice("id", "choice_lang_id"),
        turn.choice("en", "choice_lang_en"),
        _skip(turn),
    )


def ask_lang(turn: Turn) -> None:
    turn.say("sub_ask_lang", choices=_lang_choices(turn))


def on_lang(turn: Turn, message: Inbound) -> str | None:
    text = (message.text or "").strip()
    chosen = pick(text, _lang_choices(turn))
    if chosen is None and normalise(text)[:2] in ("id", "in", "en"):
        chosen = _lang_choices(turn)[1 if normalise(text).startswith("en") else 0]
    if chosen is None and normalise(text) not in SKIP_WORDS:
        return LANG_STEP
    row = _subscriber(turn)
    if chosen is not None and chosen.key in ("id", "en") and row is not None:
        row.lang = chosen.key
        turn.session.add(row)
    turn.say("sub_done")
    _restore(turn)
    return STAY


def leave(turn: Turn, command: str) -> None:
    """/batal or /mulai ends the questions; the subscription itself stays."""
    if command == "batal":
        turn.say("sub_done")
    _restore(turn)


STEPS = (
    Step(REGION_STEP, ask_region, on_region, "subscribe", leave=leave),
    Step(LANG_STEP, ask_lang, on_lang, "subscribe", leave=leave),
)
