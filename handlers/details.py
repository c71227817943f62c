"""Short, skippable questions after the witnesses: the facts an officer needs for a *temuan*.

Which race the report concerns (it decides the office for provincial officials), the accused's
employment status (it decides the legal basis and where a finding goes), how the reporter knows,
whether witnesses would give a statement, and the place below the kab/kota. Every question can
be skipped, and "Lewati semua" on any of them jumps straight to the summary, so a reporter in a
hurry pays one extra message.

Facts that need no question of their own are read from earlier answers: the NIP from the name
answer, the time of day from the incident date, the Gakkumdu flag from the account of events.
"""

from __future__ import annotations

import re

from handlers.engine import STAY, Step, Turn, normalise, pick
from handlers.types import Choice, Inbound
from storage.offices import RACES

PLACE_MAX = 300
EMPLOYMENTS = ("pns", "pppk", "honorer", "desa", "tni", "polri", "bumn", "unknown")
HOW_KNOWN = ("saw", "told", "social")
WILLING = ("ya", "tidak", "unknown")
SKIP_ALL = "lewati_semua"

# Words a reporter types for "I don't know" / "skip" (chat spellings included): never a name.
SKIP_WORDS = frozenset(
    {
        "lewati",
        "skip",
        "-",
        "tidak",
        "tidak ada",
        "tidak tahu",
        "tidak tau",
        "tdk",
        "tdk tahu",
        "tdk tau",
        "tdk ada",
        "tau",
        "tahu",
        "gak",
        "ga",
        "gk",
        "nggak",
        "ngga",
        "enggak",
        "gak tau",
        "gak tahu",
        "ga tau",
        "ga tahu",
        "gk tau",
        "nggak tau",
        "nggak tahu",
        "ngga tau",
        "enggak tahu",
        "belum tahu",
        "belum tau",
        "blm tau",
        "blm tahu",
        "entah",
        "kurang tahu",
        "none",
        "no",
        "unknown",
        "don't know",
        "dont know",
        "i don't know",
        "not sure",
    }
)

# An 18-digit NIP (ASN identity number), typed with or without spaces.
NIP = re.compile(r"(?<!\d)(\d{8}\s?\d{6}\s?\d\s?\d{3})(?!\d)")
# Vote buying: money, envelopes, "serangan fajar". A possible election crime for Gakkumdu.
_VOTE_BUYING = re.compile(
    r"\b(uang|amplop|serangan fajar|politik uang|money politics|bagi[- ]bagi duit|"
    r"duit|rupiah|rp\.?\s?\d|cash|envelope|vote buying|bribe|suap)\b",
    re.IGNORECASE,
)


def is_skip(text: str) -> bool:
    return normalise(text).replace("’", "'") in SKIP_WORDS


def split_nip(text: str) -> tuple[str, str | None]:
    """The name answer without its NIP, and the NIP (digits only) when one was typed."""
    found = NIP.search(text)
    if found is None:
        return text, None
    nip = re.sub(r"\s", "", found.group(1))
    rest = (text[: found.start()] + text[found.end() :]).replace("NIP", "").replace("nip", "")
    return re.sub(r"[\s,;:()-]+$", "", re.sub(r"\s+", " ", rest)).strip(), nip


def vote_buying(*texts: str | None) -> bool:
    return any(_VOTE_BUYING.search(t or "") for t in texts)


def _skip_all(turn: Turn) -> Choice:
    return turn.choice(SKIP_ALL, "choice_skip_all")


def _choices(turn: Turn, keys: tuple[str, ...], prefix: str) -> tuple[Choice, ...]:
    return (*(turn.choice(k, f"{prefix}_{k}") for k in keys), _skip_all(turn))


def _answer(
    turn: Turn, message: Inbound, keys: tuple[str, ...], prefix: str, field: str, nxt: str
) -> str | None:
    text = (message.text or "").strip()
    chosen = pick(text, _choices(turn, keys, prefix))
    if chosen is not None and chosen.key == SKIP_ALL:
        return "summary"
    if chosen is None and is_skip(text):
        chosen = Choice("unknown", "")
    if chosen is None:
        chosen = _by_words(text, keys, prefix, turn)
    if chosen is None:
        turn.say("pick_from_list")
        return field
    turn.state[field] = chosen.key if chosen.key in keys else "unknown"
    return nxt


