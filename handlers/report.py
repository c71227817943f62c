"""The report flow: one ``ask_*`` and one ``on_*`` function per step, and the step table."""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.categories import BY_KEY, CATEGORIES, LOCAL_BY_NATURE, matching_categories
from handlers.dates import format_date, format_day, read_date
from handlers.details import is_skip, split_nip, vote_buying
from handlers.engine import STAY, Step, Turn, normalise, pick
from handlers.evidence import file_attachment, file_link
from handlers.identity import offer_identity
from handlers.types import Choice, Inbound
from storage.identity import office_and_key
from storage.models import Office
from storage.offices import INSTITUTION_LEVELS, NATIONAL_CODE, route
from storage.tickets import NewTicket, create_ticket, lockout_since, tickets_since
from storage.workflow import reporting_last_day

POSITION_MAX = 300
NAME_MAX = 120
WITNESSES_MAX = 1000
DESCRIPTION_MIN_ALNUM = 10
# Links as people paste them, with or without the scheme ("www.facebook.com/…", "fb.com/…").
URL = re.compile(
    r"https?://[^\s<>\"']+"
    r"|\bwww\.[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|id|net|org|me|ly|gl|co|tv|io|app|link)/[^\s<>\"']*",
    re.IGNORECASE,
)
DONE_WORDS = frozenset({"selesai", "done", "sudah", "tidak ada", "no", "none", "lanjut", "finish"})


def _letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _clean(message: Inbound) -> str:
    return (message.text or "").strip()


# --- consent ---------------------------------------------------------------------------------


def _consent_choices(turn: Turn) -> tuple[Choice, ...]:
    other = (
        turn.choice("id", "choice_indonesian")
        if turn.lang == "en"
        else turn.choice("en", "choice_english")
    )
    return (turn.choice("setuju", "choice_agree"), other, turn.choice("batal", "choice_cancel"))


def ask_consent(turn: Turn) -> None:
    turn.say(
        "welcome",
        operator=turn.policy.operator_name,
        days=turn.policy.draft_retention.days,
    )
    turn.say("ask_consent", choices=_consent_choices(turn))


def on_consent(turn: Turn, message: Inbound) -> str | None:
    text = _clean(message)
    # The shown menu first, so a typed number means what the reporter saw ("3" = Batal).
    chosen = pick(text, _consent_choices(turn)) or pick(
        text, (Choice("en", "English"), Choice("id", "Bahasa Indonesia"))
    )
    if chosen is not None and chosen.key == "batal":
        turn.engine.discard_draft(turn)
        turn.say("cancelled")
        return None
    if chosen is None and normalise(text) in ("ya", "yes", "ok", "oke", "setuju", "lanjut"):
        chosen = Choice("setuju", "")
    if chosen is None:
        turn.say("consent_reask", choices=_consent_choices(turn))
        return STAY
    if chosen.key in ("en", "id"):
        turn.engine.set_language(turn, chosen.key)
        return "consent"
    return _begin(turn)


def _begin(turn: Turn) -> str | None:
    """Start a fresh draft, unless the reporter hit the daily limit."""
    limit = turn.policy.max_tickets_per_day
    if tickets_since(turn.session, turn.reporter.id or 0, turn.now - timedelta(days=1)) >= limit:
        turn.engine.discard_draft(turn)
        turn.say("daily_limit", limit=limit)
        return None
    turn.state.clear()
    return "category"


# --- category --------------------------------------------------------------------------------


def _category_choices(turn: Turn) -> tuple[Choice, ...]:
    offered = turn.state.get("category_options")
    shown = [BY_KEY[k] for k in offered] if offered else CATEGORIES
    return tuple(Choice(c.key, c.label(turn.lang)) for c in shown)


def ask_category(turn: Turn) -> None:
    turn.say("ask_category", choices=_category_choices(turn))


def on_category(turn: Turn, message: Inbound) -> str | None:
    text = _clean(message)
    chosen = pick(text, _category_choices(turn))
    turn.state.pop("category_options", None)
    if chosen is None:
        hits = matching_categories(text)
        if 2 <= len(hits) <= 3:
            # A few plausible entries: offer those, not the whole menu again.
            turn.state["category_options"] = list(hits)
            turn.say("category_which", choices=_category_choices(turn))
            return STAY
        if len(hits) != 1:
            turn.say("bad_category")
            return "category"
        chosen = Choice(hits[0], BY_KEY[hits[0]].label(turn.lang))
        turn.say("category_taken", label=chosen.label)
    key = chosen.key
    turn.state["category"] = key
    if key in LOCAL_BY_NATURE:
        turn.state["level"] = LOCAL_BY_NATURE[key]
    return "position"


