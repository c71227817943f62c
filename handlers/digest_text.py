"""The words of the daily digest: a Telegram message and an e-mail (plain text and HTML).

Renders only what ``storage.digest.Digest`` carries (codes, counts, dates, clocks), so no
report text or reporter detail can appear. A Telegram message may hold 4096 characters: long
lists are shortened, each ending in "dan N lainnya", and the dashboard link always stays.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from handlers.categories import BY_KEY
from storage.digest import Digest, Section, TicketLine
from storage.regions import default_directory

TELEGRAM_LIMIT = 4096
STEPS = (25, 12, 6, 3, 1, 0)  # lines per list, tried in turn until the message fits

_TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Ringkasan harian Netra",
        "evening": "edisi malam",
        "late": "terlambat dikirim",
        "empty": "Tidak ada laporan baru dan tidak ada yang perlu ditindaklanjuti hari ini.",
        "act": "PERLU DITINDAKLANJUTI HARI INI",
        "overdue": "Melewati batas waktu penanganan",
        "due_soon": "Batas waktu penanganan berakhir dalam 24 jam",
        "answered": "Pelapor menjawab pertanyaan lanjutan",
        "window": "Batas waktu pelaporan (7 hari) berakhir hari ini atau besok",
        "new": "LAPORAN BARU SEJAK RINGKASAN TERAKHIR",
        "no_new": "Tidak ada laporan baru.",
        "by_category": "Menurut kategori",
        "by_level": "Menurut tingkat instansi",
        "stale": "Laporan terbuka 5 hari atau lebih tanpa keputusan",
        "questions": "Pertanyaan lanjutan yang belum dijawab pelapor",
        "escalated": "Eskalasi: laporan kab/kota yang melewati batas waktu",
        "national": "Tabel nasional per provinsi (terbuka / lewat batas / baru)",
        "totals": "Jumlah per status",
        "more": "dan {n} lainnya",
        "late_flag": "TERLAMBAT",
        "incident": "kejadian",
        "learned": "diketahui",
        "due": "batas",
        "link": "Buka kotak masuk",
        "subject": "Ringkasan harian Netra — {office} — {date}",
        "none": "tidak ada",
    },
    "en": {
        "title": "Netra daily digest",
        "evening": "evening edition",
        "late": "sent late",
        "empty": "No new reports and nothing to act on today.",
        "act": "ACT TODAY",
        "overdue": "Past the processing deadline",
        "due_soon": "Processing deadline ends within 24 hours",
        "answered": "Reporter answered a follow-up question",
        "window": "Reporting window (7 days) closes today or tomorrow",
        "new": "NEW SINCE THE LAST DIGEST",
        "no_new": "No new reports.",
        "by_category": "By category",
        "by_level": "By institution level",
        "stale": "Reports open 5 days or more without a decision",
        "questions": "Follow-up questions the reporter has not answered",
        "escalated": "Escalations: kab/kota reports past their deadline",
        "national": "National table by province (open / overdue / new)",
        "totals": "Totals by status",
        "more": "and {n} more",
        "late_flag": "LATE",
        "incident": "incident",
        "learned": "learned",
        "due": "due",
        "link": "Open the inbox",
        "subject": "Netra daily digest — {office} — {date}",
        "none": "none",
    },
}

_LEVELS = {
    "id": {"kabkota": "Pemda kab/kota", "provinsi": "Pemda provinsi", "pusat": "Pusat"},
    "en": {"kabkota": "Regency/city", "provinsi": "Province", "pusat": "National"},
}


def _t(lang: str) -> dict[str, str]:
    return _TEXT["en" if lang == "en" else "id"]


def subject(digest: Digest) -> str:
    """Office and date only: a subject with counts would tell any reader that reports came."""
    return _t(digest.lang)["subject"].format(
        office=digest.office_name, date=digest.local_date.isoformat()
    )


def inbox_link(base_url: str, digest: Digest, section: str | None = None) -> str:
    """The dashboard inbox showing exactly the tickets this digest lists (or one section's):
    the inbox rebuilds the digest's conditions from its date and edition."""
    values = {"digest": digest.local_date.isoformat()}
    if digest.edition != "pagi":
        values["edition"] = digest.edition
    if section:
        values["section"] = section
    return f"{base_url.rstrip('/')}/dashboard/?{urlencode(values)}"


def _d(value: date) -> str:
    # Not strftime: over all 553 digests it was the slowest part of rendering.
    return f"{value.day:02d}-{value.month:02d}-{value.year}"


def _due(value: datetime, timezone: str) -> str:
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.day:02d}-{local.month:02d} {local.hour:02d}.{local.minute:02d}"


def _category(key: str, lang: str) -> str:
    found = BY_KEY.get(key)
    return found.label(lang) if found is not None else key


def _region(code: str) -> str:
    """The kab/kota (or province) by name: public data, and what officers read at a glance."""
    found = default_directory().get(code)
    return found.name if found is not None else code


def _line(item: TicketLine, digest: Digest) -> str:
    return _line_text(item, digest.lang, digest.timezone)


