"""Indonesian provinces and kabupaten/kota, and matching what reporters type to them.

A report has to reach the Bawaslu office that covers the place where the violation happened, so
the bot asks the reporter for a kabupaten or kota. Reporters type on low-end phones, use local
spellings and abbreviations, and make typos. This module turns that text into a region, or says
plainly that it cannot:

* ``exact``: one region, safe to route without asking again.
* ``ambiguous``: several regions are equally valid (``Bima`` is both Kabupaten Bima and Kota Bima).
  The bot must ask; this module never guesses between them.
* ``suggest``: nothing matched exactly, but some names are close. The bot must confirm.
* ``none``: nothing useful; ask again.

The data is the shipped ``data/regions.csv`` (see ``data/README.md`` for its source and for the
ambiguities handled here). The module is pure: no database, no network, no mutable state.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz, process

Level = Literal["provinsi", "kabupaten", "kota"]
MatchKind = Literal["exact", "ambiguous", "suggest", "none"]

_LEVELS: tuple[Level, ...] = ("provinsi", "kabupaten", "kota")

#: Name prefixes in the data. Longest first, so "Kota Administrasi Jakarta Pusat" loses the whole
#: "Kota Administrasi " and not only "Kota ".
_NAME_PREFIXES: tuple[str, ...] = (
    "Kabupaten Administrasi ",
    "Kota Administrasi ",
    "Kabupaten ",
    "Kota ",
)

#: Prefixes a reporter may type (already normalised: "kab." arrives as "kab"). A prefix fixes the
#: level, so "kota bekasi" is exact even though bare "bekasi" is ambiguous. Longest first.
_TYPED_PREFIXES: tuple[tuple[tuple[str, ...], Level], ...] = (
    (("kabupaten", "administrasi"), "kabupaten"),
    (("kota", "administrasi"), "kota"),
    (("kabupaten",), "kabupaten"),
    (("kab",), "kabupaten"),
    (("kota",), "kota"),
    (("kot",), "kota"),
    (("provinsi",), "provinsi"),
    (("propinsi",), "provinsi"),
    (("prov",), "provinsi"),
    (("prop",), "provinsi"),
)

#: Names people use that are not in the decree data, mapped to Kemendagri codes. Keys are written
#: naturally and normalised at load time. Spelling variants come from the data README; the rest
#: are common abbreviations. A key with several codes is deliberately ambiguous ("Yogyakarta" is
#: both the province and the kota). Every code is checked against the CSV at load time.
_ALIASES: dict[str, tuple[str, ...]] = {
    # Spelling variants used by the local governments themselves.
    "Palangka Raya": ("62.71",),
    "Baubau": ("74.72",),
    "Fakfak": ("92.03",),
    "Tolitoli": ("72.04",),
    "Tojo Una-Una": ("72.09",),
    "Pangkalpinang": ("19.71",),
    "Tanjungpinang": ("21.72",),
    "Lubuklinggau": ("16.73",),
    # Kab/kota abbreviations.
    "Sitaro": ("71.09",),
    "Pangkep": ("73.10",),
    "PALI": ("16.12",),
    "OKU": ("16.01",),
    "OKI": ("16.02",),
    "OKU Timur": ("16.08",),
    "OKU Selatan": ("16.09",),
    "Kukar": ("64.02",),
    "Jakpus": ("31.71",),
    "Jakut": ("31.72",),
    "Jakbar": ("31.73",),
    "Jaksel": ("31.74",),
    "Jaktim": ("31.75",),
    # Provinces.
    "DKI": ("31",),
    "DKI Jakarta": ("31",),
    "Jakarta": ("31",),
    "Daerah Khusus Jakarta": ("31",),  # the name under UU No. 2/2024
    "DIY": ("34",),
    "DI Yogyakarta": ("34",),
    "Yogyakarta": ("34", "34.71"),
    "Jogja": ("34", "34.71"),
    "Jogjakarta": ("34", "34.71"),
    "Sumut": ("12",),
    "Sumbar": ("13",),
    "Sumsel": ("16",),
    "Babel": ("19",),
    "Kepri": ("21",),
    "Jabar": ("32",),
    "Jateng": ("33",),
    "Jatim": ("35",),
    "NTB": ("52",),
    "NTT": ("53",),
    "Kalbar": ("61",),
    "Kalteng": ("62",),
    "Kalsel": ("63",),
    "Kaltim": ("64",),
    "Kaltara": ("65",),
    "Sulut": ("71",),
    "Sulteng": ("72",),
    "Sulsel": ("73",),
    "Sultra": ("74",),
    "Sulbar": ("76",),
    "Malut": ("82",),
}

#: Time zone by province-code prefix; the longest matching prefix wins. Deadlines and "today" in
#: messages must be in the reporter's local time, and Indonesia spans three zones.
_TIMEZONE_BY_CODE_PREFIX: dict[str, str] = {
    "1": "Asia/Jakarta",  # Sumatra, 11-19
    "2": "Asia/Jakarta",  # Kepulauan Riau, 21
    "3": "Asia/Jakarta",  # Java, 31-36
    "5": "Asia/Makassar",  # Bali, NTB, NTT
    "61": "Asia/Jakarta",  # Kalimantan Barat
    "62": "Asia/Jakarta",  # Kalimantan Tengah
    "63": "Asia/Makassar",  # Kalimantan Selatan
    "64": "Asia/Makassar",  # Kalimantan Timur
    "65": "Asia/Makassar",  # Kalimantan Utara
    "7": "Asia/Makassar",  # Sulawesi, 71-76
    "8": "Asia/Jayapura",  # Maluku, Maluku Utara
    "9": "Asia/Jayapura",  # the six Papua provinces
}

#: Longer input is not a place name; refusing it keeps matching fast on pasted junk.
MAX_INPUT_CHARS = 80
#: Fewer letters than this are too little to fuzzy-match without producing noise.
MIN_FUZZY_CHARS = 3
#: ``fuzz.ratio`` cutoff (0-100) for suggestions. One typo in a name of 5+ letters scores >= 80
#: (e.g. "sinjay" vs "sinjai" 83), while common chat words stay below it ("halo" vs "alor" 75,
#: "guru" vs "buru" 75). The cost: one substituted letter in a 4-letter name (75) is not suggested.
FUZZY_CUTOFF = 80.0
#: At most this many suggestions; a chat reply cannot offer more.
MAX_SUGGESTIONS = 3

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(_LEVELS)}
_LEVEL_BY_NAME: dict[str, Level] = {level: level for level in _LEVELS}


def _timezone_for(code: str) -> str | None:
    """Return the zone for a province code via the longest prefix, or None if none covers it."""
    for length in range(len(code), 0, -1):
        zone = _TIMEZONE_BY_CODE_PREFIX.get(code[:length])
        if zone is not None:
            return zone
    return None


def office_timezone(code: str) -> str:
    """The zone an office keeps its clocks in: its region's, or WIB for Bawaslu RI."""
    return _timezone_for(code) or "Asia/Jakarta"