# --- who -------------------------------------------------------------------------------------


def ask_position(turn: Turn) -> None:
    turn.say("ask_position")


def on_position(turn: Turn, message: Inbound) -> str | None:
    text = _clean(message)
    if len(text) > POSITION_MAX or sum(ch.isalpha() for ch in text) < 3:
        turn.say("bad_position", limit=POSITION_MAX)
        return "position"
    turn.state["position"] = text
    if turn.state.get("category") in LOCAL_BY_NATURE:
        return "name"
    inferred = infer_level(text)
    if inferred is not None:
        turn.state["level"] = inferred
        turn.say("level_taken", label=turn.text(f"level_{inferred}"))
        return "name"
    return "level"


LEVELS = INSTITUTION_LEVELS

# Positions that tell the level by themselves. SMA/SMK/SLB negeri are run by the provinces
# (UU 23/2014), so their teachers are provincial staff; a Kemenag, BPN, tax or BPS office is a
# national agency in the region; police and soldiers have their own chain of command.
_LEVEL_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("provinsi", ("sma", "smk", "slb", "sman", "smkn", "pemprov", "pemerintah provinsi")),
    (
        "vertikal",
        (
            "kemenag",
            "kementerian agama",
            "kua",
            "madrasah",
            "man",
            "mtsn",
            "min",
            "bpn",
            "atr bpn",
            "pertanahan",
            "kpp",
            "pajak",
            "bps",
            "kejari",
            "kejaksaan",
        ),
    ),
    (
        "tni_polri",
        (
            "polri",
            "polisi",
            "polsek",
            "polres",
            "kapolsek",
            "kapolres",
            "bhabinkamtibmas",
            "tni",
            "babinsa",
            "koramil",
            "danramil",
            "kodim",
            "dandim",
        ),
    ),
)

_LEVEL_WORDS: dict[str, str] = {
    "kabupaten": "kabkota",
    "kab": "kabkota",
    "kota": "kabkota",
    "pemkab": "kabkota",
    "pemkot": "kabkota",
    "kabupaten/kota": "kabkota",
    "kecamatan": "kabkota",
    "provinsi": "provinsi",
    "prov": "provinsi",
    "pemprov": "provinsi",
    "vertikal": "vertikal",
    "instansi vertikal": "vertikal",
    "kemenag": "vertikal",
    "bpn": "vertikal",
    "pusat": "pusat",
    "kementerian": "pusat",
    "tni": "tni_polri",
    "polri": "tni_polri",
    "polisi": "tni_polri",
    "tni/polri": "tni_polri",
}


def infer_level(position: str) -> str | None:
    """The level a position names unmistakably, or None when it should be asked."""
    words = f" {normalise(position)} "
    hits = {level for level, hints in _LEVEL_HINTS for h in hints if f" {h} " in words}
    return hits.pop() if len(hits) == 1 else None


def _level_choices(turn: Turn) -> tuple[Choice, ...]:
    return tuple(turn.choice(level, f"level_{level}") for level in LEVELS)


def ask_level(turn: Turn) -> None:
    turn.say("ask_level", choices=_level_choices(turn))


def on_level(turn: Turn, message: Inbound) -> str | None:
    text = _clean(message)
    chosen = pick(text, _level_choices(turn))
    key = chosen.key if chosen else _LEVEL_WORDS.get(normalise(text))
    if key is None and is_skip(text):
        key = "unknown"
    if key is None:
        turn.say("bad_level")
        return "level"
    turn.state["level"] = key
    return "name"


def ask_name(turn: Turn) -> None:
    turn.say("ask_name", choices=(turn.choice("lewati", "choice_skip"),))


def _optional_text(
    turn: Turn, message: Inbound, *, field: str, limit: int, refusal: str, nxt: str
) -> str | None:
    """A free-text answer the reporter may skip ("Lewati", its number, or a skip word).

    ``field`` names both the draft field and the step that re-asks it (they are the same).
    """
    text = _clean(message)
    if is_skip(text) or pick(text, (turn.choice("lewati", "choice_skip"),)):
        turn.state[field] = None
        return nxt
    if len(text) > limit or sum(ch.isalpha() for ch in text) < 2:
        turn.say(refusal, limit=limit)
        return field
    turn.state[field] = text
    return nxt