_EMPLOYMENT_WORDS = {
    "pns": "pns",
    "asn": "pns",
    "pppk": "pppk",
    "p3k": "pppk",
    "honorer": "honorer",
    "honor": "honorer",
    "non asn": "honorer",
    "non-asn": "honorer",
    "kontrak": "honorer",
    "kades": "desa",
    "kepala desa": "desa",
    "perangkat desa": "desa",
    "tni": "tni",
    "polri": "polri",
    "polisi": "polri",
    "bumn": "bumn",
    "bumd": "bumn",
}
_HOW_WORDS = {
    "lihat": "saw",
    "melihat": "saw",
    "langsung": "saw",
    "saw": "saw",
    "diberi tahu": "told",
    "dengar": "told",
    "cerita": "told",
    "told": "told",
    "medsos": "social",
    "media sosial": "social",
    "facebook": "social",
    "fb": "social",
    "instagram": "social",
    "tiktok": "social",
    "grup wa": "social",
    "social": "social",
}
_WILLING_WORDS = {"ya": "ya", "iya": "ya", "bersedia": "ya", "yes": "ya", "tidak": "tidak"}


def _by_words(text: str, keys: tuple[str, ...], prefix: str, turn: Turn) -> Choice | None:
    words = f" {normalise(text)} "
    table = {"employment": _EMPLOYMENT_WORDS, "how": _HOW_WORDS, "willing": _WILLING_WORDS}.get(
        prefix, {}
    )
    if prefix == "race":
        table = {
            "gubernur": "gubernur",
            "pilgub": "gubernur",
            "bupati": "bupati_walikota",
            "wali kota": "bupati_walikota",
            "walikota": "bupati_walikota",
            "pilbup": "bupati_walikota",
            "pilwalkot": "bupati_walikota",
            "dua dua": "keduanya",
            "keduanya": "keduanya",
            "both": "keduanya",
        }
    hits = {key for word, key in table.items() if f" {word} " in words and key in keys}
    if len(hits) == 1:
        return Choice(hits.pop(), "")
    return None


# --- the steps -------------------------------------------------------------------------------


def ask_race(turn: Turn) -> None:
    turn.say("ask_race", choices=_choices(turn, RACES, "race"))


def on_race(turn: Turn, message: Inbound) -> str | None:
    return _answer(turn, message, RACES, "race", "race", "employment")


def ask_employment(turn: Turn) -> None:
    turn.say("ask_employment", choices=_choices(turn, EMPLOYMENTS, "employment"))


def on_employment(turn: Turn, message: Inbound) -> str | None:
    return _answer(turn, message, EMPLOYMENTS, "employment", "employment", "how_known")


def ask_how_known(turn: Turn) -> None:
    turn.say("ask_how_known", choices=_choices(turn, HOW_KNOWN, "how"))


def on_how_known(turn: Turn, message: Inbound) -> str | None:
    nxt = "witnesses_willing" if turn.state.get("witnesses") else "place"
    return _answer(turn, message, HOW_KNOWN, "how", "how_known", nxt)


def ask_witnesses_willing(turn: Turn) -> None:
    turn.say("ask_witnesses_willing", choices=_choices(turn, WILLING, "willing"))


def on_witnesses_willing(turn: Turn, message: Inbound) -> str | None:
    return _answer(turn, message, WILLING, "willing", "witnesses_willing", "place")


def ask_place(turn: Turn) -> None:
    turn.say("ask_place", choices=(turn.choice("lewati", "choice_skip"),))


def on_place(turn: Turn, message: Inbound) -> str | None:
    text = (message.text or "").strip()
    if is_skip(text) or pick(text, (turn.choice("lewati", "choice_skip"),)):
        turn.state["place"] = None
        return "summary"
    if len(text) > PLACE_MAX or sum(ch.isalpha() for ch in text) < 2:
        turn.say("bad_place", limit=PLACE_MAX)
        return STAY
    turn.state["place"] = text
    return "summary"


STEPS = (
    Step("race", ask_race, on_race, "details"),
    Step("employment", ask_employment, on_employment, "details"),
    Step("how_known", ask_how_known, on_how_known, "details"),
    Step("witnesses_willing", ask_witnesses_willing, on_witnesses_willing, "details"),
    Step("place", ask_place, on_place, "details"),
)