def _normalise(text: str) -> str:
    """Reduce text to lowercase ASCII words separated by single spaces.

    Accents are folded and every run of other characters (punctuation, emoji, markup) becomes a
    space, so "Kab. Toli-Toli" and "kab toli toli" compare equal.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    return " ".join(_NON_ALNUM.sub(" ", ascii_only).split())


def _compact(normalised: str) -> str:
    """Drop spaces so that "tolitoli", "toli toli" and "Toli-Toli" share one key."""
    return normalised.replace(" ", "")


def _ordered(regions: Iterable[Region]) -> tuple[Region, ...]:
    """Sort province, then kabupaten, then kota, then by code: a stable order for the bot's menu."""
    return tuple(sorted(set(regions), key=lambda r: (_LEVEL_RANK[r.level], r.code)))


@dataclass(frozen=True)
class Region:
    """A province or a kabupaten/kota, as listed in the Kemendagri decree data."""

    code: str
    name: str
    level: Level
    parent_code: str | None

    @property
    def province_code(self) -> str:
        """Kemendagri codes nest, so the first two digits are always the province."""
        return self.code[:2]

    @property
    def short_name(self) -> str:
        """The name without "Kabupaten"/"Kota" (and "Administrasi"): what people actually say."""
        if self.level == "provinsi":
            return self.name
        for prefix in _NAME_PREFIXES:
            if self.name.startswith(prefix):
                return self.name[len(prefix) :]
        return self.name

    @property
    def timezone(self) -> str:
        """IANA zone of the region's province; every kab/kota lies in a single zone."""
        zone = _timezone_for(self.province_code)
        if zone is None:
            raise ValueError(f"no time zone known for province {self.province_code}")
        return zone