def on_name(turn: Turn, message: Inbound) -> str | None:
    name, nip = split_nip(_clean(message))
    turn.state["nip"] = nip
    if nip is not None and sum(ch.isalpha() for ch in name) < 2:
        turn.state["name"] = None  # only the NIP was typed
        return "region"
    if nip is not None:
        message = Inbound(channel=message.channel, address=message.address, text=name)
    return _optional_text(
        turn, message, field="name", limit=NAME_MAX, refusal="bad_name", nxt="region"
    )


# --- where -----------------------------------------------------------------------------------


def ask_region(turn: Turn) -> None:
    turn.say("ask_region")


def on_region(turn: Turn, message: Inbound) -> str | None:
    if message.location is not None and not message.text:
        return _region_from_location(turn, message.location)
    text = _clean(message)
    if not text:
        turn.say("region_blank")
        return STAY
    if is_skip(text):
        # No province can be named (an online post, say): only then does Bawaslu RI take it.
        turn.state["region_code"] = None
        turn.say("region_unknown_noted")
        return "incident_date"
    found = turn.regions.match(text)
    if found.kind == "exact":
        turn.state["region_code"] = found.candidates[0].code
        return "incident_date"
    shown = text if len(text) <= 40 else text[:40] + "…"
    if found.kind == "none":
        turn.say("region_none", text=shown)
        return STAY
    turn.state["region_options"] = [r.code for r in found.candidates]
    turn.state["region_prompt"] = (
        "region_ambiguous" if found.kind == "ambiguous" else "region_suggest",
        shown,
    )
    return "region_pick"


def _region_from_location(turn: Turn, location: tuple[float, float]) -> str | None:
    nearest = turn.engine.locate(*location) if turn.engine.locate else None
    if nearest is None:
        turn.say("region_location_unsupported")
        return STAY
    turn.state["region_options"] = [nearest.code]
    turn.state["region_prompt"] = ("region_location_hint", region_label(turn, nearest.code))
    return "region_pick"


def region_label(turn: Turn, code: str) -> str:
    """A region as a choice shows it: "Provinsi X", or the kab/kota with its province."""
    region = turn.regions.get(code)
    if region is None:
        return code
    if region.level == "provinsi":
        return f"Provinsi {region.name}"
    return f"{region.name} ({turn.regions.province_of(region).name})"


def _region_choices(turn: Turn) -> tuple[Choice, ...]:
    options = [
        Choice(code, region_label(turn, code)) for code in turn.state.get("region_options", [])
    ]
    return (*options, turn.choice("ulang", "choice_retype"))


def ask_region_pick(turn: Turn) -> None:
    key, text = turn.state.get("region_prompt", ("region_suggest", ""))
    turn.say(key, text=text, choices=_region_choices(turn))


def on_region_pick(turn: Turn, message: Inbound) -> str | None:
    text = _clean(message)
    chosen = pick(text, _region_choices(turn))
    if chosen is None:
        # Not one of the offered options: read it as a fresh place name.
        return on_region(turn, message) if text else "region_pick"
    if chosen.key == "ulang":
        return "region"
    turn.state["region_code"] = chosen.key
    turn.state.pop("region_options", None)
    turn.state.pop("region_prompt", None)
    return "incident_date"


# --- when ------------------------------------------------------------------------------------


def ask_incident_date(turn: Turn) -> None:
    turn.say("ask_incident_date")


def _read_date(turn: Turn, text: str) -> date | None:
    """A past-or-today date, or None after telling the reporter what was wrong."""
    reading = read_date(text, turn.today())
    if reading.vague:
        turn.say("vague_date")
        return None
    parsed = reading.day
    if parsed is None:
        turn.say("bad_date")
        return None
    if parsed > turn.today():
        # "12 okt" typed on 10 October: not yet happened, never silently a year back.
        turn.say("future_date", date=format_day(parsed, turn.lang))
        return None
    if reading.time_of_day:
        turn.state["time"] = reading.time_of_day
    return parsed


def on_incident_date(turn: Turn, message: Inbound) -> str | None:
    turn.state.pop("time", None)
    parsed = _read_date(turn, _clean(message))
    if parsed is None:
        return STAY
    turn.state["incident_date"] = parsed.isoformat()
    return "learned_date"


def _learned_choices(turn: Turn) -> tuple[Choice, ...]:
    return (turn.choice("sama", "choice_same_day"), turn.choice("ulang", "choice_fix_incident"))


