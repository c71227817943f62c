"""The catalogue of ASN-neutrality violations offered to reporters.

Ordered by how often Bawaslu saw them in 2020 (social media first), with the SKB 2022
Lampiran II codes (D1–D13) and PP 94/2021 grounds an officer needs when assessing the case.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    key: str
    label_id: str
    label_en: str
    refs: str  # legal references, for officers
    keywords: tuple[str, ...]  # typed words that pick this category

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_id


CATEGORIES: tuple[Category, ...] = (
    Category(
        "medsos",
        "Unggahan, like, share atau komentar mendukung calon di media sosial",
        "Posting, liking, sharing or commenting in support of a candidate on social media",
        "SKB 2022 D2, D6",
        (
            "medsos",
            "media sosial",
            "sosmed",
            "facebook",
            "instagram",
            "tiktok",
            "twitter",
            "whatsapp",
            "grup wa",
            "status wa",
            "like",
            "share",
            "komentar",
            "social media",
            "posting",
            "unggah",
            "online",
        ),
    ),
    Category(
        "kampanye",
        "Menghadiri atau ikut kampanye / deklarasi calon",
        "Attending or taking part in a campaign or candidate declaration",
        "SKB 2022 D4",
        ("kampanye", "deklarasi", "rapat umum", "campaign", "rally", "declaration"),
    ),
    Category(
        "foto",
        "Foto bersama calon dengan gaya / simbol dukungan",
        "Photo with a candidate showing a partisan gesture or symbol",
        "SKB 2022 D7",
        ("foto", "photo", "gestur", "gesture", "pose", "jari", "selfie"),
    ),
    Category(
        "fasilitas",
        "Memakai fasilitas, kendaraan atau anggaran kantor untuk calon",
        "Using office facilities, vehicles or budget for a candidate",
        "PP 94/2021 Pasal 5 huruf n; UU 10/2016 Pasal 71",
        (
            "fasilitas",
            "mobil dinas",
            "kendaraan",
            "anggaran",
            "kantor",
            "gedung",
            "vehicle",
            "facility",
            "facilities",
            "budget",
            "car",
        ),
    ),
    Category(
        "keputusan",
        "Keputusan atau tindakan yang menguntungkan / merugikan pasangan calon",
        "Decisions or actions that favour or harm a candidate pair",
        "SKB 2022 D12; UU 10/2016 Pasal 71, 188",
        ("keputusan", "kebijakan", "tindakan", "mutasi", "bansos", "program", "decision", "policy"),
    ),
    Category(
        "atribut",
        "Memakai atau membagikan atribut / alat peraga calon",
        "Wearing or handing out a candidate's attributes or campaign props",
        "SKB 2022 D1; PP 94/2021",
        (
            "atribut",
            "kaos",
            "spanduk",
            "baliho",
            "stiker",
            "alat peraga",
            "banner",
            "t-shirt",
            "attribute",
            "sticker",
            "billboard",
        ),
    ),
    Category(
        "mobilisasi",
        "Mengerahkan bawahan / warga, ajakan, atau membagi barang untuk calon",
        "Mobilising staff or citizens, appeals, or handing out goods for a candidate",
        "SKB 2022 D8; PP 94/2021",
        (
            "mobilisasi",
            "mengerahkan",
            "ajakan",
            "mengajak",
            "bawahan",
            "pegawai",
            "sembako",
            "uang",
            "amplop",
            "mobilise",
            "mobilize",
            "staff",
            "goods",
            "money",
        ),
    ),
    Category(
        "tim_kampanye",
        "Menjadi tim kampanye, tim sukses, konsultan, atau pengurus partai",
        "Being part of a campaign team, adviser, or party member / official",
        "SKB 2022 D5, D9, D10",
        (
            "tim kampanye",
            "tim sukses",
            "timses",
            "relawan",
            "konsultan",
            "partai",
            "campaign team",
            "party",
        ),
    ),
    Category(
        "kepala_desa",
        "Kepala desa / perangkat desa tidak netral",
        "A village head or village official not neutral",
        "UU 6/2014 Pasal 29, 51; UU 10/2016 Pasal 71",
        ("kepala desa", "kades", "perangkat desa", "kepdes", "village head"),
    ),
    Category(
        "tni_polri",
        "Anggota TNI / Polri tidak netral",
        "A member of the armed forces (TNI) or police (Polri) not neutral",
        "UU 34/2004 Pasal 39; UU 2/2002 Pasal 28",
        ("tni", "polri", "polisi", "tentara", "babinsa", "police", "army", "military"),
    ),
    Category(
        "lainnya",
        "Lainnya",
        "Other",
        "SKB 2022 D3, D11, D13",
        ("lainnya", "lain", "lain-lain", "other", "others"),
    ),
)

BY_KEY: dict[str, Category] = {c.key: c for c in CATEGORIES}
# Categories that tell the institution level by themselves: it is not asked.
LOCAL_BY_NATURE: dict[str, str] = {"kepala_desa": "kabkota", "tni_polri": "tni_polri"}


def matching_categories(text: str) -> list[str]:
    """Category keys whose keywords appear in typed text, in catalogue order."""
    words = f" {normalise_words(text)} "
    if len(words) > 200:
        return []
    return [c.key for c in CATEGORIES if any(f" {kw} " in words for kw in c.keywords)]


def normalise_words(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s/@-]", " ", folded)).strip()