@dataclass(frozen=True)
class RegionMatch:
    """The outcome of matching user text; ``kind`` tells the bot whether it must ask again."""

    kind: MatchKind
    candidates: tuple[Region, ...]


_NO_MATCH = RegionMatch("none", ())


def _found(regions: Iterable[Region]) -> RegionMatch:
    """Exact if one region fits, ambiguous if several do equally well, none if none do."""
    ordered = _ordered(regions)
    if not ordered:
        return _NO_MATCH
    return RegionMatch("exact" if len(ordered) == 1 else "ambiguous", ordered)


def _suggested(regions: Iterable[Region]) -> RegionMatch:
    """A guess the bot must confirm; capped so it fits in one reply."""
    ordered = _ordered(regions)[:MAX_SUGGESTIONS]
    return RegionMatch("suggest", ordered) if ordered else _NO_MATCH


def _sourced_aliases() -> dict[str, tuple[str, ...]]:
    """Nicknames and former names from ``data/region_aliases.csv``; each row names its source."""
    path = Path(__file__).parent / "data" / "region_aliases.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["alias"]: tuple(row["codes"].split()) for row in csv.DictReader(handle)}


def _default_csv_path() -> Path:
    return Path(__file__).parent / "data" / "regions.csv"


class RegionDirectory:
    """All regions, indexed for lookup by code and by the names people type."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self._regions = tuple(sorted(regions, key=lambda r: r.code))
        self._by_code: dict[str, Region] = {r.code: r for r in self._regions}
        if len(self._by_code) != len(self._regions):
            raise ValueError("region codes must be unique")
        self._provinces = tuple(r for r in self._regions if r.level == "provinsi")
        self._kabkota = tuple(r for r in self._regions if r.level != "provinsi")
        for region in self._regions:
            if region.level not in _LEVELS:
                raise ValueError(f"{region.code}: unknown level {region.level!r}")
            if region.level == "provinsi":
                if region.parent_code is not None:
                    raise ValueError(f"{region.code}: a province has no parent")
                if _timezone_for(region.code) is None:
                    raise ValueError(f"{region.code}: no time zone for this province")
            elif self._by_code.get(region.parent_code or "") not in self._provinces:
                raise ValueError(f"{region.code}: parent {region.parent_code!r} is not a province")

        # Exact index: compact name -> regions. Each region is reachable by its full name, its
        # short name and any alias. Names shared by several regions (Bima) keep all of them.
        names: dict[str, set[Region]] = {}
        for region in self._regions:
            for name in (region.name, region.short_name):
                names.setdefault(_normalise(name), set()).add(region)
        for alias, codes in {**_ALIASES, **_sourced_aliases()}.items():
            for code in codes:
                if code not in self._by_code:
                    raise ValueError(f"alias {alias!r} names unknown code {code}")
                names.setdefault(_normalise(alias), set()).add(self._by_code[code])
        self._exact: dict[str, tuple[Region, ...]] = {}
        for name, found in names.items():
            key = _compact(name)
            self._exact[key] = _ordered((*self._exact.get(key, ()), *found))
        # Fuzzy choices keep their spaces: a typo scores against the name as normally written.
        self._fuzzy_names: list[str] = list(names)
        self._fuzzy_regions: list[tuple[Region, ...]] = [_ordered(names[n]) for n in names]

    @classmethod
    def load(cls, path: Path | None = None) -> RegionDirectory:
        """Read the regions CSV (by default the one shipped in ``storage/data``)."""
        csv_path = path if path is not None else _default_csv_path()
        with csv_path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        regions: list[Region] = []
        for line, row in enumerate(rows, start=2):
            level = _LEVEL_BY_NAME.get(row.get("level") or "")
            if level is None:
                raise ValueError(f"{csv_path}:{line}: unknown level {row.get('level')!r}")
            regions.append(
                Region(
                    code=row["code"].strip(),
                    name=row["name"].strip(),
                    level=level,
                    parent_code=(row.get("parent_code") or "").strip() or None,
                )
            )
        return cls(regions)

    def get(self, code: str) -> Region | None:
        return self._by_code.get(code.strip())

    def all(self) -> tuple[Region, ...]:
        return self._regions

    def provinces(self) -> tuple[Region, ...]:
        return self._provinces

    def kabkota(self) -> tuple[Region, ...]:
        return self._kabkota

    def province_of(self, region: Region) -> Region:
        """The province a region belongs to; a province is its own province."""
        return self._by_code[region.province_code]

    def match(self, text: str) -> RegionMatch:
        """Match free text typed by a reporter; never raises on any string.

        Order of attempts, stopping at the first that finds something:
        the whole text as a name; a typed prefix ("kab", "kota", "prov") that fixes the level;
        a province named at the end ("Banjar, Kalimantan Selatan"); then fuzzy suggestions.
        """
        if not isinstance(text, str) or len(text.strip()) > MAX_INPUT_CHARS:
            return _NO_MATCH
        words = _normalise(text).split()
        if not words:
            return _NO_MATCH

        whole = self._lookup(words)
        if whole:
            return _found(whole)

        level, rest = _strip_prefix(words)
        if not rest:
            return _NO_MATCH
        if level is not None:
            named = self._lookup(rest)
            of_level = [r for r in named if r.level == level]
            if of_level:
                return _found(of_level)
            if named:
                # "Kabupaten Padang": the name exists, but only as a kota. Offer it; don't assert.
                return _suggested(named)

        hinted = self._match_with_province_hint(rest, level)
        if hinted is not None:
            return hinted
        return self._fuzzy(" ".join(rest), level, province=None)

    def _lookup(self, words: list[str]) -> tuple[Region, ...]:
        return self._exact.get(_compact(" ".join(words)), ())

    def _match_with_province_hint(
        self, words: list[str], level: Level | None
    ) -> RegionMatch | None:
        """Handle "<name> <province>", e.g. "Banjar, Kalimantan Selatan" or "Bima NTB".

        Only used after the whole text failed to match, so names that merely end in a province
        name ("Papua Barat", "Kepulauan Riau") are never split. The longest trailing province
        wins. A hint narrows candidates; it never adds one. If the hint contradicts the name,
        the name's regions come back as suggestions for the bot to confirm. A misspelt name is
        fuzzy-matched within the hinted province only.
        """
        for split in range(1, len(words)):
            province = self._province_named(words[split:])
            if province is None:
                continue
            head = words[:split]
            named = [r for r in self._lookup(head) if level is None or r.level == level]
            if not named:
                guessed = self._fuzzy(" ".join(head), level, province=province)
                if guessed.candidates:
                    return guessed
                continue
            in_province = [r for r in named if r.province_code == province.code]
            return _found(in_province) if in_province else _suggested(named)
        return None

    def _province_named(self, words: list[str]) -> Region | None:
        """The single province these words name (with or without "provinsi"), else None."""
        level, rest = _strip_prefix(words)
        if level not in (None, "provinsi") or not rest:
            return None
        provinces = [r for r in self._lookup(rest) if r.level == "provinsi"]
        return provinces[0] if len(provinces) == 1 else None

    def _fuzzy(self, query: str, level: Level | None, province: Region | None) -> RegionMatch:
        """Suggest the closest names when nothing matched exactly.

        ``fuzz.ratio`` (normalised edit similarity) rather than ``WRatio``: WRatio's partial
        matching rates short chat words highly against long names ("ibu" vs "Kepulauan Seribu"
        90), which would turn small talk into suggestions. Regions that share a name are kept
        together, so "Bimaa" suggests both Kabupaten and Kota Bima or neither.
        """
        if len(_compact(query)) < MIN_FUZZY_CHARS:
            return _NO_MATCH
        scored = process.extract(
            query,
            self._fuzzy_names,
            scorer=fuzz.ratio,
            limit=MAX_SUGGESTIONS * 4,
            score_cutoff=FUZZY_CUTOFF,
        )
        picked: list[Region] = []
        for _name, _score, index in scored:
            group = [
                r
                for r in self._fuzzy_regions[index]
                if r not in picked
                and (level is None or r.level == level)
                and (province is None or r.province_code == province.code)
            ]
            if len(picked) + len(group) > MAX_SUGGESTIONS:
                break
            picked.extend(group)
        # Best first: keep the score order, not _ordered()'s level order.
        return RegionMatch("suggest", tuple(picked)) if picked else _NO_MATCH


def _strip_prefix(words: list[str]) -> tuple[Level | None, list[str]]:
    """Split off a typed level prefix ("kab", "kota administrasi", "prov", ...)."""
    for prefix, level in _TYPED_PREFIXES:
        if tuple(words[: len(prefix)]) == prefix:
            return level, words[len(prefix) :]
    return None, words


@functools.cache
def default_directory() -> RegionDirectory:
    """The shipped directory, loaded once: the CSV is read-only data, not state."""
    return RegionDirectory.load()