def ask_learned_date(turn: Turn) -> None:
    incident = turn.state.get("incident_date")
    if incident:
        day = format_day(date.fromisoformat(incident), turn.lang)
        turn.say("incident_readback", day=day)
    turn.say("ask_learned_date", choices=_learned_choices(turn))


SAME_DAY_WORDS = frozenset(
    {
        "sama",
        "same",
        "same day",
        "hari yang sama",
        "pada hari yang sama",
        "hari itu juga",
        "hari itu",
        "saat itu juga",
        "langsung",
        "the same day",
    }
)


def on_learned_date(turn: Turn, message: Inbound) -> str | None:
    text = _clean(message)
    incident = date.fromisoformat(turn.state["incident_date"])
    chosen = pick(text, _learned_choices(turn))
    if chosen is not None and chosen.key == "ulang":
        return "incident_date"
    if chosen is not None or normalise(text) in SAME_DAY_WORDS:
        learned: date | None = incident
    else:
        learned = _read_date(turn, text)
        if learned is None:
            return STAY
    assert learned is not None
    if learned < incident:
        turn.say(
            "learned_before_incident",
            learned=format_date(learned, turn.lang),
            incident=format_date(incident, turn.lang),
        )
        return STAY
    turn.state["learned_date"] = learned.isoformat()
    window = turn.policy.reporting_window_days
    deadline = format_day(_last_day(turn, learned), turn.lang)
    if _is_late(turn):
        turn.say("late_notice", days=window, deadline=deadline)
    else:
        turn.say("deadline_notice", days=window, deadline=deadline)
    return "description"


def _last_day(turn: Turn, learned: date) -> date:
    policy = turn.policy
    return reporting_last_day(learned, policy.reporting_window_days, policy.learned_day_is_day_zero)


def _is_late(turn: Turn) -> bool:
    """Past the formal-report window today; judged anew at each look, never stored stale."""
    learned = turn.state.get("learned_date")
    if not learned:
        return False
    return turn.today() > _last_day(turn, date.fromisoformat(learned))


# --- what ------------------------------------------------------------------------------------


def ask_description(turn: Turn) -> None:
    turn.say("ask_description", limit=turn.policy.description_max)


def on_description(turn: Turn, message: Inbound) -> str | None:
    text = _clean(message)
    limit = turn.policy.description_max
    if len(text) > limit:
        turn.say("description_too_long", length=len(text), limit=limit)
        return STAY
    if _letters(text) < DESCRIPTION_MIN_ALNUM:
        turn.say("description_too_short", minimum=DESCRIPTION_MIN_ALNUM)
        return STAY
    turn.state["description"] = text
    return "evidence"


# --- evidence --------------------------------------------------------------------------------


def ask_evidence(turn: Turn) -> None:
    turn.say("ask_evidence", choices=(turn.choice("selesai", "choice_done"),), media=True)


def on_evidence(turn: Turn, message: Inbound) -> str | None:
    text = _clean(message)
    if not message.attachments and (
        pick(text, (turn.choice("selesai", "choice_done"),)) or normalise(text) in DONE_WORDS
    ):
        return "witnesses"
    stored: list[int] = turn.state.setdefault("evidence_ids", [])
    links = URL.findall(text) if len(text) <= 20_000 else []
    if not message.attachments and not links:
        turn.say("evidence_not_understood", choices=(turn.choice("selesai", "choice_done"),))
        return STAY
    added = 0
    for attachment in message.attachments:
        if len(stored) >= turn.policy.evidence_max_items:
            break
        evidence_id = file_attachment(turn, attachment)
        if evidence_id is not None:
            stored.append(evidence_id)
            added += 1
    for link in links:
        if len(stored) >= turn.policy.evidence_max_items:
            break
        stored.append(file_link(turn, link if "://" in link[:8] else "https://" + link))
        added += 1
    done = (turn.choice("selesai", "choice_done"),)
    if len(stored) >= turn.policy.evidence_max_items:
        turn.say("evidence_limit", limit=turn.policy.evidence_max_items, choices=done)
    elif added:
        turn.say("evidence_saved", count=len(stored), choices=done, media=True)
    return STAY


# --- witnesses -------------------------------------------------------------------------------


def ask_witnesses(turn: Turn) -> None:
    turn.say("ask_witnesses", choices=(turn.choice("lewati", "choice_skip"),))


