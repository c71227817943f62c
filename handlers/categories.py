"""The catalogue of ASN-neutrality violations offered to reporters.

Ordered by how often Bawaslu saw them (partisan activities first, as in the 2024 Pilkada,
then social media, photos and attending declarations), with the legal references an officer
needs when assessing the case. Party membership and campaign-team roles are separate entries
because their sanctions differ (dismissal vs. a medium or heavy sanction).
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


# References are only those that can be checked against the project's domain notes: the SKB
# Netralitas ASN 2022 (Lampiran II), PP 94/2021 Pasal 5 huruf n, UU 10/2016 Pasal 71 and 188,
# PP 49/2018 for PPPK. Where no verified instrument applies (village heads, TNI/Polri under
# their own laws, honorer and BUMN/BUMD staff) the reference is left empty rather than guessed.
SKB = "SKB Netralitas ASN 2022, Lampiran II"
PP94 = "PP 94/2021 Pasal 5 huruf n"
PPPK = "PP 49/2018 (PPPK)"

CATEGORIES: tuple[Category, ...] = (
    Category(
        "mobilisasi",
        "Kegiatan partisan: pertemuan, ajakan, atau membagi barang kepada bawahan, keluarga, "
        "atau warga untuk calon",
        "Partisan activities: meetings, appeals, or handing out goods to staff, family or the "
        "public for a candidate",
        f"{SKB}; {PP94} (mengerahkan ASN lain); {PPPK}",
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
            "pertemuan",
            "kumpulkan",
            "mobilise",
            "mobilize",
            "staff",
            "goods",
            "money",
        ),
    ),
    Category(
        "medsos",
        "Unggahan, like, share, komentar, atau ikut grup/akun kampanye calon di media sosial",
        "Posting, liking, sharing, commenting, or joining a candidate's campaign group or "
        "account on social media",
        SKB,
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
        "foto",
        "Foto bersama calon/tim dengan gaya, simbol partai, atau latar dukungan",
        "Photo with a candidate or team showing a partisan gesture, party symbol or backdrop",
        SKB,
        ("foto", "photo", "gestur", "gesture", "pose", "jari", "selfie"),
    ),
    Category(
        "kampanye",
        "Menghadiri deklarasi atau kampanye calon dan menunjukkan dukungan",
        "Attending a candidate's declaration or campaign and showing support",
        SKB,
        ("kampanye", "deklarasi", "rapat umum", "campaign", "rally", "declaration"),
    ),
    Category(
        "atribut",
        "Memasang spanduk, baliho, atau alat peraga calon; berkampanye dengan atribut partai "
        "atau atribut PNS",
        "Putting up a candidate's banners, billboards or props; campaigning in party or "
        "civil-service attributes",
        f"{SKB}; {PP94}",
        (
            "atribut",
            "kaos",
            "spanduk",
            "baliho",
            "stiker",
            "alat peraga",
            "memasang",
            "banner",
            "t-shirt",
            "attribute",
            "sticker",
            "billboard",
        ),
    ),
    Category(
        "keputusan",
        "Keputusan atau tindakan yang menguntungkan / merugikan pasangan calon",
        "Decisions or actions that favour or harm a candidate pair",
        f"{SKB}; UU 10/2016 Pasal 71, 188",
        ("keputusan", "kebijakan", "tindakan", "mutasi", "bansos", "program", "decision", "policy"),
    ),
    Category(
        "fasilitas",
        "Memakai fasilitas, kendaraan, atau anggaran negara untuk calon",
        "Using state facilities, vehicles or budget for a candidate",
        PP94,
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
        "partai",
        "Menjadi anggota atau pengurus partai politik",
        "Being a member or official of a political party",
        SKB,
        ("partai", "anggota partai", "pengurus partai", "kader", "party"),
    ),
    Category(
        "tim_kampanye",
        "Menjadi tim kampanye, tim sukses, tenaga ahli, atau konsultan calon",
        "Being on a candidate's campaign team, an expert or a consultant",
        SKB,
        (
            "tim kampanye",
            "tim sukses",
            "timses",
            "relawan",
            "konsultan",
            "tenaga ahli",
            "campaign team",
        ),
    ),
    Category(
        "dukungan_perseorangan",
        "Memberi surat dukungan atau mengumpulkan fotokopi KTP untuk calon perseorangan",
        "Giving a support letter or collecting ID-card copies for an independent candidate",
        SKB,
        ("ktp", "fotokopi ktp", "calon perseorangan", "independen", "surat dukungan", "id card"),
    ),
    Category(
        "bakal_calon",
        "Mendekati partai atau masyarakat sebagai bakal calon tanpa cuti",
        "Approaching a party or the public as a would-be candidate without unpaid leave",
        SKB,
        ("bakal calon", "mencalonkan", "pendaftaran calon", "cuti"),
    ),
    Category(
        "kepala_desa",
        "Kepala desa / perangkat desa tidak netral",
        "A village head or village official not neutral",
        "",
        ("kepala desa", "kades", "perangkat desa", "kepdes", "village head"),
    ),
    Category(
        "tni_polri",
        "Anggota TNI / Polri tidak netral",
        "A member of the armed forces (TNI) or police (Polri) not neutral",
        "",
        ("tni", "polri", "polisi", "tentara", "babinsa", "police", "army", "military"),
    ),
    Category(
        "lainnya",
        "Lainnya (termasuk PPPK, honorer, pegawai BUMN/BUMD)",
        "Other (including PPPK, honorary and BUMN/BUMD staff)",
        SKB,
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