@lru_cache(maxsize=4096)
def _line_text(item: TicketLine, lang: str, timezone: str) -> str:
    """One ticket's line; cached because a Telegram message is rendered again, shorter, until
    it fits, and the e-mail's two parts repeat the same lines."""
    words = _t(lang)
    parts = [
        item.code,
        _category(item.category, lang),
        _region(item.region_code),
        f"{words['incident']} {_d(item.incident_date)}",
        f"{words['learned']} {_d(item.learned_date)}",
    ]
    if item.late:
        parts.append(words["late_flag"])
    if item.status in ("baru", "dikaji", "perlu_info"):
        parts.append(f"{words['due']} {_due(item.due, timezone)}")
    return " · ".join(parts)


@dataclass(frozen=True)
class _Block:
    """A titled list: ``lines`` is what fits, ``total`` what exists."""

    title: str
    section: Section


def _blocks(digest: Digest) -> tuple[list[_Block], list[_Block], list[_Block]]:
    words = _t(digest.lang)
    act = [
        _Block(words["overdue"], digest.overdue),
        _Block(words["due_soon"], digest.due_soon),
        _Block(words["answered"], digest.answered),
        _Block(words["window"], digest.window_closing),
    ]
    new = [_Block(words["new"], digest.new)]
    rest = [
        _Block(words["stale"], digest.stale_tips),
        _Block(words["questions"], digest.open_questions),
    ]
    if digest.level == "provinsi":
        rest.append(_Block(words["escalated"], digest.escalated))
    return act, new, rest


def _header(digest: Digest) -> list[str]:
    words = _t(digest.lang)
    title = f"{words['title']} — {digest.office_name}"
    when = _d(digest.local_date)
    if digest.edition == "malam":
        when += f" ({words['evening']})"
    return [title, when, digest.stage]


def _counts(digest: Digest) -> list[str]:
    words = _t(digest.lang)
    out: list[str] = []
    if digest.new_by_category:
        out.append(words["by_category"] + ":")
        out += [f"  {_category(k, digest.lang)}: {v}" for k, v in digest.new_by_category.items()]
    if digest.new_by_level:
        levels = _LEVELS["en" if digest.lang == "en" else "id"]
        out.append(words["by_level"] + ":")
        out += [f"  {levels.get(k, k)}: {v}" for k, v in digest.new_by_level.items()]
    return out


def _list(block: _Block, digest: Digest, keep: int) -> list[str]:
    total = block.section.total
    out = [f"{block.title}: {total}"]
    shown = block.section.lines[:keep]
    out += [f"• {_line(item, digest)}" for item in shown]
    left = total - len(shown)
    if left > 0:
        out.append("  " + _t(digest.lang)["more"].format(n=left))
    return out


def _national(digest: Digest, keep: int) -> list[str]:
    if not digest.national:
        return []
    words = _t(digest.lang)
    out = [words["national"]]
    rows = digest.national if keep >= len(digest.national) else digest.national[: keep * 2]
    out += [f"  {r.province}: {r.open} / {r.overdue} / {r.new}" for r in rows]
    if len(rows) < len(digest.national):
        out.append("  " + words["more"].format(n=len(digest.national) - len(rows)))
    return out


def _render(digest: Digest, base_url: str, keep: int) -> str:
    words = _t(digest.lang)
    out = _header(digest)
    out.append("")
    if digest.empty:
        out.append(words["empty"])
        out.append("")
    act, new, rest = _blocks(digest)
    out.append(f"{words['act']}: {digest.act_today_total}")
    for block in act:
        if block.section.total:
            out += _list(block, digest, keep)
    out.append("")
    for block in new:
        if block.section.total:
            out += _list(block, digest, keep)
            out += _counts(digest)
        else:
            out.append(f"{block.title}: 0")
    out.append("")
    for block in rest:
        out += _list(block, digest, keep) if block.section.total else [f"{block.title}: 0"]
    national = _national(digest, keep)
    if national:
        out.append("")
        out += national
    out.append("")
    out.append(words["totals"] + ":")
    totals = ", ".join(f"{k} {v}" for k, v in digest.totals.items() if v) or words["none"]
    out.append("  " + totals)
    out.append("")
    out.append(f"{words['link']}: {inbox_link(base_url, digest)}")
    return "\n".join(out)


def telegram_text(digest: Digest, base_url: str, limit: int = TELEGRAM_LIMIT) -> str:
    """The message for the office's chat, shortened list by list until it fits ``limit``."""
    for keep in STEPS:
        text = _render(digest, base_url, keep)
        if len(text) <= limit:
            return text
    return text[: limit - 1]  # headers alone cannot exceed the limit; a last resort


def email_text(digest: Digest, base_url: str) -> str:
    """The e-mail's plain-text part: every fetched line (no message size limit)."""
    return _render(digest, base_url, 10_000)


def email_html(digest: Digest, base_url: str) -> str:
    """The e-mail's HTML part: the plain text, escaped, with the link clickable."""
    text = email_text(digest, base_url)
    link = inbox_link(base_url, digest)
    body = html.escape(text).replace(
        html.escape(link), f'<a href="{html.escape(link)}">{html.escape(link)}</a>'
    )
    title = html.escape(subject(digest))
    return (
        f'<!doctype html><html lang="{digest.lang}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>"
        f'<pre style="font-family:sans-serif;white-space:pre-wrap">{body}</pre></body></html>'
    )