def on_witnesses(turn: Turn, message: Inbound) -> str | None:
    return _optional_text(
        turn,
        message,
        field="witnesses",
        limit=WITNESSES_MAX,
        refusal="bad_witnesses",
        nxt="race",
    )


# --- summary, edit, submit -------------------------------------------------------------------


def _office_name(turn: Turn) -> str:
    office = turn.session.get(Office, _office_code(turn))
    return office.name if office else "-"


def _office_code(turn: Turn) -> str:
    s = turn.state
    return route(turn.region(), s.get("level", "unknown"), s.get("race") or "unknown")


def summary_text(turn: Turn) -> str:
    s = turn.state
    none = turn.text("none")
    category = BY_KEY.get(s.get("category", ""))
    lines = [
        (turn.text("label_category"), category.label(turn.lang) if category else none),
        (turn.text("label_position"), s.get("position") or none),
        (turn.text("label_level"), turn.text(f"level_{s.get('level', 'unknown')}")),
        (turn.text("label_name"), s.get("name") or none),
        (
            turn.text("label_region"),
            region_label(turn, s["region_code"]) if s.get("region_code") else none,
        ),
        (turn.text("label_incident"), _date_label(turn, s.get("incident_date"))),
        (turn.text("label_learned"), _date_label(turn, s.get("learned_date"))),
        (turn.text("label_description"), s.get("description") or none),
        (
            turn.text("label_evidence"),
            turn.text("evidence_count", count=len(s["evidence_ids"]))
            if s.get("evidence_ids")
            else turn.text("evidence_none"),
        ),
        (turn.text("label_witnesses"), s.get("witnesses") or none),
        *_detail_lines(turn),
        (turn.text("label_office"), _office_name(turn)),
    ]
    body = "\n".join(f"{label}: {value}" for label, value in lines)
    if _is_late(turn):
        body += "\n(" + turn.text("label_late", days=turn.policy.reporting_window_days) + ")"
    return body


def _detail_lines(turn: Turn) -> list[tuple[str, str]]:
    """The optional facts, only those the reporter gave (a skipped question shows nothing)."""
    s = turn.state
    lines: list[tuple[str, str]] = []
    for field, label, prefix in (
        ("race", "label_race", "race"),
        ("employment", "label_employment", "employment"),
        ("how_known", "label_how_known", "how"),
        ("witnesses_willing", "label_witnesses_willing", "willing"),
    ):
        value = s.get(field)
        if value and value != "unknown":
            lines.append((turn.text(label), turn.text(f"{prefix}_{value}")))
    for field, label in (("nip", "label_nip"), ("place", "label_place"), ("time", "label_time")):
        if s.get(field):
            lines.append((turn.text(label), str(s[field])))
    return lines


def _date_label(turn: Turn, iso: str | None) -> str:
    return format_day(date.fromisoformat(iso), turn.lang) if iso else turn.text("none")


def _summary_choices(turn: Turn) -> tuple[Choice, ...]:
    return (
        turn.choice("kirim", "choice_submit"),
        turn.choice("ubah", "choice_edit"),
        turn.choice("batal", "choice_cancel"),
    )


def ask_summary(turn: Turn) -> None:
    turn.state.pop("editing", None)
    turn.say("summary", body=summary_text(turn), choices=_summary_choices(turn))


def on_summary(turn: Turn, message: Inbound) -> str | None:
    chosen = pick(_clean(message), _summary_choices(turn))
    if chosen is None:
        turn.say("summary_reask", choices=_summary_choices(turn))
        return STAY
    if chosen.key == "ubah":
        return "edit_pick"
    return _submit(turn)


EDITABLE = (
    ("category", "label_category"),
    ("position", "edit_who"),
    ("region", "label_region"),
    ("incident_date", "edit_when"),
    ("description", "label_description"),
    ("evidence", "label_evidence"),
    ("witnesses", "label_witnesses"),
    ("race", "edit_details"),
)


def _edit_choices(turn: Turn) -> tuple[Choice, ...]:
    return tuple(turn.choice(step, label) for step, label in EDITABLE)


def ask_edit_pick(turn: Turn) -> None:
    turn.say("ask_edit", choices=_edit_choices(turn))


def on_edit_pick(turn: Turn, message: Inbound) -> str | None:
    chosen = pick(_clean(message), _edit_choices(turn))
    if chosen is None:
        return "edit_pick"
    turn.state["editing"] = True
    return chosen.key


