"""Broadcast states and refusals in the dashboard's language.

``storage.broadcasts`` and ``storage.templates`` refuse in English (the text logs and tests
read); an admin working in Indonesian must not get "the deadline has passed" or "(draft)".
The refusals are built from a few fixed phrases around data (partisan words, codes, states), so
the phrases are translated here and the data is left as it is.
"""

from __future__ import annotations

import re

from bot.dashboard import ui

STATES: dict[str, tuple[str, str]] = {
    "draft": ("draf", "draft"),
    "approved": ("disetujui", "approved"),
    "running": ("sedang dikirim", "sending"),
    "paused": ("dijeda", "paused"),
    "cancelled": ("dibatalkan", "cancelled"),
    "finished": ("selesai", "finished"),
    "done": ("selesai", "finished"),
}

ACTIONS = {"pause": "menjeda", "resume": "melanjutkan", "cancel": "membatalkan"}

_STATE = "|".join(STATES)

# (English pattern, Indonesian replacement), applied in order; the data between stays as typed.
PHRASES: tuple[tuple[str, str], ...] = (
    (rf"cannot (pause|resume|cancel) a broadcast that is ({_STATE})", "__action__"),
    (rf"the broadcast is ({_STATE}), not a draft", "__not_draft__"),
    ("only an active admin may do this", "hanya admin aktif yang boleh melakukannya"),
    ("the deadline has passed", "batas waktunya sudah lewat"),
    (
        "a second admin must approve: the author cannot",
        "admin kedua yang harus menyetujui: penyusunnya tidak bisa",
    ),
    (
        "cannot finish before the deadline at the channels' rates within sending hours",
        "tidak dapat selesai sebelum batas waktu dengan laju kanal dan jam kirim yang berlaku",
    ),
    (r"title \((id|en)\): partisan words", r"judul (\1): kata partisan"),
    ("partisan words", "kata partisan"),
    ("does not say who sends it", "tidak menyebut siapa pengirimnya"),
    ("does not end with the opt-out word", "tidak diakhiri kata untuk berhenti berlangganan"),
    (r"unknown placeholder \(use", "penanda tidak dikenal (pakai"),
    ("key: 2-64 lower-case letters, digits or _", "kunci: 2–64 huruf kecil, angka, atau _"),
    ("unknown stage:", "tahap tidak dikenal:"),
    ("a title in both languages is needed", "judul dalam kedua bahasa wajib diisi"),
    ("unknown template:", "templat tidak dikenal:"),
    (r"deadline: YYYY-MM-DDTHH:MM \(WIB\)", "batas waktu: TTTT-BB-HHTjj:mm (WIB)"),
    (r"unknown region code\(s\):", "kode wilayah tidak dikenal:"),
)


def state_label(state: str, lang: str) -> str:
    """A broadcast's state as the admin reads it ("dijeda", not "paused")."""
    pair = STATES.get(state)
    if pair is None:
        return state
    return pair[1] if lang == "en" else pair[0]


def refusal(message: str, lang: str) -> str:
    """A refusal from the storage layer, in the dashboard's language."""
    if lang == "en":
        return message
    text = message
    for pattern, replacement in PHRASES:
        if replacement == "__action__":
            text = re.sub(
                pattern,
                lambda m: f"tidak dapat {ACTIONS[m.group(1)]} siaran yang "
                f"{state_label(m.group(2), 'id')}",
                text,
            )
        elif replacement == "__not_draft__":
            text = re.sub(
                pattern,
                lambda m: f"siaran ini {state_label(m.group(1), 'id')}, bukan draf",
                text,
            )
        else:
            text = re.sub(pattern, replacement, text)
    return text


ui.TEMPLATES.env.filters["broadcast_state"] = lambda state, lang="id": state_label(state, lang)