# What a submission needs from the draft, and the step that asks for it.
_REQUIRED = (
    ("category", "category"),
    ("position", "position"),
    ("region_code", "region"),
    ("incident_date", "incident_date"),
    ("learned_date", "learned_date"),
    ("description", "description"),
)


def _draft_gap(state: dict[str, object]) -> str | None:
    """The first step whose answer is missing from the draft, or None when it is complete."""
    for key, step in _REQUIRED:
        if key == "region_code" and key in state:
            continue  # None here is the reporter's "tidak tahu": Bawaslu RI takes it
        if not state.get(key):
            return step
    return None


def _submit(turn: Turn) -> str | None:
    s = turn.state
    limit = turn.policy.max_tickets_per_day
    reporter_id = turn.reporter.id
    assert reporter_id is not None
    if tickets_since(turn.session, reporter_id, lockout_since(turn.now, 24 * 60)) >= limit:
        turn.say("daily_limit", limit=limit)
        return STAY
    region = turn.region()
    gap = _draft_gap(s)
    if gap is not None:
        # The draft lost a part (an old draft, a concurrent write): ask for it again rather
        # than fail the turn, which the platform would retry forever.
        turn.state["editing"] = True
        return gap
    level = s.get("level", "unknown")
    learned = date.fromisoformat(s["learned_date"])
    last_day = _last_day(turn, learned)
    late = turn.today() > last_day  # judged now, at submission: a resumed draft may be stale
    ticket, receipt = create_ticket(
        turn.session,
        NewTicket(
            reporter_id=reporter_id,
            office_code=_office_code(turn),
            region_code=region.code if region else NATIONAL_CODE,
            category=s["category"],
            institution_level=level,
            incident_date=date.fromisoformat(s["incident_date"]),
            learned_date=learned,
            late=late,
            lang=turn.lang,
            accused_position=s["position"],
            accused_name=s.get("name"),
            description=s["description"],
            witnesses=s.get("witnesses"),
            evidence_ids=tuple(s.get("evidence_ids", [])),
            race=s.get("race") or "unknown",
            employment=s.get("employment") or "unknown",
            accused_nip=s.get("nip"),
            place=s.get("place"),
            incident_time=s.get("time"),
            how_known=s.get("how_known"),
            witnesses_willing=s.get("witnesses_willing"),
            gakkumdu=vote_buying(s.get("description")),
        ),
        hasher=turn.engine.receipts,
        now=turn.now,
    )
    office, key = office_and_key(turn.session, ticket.office_code)
    turn.state.clear()
    turn.ticket_code = ticket.code
    turn.say("submitted", office=office.name if office else "-", code=ticket.code, receipt=receipt)
    # The optional sealed formal lane (handlers.identity), offered with the key just read.
    return offer_identity(turn, ticket, key)


# --- resume ----------------------------------------------------------------------------------


def _resume_choices(turn: Turn) -> tuple[Choice, ...]:
    return (
        turn.choice("lanjut", "choice_resume"),
        turn.choice("baru", "choice_new"),
        turn.choice("batal", "choice_cancel"),
    )


def ask_resume(turn: Turn) -> None:
    turn.say("ask_resume", choices=_resume_choices(turn))


def on_resume(turn: Turn, message: Inbound) -> str | None:
    chosen = pick(_clean(message), _resume_choices(turn))
    if chosen is None:
        turn.say("resume_reask", choices=_resume_choices(turn))
        return STAY
    if chosen.key == "lanjut":
        return turn.state.pop("resume_step", None) or "category"
    turn.engine.discard_draft(turn)
    return _begin(turn)


STEPS = (
    Step("consent", ask_consent, on_consent, "consent"),
    Step("category", ask_category, on_category, "category"),
    Step("position", ask_position, on_position, "who"),
    Step("level", ask_level, on_level, "who"),
    Step("name", ask_name, on_name, "who"),
    Step("region", ask_region, on_region, "where"),
    Step("region_pick", ask_region_pick, on_region_pick, "where"),
    Step("incident_date", ask_incident_date, on_incident_date, "when"),
    Step("learned_date", ask_learned_date, on_learned_date, "when"),
    Step("description", ask_description, on_description, "description"),
    Step("evidence", ask_evidence, on_evidence, "evidence"),
    Step("witnesses", ask_witnesses, on_witnesses, "witnesses"),
    Step("summary", ask_summary, on_summary, "summary"),
    Step("edit_pick", ask_edit_pick, on_edit_pick, "summary"),
    Step("resume", ask_resume, on_resume, "resume"),
)
