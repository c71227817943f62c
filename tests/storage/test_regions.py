"""Behaviour of the region directory as a reporter and the routing code see it.

Expectations are written as region *names* from the CSV where possible, so a wrong code in the
alias table shows up as a readable failure.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from pathlib import Path

import pytest

from storage.regions import (
    Region,
    RegionDirectory,
    RegionMatch,
    default_directory,
)

CSV_PATH = Path(__file__).resolve().parents[2] / "storage" / "data" / "regions.csv"


def _csv_rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = _csv_rows()
KABKOTA_ROWS = [row for row in ROWS if row["level"] != "provinsi"]
PROVINCE_ROWS = [row for row in ROWS if row["level"] == "provinsi"]


def _short(name: str) -> str:
    for prefix in ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _names_by_short_name() -> dict[str, list[dict[str, str]]]:
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in ROWS:
        groups[_short(row["name"]).lower()].append(row)
    return groups


SHORT_NAME_GROUPS = _names_by_short_name()
#: Bare names shared by a kabupaten and a kota, derived from the data (README: 26 of them).
KABKOTA_PAIRS = sorted(
    name
    for name, rows in SHORT_NAME_GROUPS.items()
    if {"kabupaten", "kota"} <= {row["level"] for row in rows}
)
#: Bare names that are also a province name (README: Jambi, Bengkulu, Gorontalo).
PROVINCE_SHARED = sorted(
    name
    for name, rows in SHORT_NAME_GROUPS.items()
    if len(rows) > 1 and any(row["level"] == "provinsi" for row in rows)
)
#: Unique in the data but ambiguous on purpose: the alias "Yogyakarta" also names province 34.
AMBIGUOUS_BY_ALIAS = {"yogyakarta"}


@pytest.fixture(scope="module")
def directory() -> RegionDirectory:
    return default_directory()


def names(match: RegionMatch) -> list[str]:
    return [region.name for region in match.candidates]


def assert_exact(match: RegionMatch, name: str) -> None:
    assert (match.kind, names(match)) == ("exact", [name])


# --- Loading and data -------------------------------------------------------------------------


def test_csv_loads_38_provinces_416_kabupaten_98_kota(directory: RegionDirectory) -> None:
    assert len(directory.provinces()) == 38
    assert sum(r.level == "kabupaten" for r in directory.kabkota()) == 416
    assert sum(r.level == "kota" for r in directory.kabkota()) == 98
    assert len(directory.all()) == 552


def test_load_with_explicit_path_matches_default(directory: RegionDirectory) -> None:
    assert RegionDirectory.load(CSV_PATH).all() == directory.all()


def test_default_directory_is_loaded_once() -> None:
    assert default_directory() is default_directory()


def test_get_returns_region_or_none(directory: RegionDirectory) -> None:
    assert directory.get("52.06") == Region("52.06", "Kabupaten Bima", "kabupaten", "52")
    assert directory.get("52") == Region("52", "Nusa Tenggara Barat", "provinsi", None)
    assert directory.get("99.99") is None
    assert directory.get("") is None


def test_short_name_drops_kabupaten_kota_and_administrasi(directory: RegionDirectory) -> None:
    def short(code: str) -> str:
        region = directory.get(code)
        assert region is not None
        return region.short_name

    assert short("52.06") == "Bima"
    assert short("52.72") == "Bima"
    assert short("31.74") == "Jakarta Selatan"
    assert short("31.01") == "Kepulauan Seribu"
    assert short("52") == "Nusa Tenggara Barat"


def test_province_of_kabkota_is_its_parent_and_a_province_is_its_own(
    directory: RegionDirectory,
) -> None:
    for region in directory.kabkota():
        province = directory.province_of(region)
        assert province.code == region.parent_code == region.province_code
        assert province.level == "provinsi"
    for province in directory.provinces():
        assert directory.province_of(province) == province


# --- Time zones -------------------------------------------------------------------------------

WIB = {"11", "12", "13", "14", "15", "16", "17", "18", "19", "21"}  # Sumatra
WIB |= {"31", "32", "33", "34", "35", "36", "61", "62"}  # Java, Kalbar, Kalteng
WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
WIT = {"81", "82", "91", "92", "93", "94", "95", "96"}


def test_every_province_has_the_timezone_from_the_domain_notes(
    directory: RegionDirectory,
) -> None:
    expected = dict.fromkeys(WIB, "Asia/Jakarta")
    expected |= dict.fromkeys(WITA, "Asia/Makassar")
    expected |= dict.fromkeys(WIT, "Asia/Jayapura")
    assert {p.code: p.timezone for p in directory.provinces()} == expected


@pytest.mark.parametrize(
    ("code", "zone"),
    [("31", "Asia/Jakarta"), ("51", "Asia/Makassar"), ("91", "Asia/Jayapura")],
    ids=["Jakarta", "Bali", "Papua"],
)
def test_headline_province_timezones(directory: RegionDirectory, code: str, zone: str) -> None:
    region = directory.get(code)
    assert region is not None and region.timezone == zone


def test_loading_a_province_without_a_known_timezone_fails_loudly(tmp_path: Path) -> None:
    bad_csv = tmp_path / "regions.csv"
    bad_csv.write_text("code,name,level,parent_code\n41,Provinsi Baru,provinsi,\n")
    with pytest.raises(ValueError, match="time zone"):
        RegionDirectory.load(bad_csv)


def test_kabkota_timezone_is_its_provinces(directory: RegionDirectory) -> None:
    for region in directory.kabkota():
        assert region.timezone == directory.province_of(region).timezone
    bima = directory.get("52.06")
    assert bima is not None and bima.timezone == "Asia/Makassar"


# --- Exact matches over the whole data set ----------------------------------------------------


def test_every_kabkota_matches_exactly_by_official_name(directory: RegionDirectory) -> None:
    assert len(KABKOTA_ROWS) == 514
    for row in KABKOTA_ROWS:
        match = directory.match(row["name"])
        assert (match.kind, [r.code for r in match.candidates]) == ("exact", [row["code"]]), row


def test_every_kabkota_matches_exactly_with_a_typed_prefix(directory: RegionDirectory) -> None:
    for row in KABKOTA_ROWS:
        short = _short(row["name"])
        if row["level"] == "kabupaten":
            forms = [f"kab {short}", f"Kab. {short}", f"KABUPATEN {short}"]
        else:
            forms = [f"kota {short}", f"Kota {short}", f"kot {short}"]
        for text in forms:
            match = directory.match(text)
            assert [r.code for r in match.candidates] == [row["code"]], text
            assert match.kind == "exact", text


def test_every_unambiguous_short_name_matches_exactly(directory: RegionDirectory) -> None:
    checked = 0
    for name, rows in SHORT_NAME_GROUPS.items():
        if len(rows) != 1 or name in AMBIGUOUS_BY_ALIAS:
            continue
        (row,) = rows
        match = directory.match(_short(row["name"]))
        assert (match.kind, [r.code for r in match.candidates]) == ("exact", [row["code"]]), row
        checked += 1
    # 552 regions minus 25 kab/kota pairs, the Gorontalo triple, Jambi and Bengkulu (province and
    # kota), and Kota Yogyakarta.
    assert checked == 552 - 25 * 2 - 3 - 2 - 2 - 1


def test_every_province_matches_exactly_with_provinsi_prefix(directory: RegionDirectory) -> None:
    for row in PROVINCE_ROWS:
        for text in (f"Provinsi {row['name']}", f"prov. {row['name']}", f"propinsi {row['name']}"):
            assert_exact(directory.match(text), row["name"])


# --- Ambiguity: never guess -------------------------------------------------------------------


def test_data_has_the_26_same_name_pairs_from_the_readme() -> None:
    assert len(KABKOTA_PAIRS) == 26
    assert {"bima", "bekasi", "malang", "banjar", "gorontalo"} <= set(KABKOTA_PAIRS)
    assert PROVINCE_SHARED == ["bengkulu", "gorontalo", "jambi"]


@pytest.mark.parametrize("name", KABKOTA_PAIRS)
def test_bare_kabkota_pair_name_is_ambiguous_kabupaten_first(
    directory: RegionDirectory, name: str
) -> None:
    match = directory.match(name.title())
    expected = [row["code"] for row in SHORT_NAME_GROUPS[name]]
    assert match.kind == "ambiguous"
    assert sorted(r.code for r in match.candidates) == sorted(expected)
    levels = [r.level for r in match.candidates if r.level != "provinsi"]
    assert levels == ["kabupaten", "kota"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bima", ["Kabupaten Bima", "Kota Bima"]),
        ("bekasi", ["Kabupaten Bekasi", "Kota Bekasi"]),
        ("MALANG", ["Kabupaten Malang", "Kota Malang"]),
        ("Banjar", ["Kabupaten Banjar", "Kota Banjar"]),
    ],
)
def test_readme_same_name_examples_are_ambiguous(
    directory: RegionDirectory, text: str, expected: list[str]
) -> None:
    match = directory.match(text)
    assert (match.kind, names(match)) == ("ambiguous", expected)


def test_banjar_pair_spans_two_provinces(directory: RegionDirectory) -> None:
    match = directory.match("Banjar")
    assert [r.code for r in match.candidates] == ["63.03", "32.79"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jambi", ["Jambi", "Kota Jambi"]),
        ("Bengkulu", ["Bengkulu", "Kota Bengkulu"]),
        ("Gorontalo", ["Gorontalo", "Kabupaten Gorontalo", "Kota Gorontalo"]),
    ],
)
def test_province_name_shared_with_kabkota_is_ambiguous_including_the_province(
    directory: RegionDirectory, text: str, expected: list[str]
) -> None:
    match = directory.match(text)
    assert (match.kind, names(match)) == ("ambiguous", expected)
    assert match.candidates[0].level == "provinsi"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("prov jambi", "Jambi"),
        ("kota jambi", "Kota Jambi"),
        ("Provinsi Gorontalo", "Gorontalo"),
        ("kab gorontalo", "Kabupaten Gorontalo"),
        ("kota gorontalo", "Kota Gorontalo"),
    ],
)
def test_a_prefix_resolves_a_province_kabkota_clash(
    directory: RegionDirectory, text: str, expected: str
) -> None:
    assert_exact(directory.match(text), expected)


# --- Strings from the issue -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kab. bima", "Kabupaten Bima"),
        ("Kab Bima", "Kabupaten Bima"),
        ("kota bekasi", "Kota Bekasi"),
        ("Mempawah", "Kabupaten Mempawah"),
        ("sinjai", "Kabupaten Sinjai"),
    ],
)
def test_issue_strings_match_exactly(directory: RegionDirectory, text: str, expected: str) -> None:
    assert_exact(directory.match(text), expected)


@pytest.mark.parametrize(
    ("text", "best"),
    [
        ("Sinjay", "Kabupaten Sinjai"),
        ("Mempawa", "Kabupaten Mempawah"),
        ("Jawa Barta", "Jawa Barat"),
        ("kab sinjay", "Kabupaten Sinjai"),
    ],
)
def test_typo_suggests_the_intended_region_first(
    directory: RegionDirectory, text: str, best: str
) -> None:
    match = directory.match(text)
    assert match.kind == "suggest"
    assert 1 <= len(match.candidates) <= 3
    assert match.candidates[0].name == best


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bimaa", ["Kabupaten Bima", "Kota Bima"]),
        ("Tanggerang", ["Kabupaten Tangerang", "Kota Tangerang"]),
    ],
)
def test_typo_of_a_shared_name_suggests_both(
    directory: RegionDirectory, text: str, expected: list[str]
) -> None:
    match = directory.match(text)
    assert match.kind == "suggest"
    assert names(match)[:2] == expected


def test_kota_prefix_limits_typo_suggestions_to_kota(directory: RegionDirectory) -> None:
    match = directory.match("kota bimaa")
    assert (match.kind, names(match)) == ("suggest", ["Kota Bima"])


def test_prefix_naming_a_level_that_does_not_exist_only_suggests(
    directory: RegionDirectory,
) -> None:
    match = directory.match("Kabupaten Padang")
    assert (match.kind, names(match)) == ("suggest", ["Kota Padang"])


# --- Whole names, not substrings --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Tangerang", "ambiguous", ["Kabupaten Tangerang", "Kota Tangerang"]),
        ("Tangerang Selatan", "exact", ["Kota Tangerang Selatan"]),
        ("Padang", "exact", ["Kota Padang"]),
        ("Padang Pariaman", "exact", ["Kabupaten Padang Pariaman"]),
        ("Pariaman", "exact", ["Kota Pariaman"]),
        ("Bandung Barat", "exact", ["Kabupaten Bandung Barat"]),
        ("Batu", "exact", ["Kota Batu"]),
        ("Batu Bara", "exact", ["Kabupaten Batu Bara"]),
        ("Sorong", "ambiguous", ["Kabupaten Sorong", "Kota Sorong"]),
        ("Sorong Selatan", "exact", ["Kabupaten Sorong Selatan"]),
        ("Sumba Barat", "exact", ["Kabupaten Sumba Barat"]),
        ("Sumba Barat Daya", "exact", ["Kabupaten Sumba Barat Daya"]),
        ("Riau", "exact", ["Riau"]),
        ("Kepulauan Riau", "exact", ["Kepulauan Riau"]),
        ("Maluku", "exact", ["Maluku"]),
        ("Maluku Utara", "exact", ["Maluku Utara"]),
        ("Papua", "exact", ["Papua"]),
        ("Papua Barat Daya", "exact", ["Papua Barat Daya"]),
    ],
)
def test_prefix_traps_match_whole_names_only(
    directory: RegionDirectory, text: str, kind: str, expected: list[str]
) -> None:
    match = directory.match(text)
    assert (match.kind, names(match)) == (kind, expected)


# --- Aliases and abbreviations ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Spelling variants (README table).
        ("Palangka Raya", "Kota Palangkaraya"),
        ("Baubau", "Kota Bau Bau"),
        ("Fakfak", "Kabupaten Fak Fak"),
        ("Tolitoli", "Kabupaten Toli-Toli"),
        ("Toli-Toli", "Kabupaten Toli-Toli"),
        ("toli toli", "Kabupaten Toli-Toli"),
        ("Tojo Una-Una", "Kabupaten Tojo Una Una"),
        ("Pangkalpinang", "Kota Pangkal Pinang"),
        ("Tanjungpinang", "Kota Tanjung Pinang"),
        ("Lubuklinggau", "Kota Lubuk Linggau"),
        ("kota lubuklinggau", "Kota Lubuk Linggau"),
        # Kab/kota abbreviations.
        ("Sitaro", "Kabupaten Kepulauan Siau Tagulandang Biaro"),
        ("Pangkep", "Kabupaten Pangkajene dan Kepulauan"),
        ("PALI", "Kabupaten Penukal Abab Lematang Ilir"),
        ("OKU", "Kabupaten Ogan Komering Ulu"),
        ("OKI", "Kabupaten Ogan Komering Ilir"),
        ("OKU Timur", "Kabupaten Ogan Komering Ulu Timur"),
        ("OKU Selatan", "Kabupaten Ogan Komering Ulu Selatan"),
        ("Kukar", "Kabupaten Kutai Kartanegara"),
        ("kab. kukar", "Kabupaten Kutai Kartanegara"),
        ("Jakpus", "Kota Administrasi Jakarta Pusat"),
        ("Jakut", "Kota Administrasi Jakarta Utara"),
        ("Jakbar", "Kota Administrasi Jakarta Barat"),
        ("Jaksel", "Kota Administrasi Jakarta Selatan"),
        ("Jaktim", "Kota Administrasi Jakarta Timur"),
        ("Jakarta Selatan", "Kota Administrasi Jakarta Selatan"),
        ("Jakarta Pusat", "Kota Administrasi Jakarta Pusat"),
        ("kota jakarta timur", "Kota Administrasi Jakarta Timur"),
        ("Kepulauan Seribu", "Kabupaten Administrasi Kepulauan Seribu"),
        ("kab kepulauan seribu", "Kabupaten Administrasi Kepulauan Seribu"),
    ],
)
def test_kabkota_aliases_match_exactly(
    directory: RegionDirectory, text: str, expected: str
) -> None:
    assert_exact(directory.match(text), expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jawa Barat", "Jawa Barat"),
        ("Jabar", "Jawa Barat"),
        ("Jateng", "Jawa Tengah"),
        ("Jatim", "Jawa Timur"),
        ("DKI", "Daerah Khusus Ibukota Jakarta"),
        ("DKI Jakarta", "Daerah Khusus Ibukota Jakarta"),
        ("Jakarta", "Daerah Khusus Ibukota Jakarta"),
        ("DIY", "Daerah Istimewa Yogyakarta"),
        ("DI Yogyakarta", "Daerah Istimewa Yogyakarta"),
        ("D.I. Yogyakarta", "Daerah Istimewa Yogyakarta"),
        ("NTB", "Nusa Tenggara Barat"),
        ("NTT", "Nusa Tenggara Timur"),
        ("Kalbar", "Kalimantan Barat"),
        ("Kalteng", "Kalimantan Tengah"),
        ("Kalsel", "Kalimantan Selatan"),
        ("Kaltim", "Kalimantan Timur"),
        ("Kaltara", "Kalimantan Utara"),
        ("Sulsel", "Sulawesi Selatan"),
        ("Sulut", "Sulawesi Utara"),
        ("Sulteng", "Sulawesi Tengah"),
        ("Sultra", "Sulawesi Tenggara"),
        ("Sulbar", "Sulawesi Barat"),
        ("Sumut", "Sumatera Utara"),
        ("Sumbar", "Sumatera Barat"),
        ("Sumsel", "Sumatera Selatan"),
        ("Kepri", "Kepulauan Riau"),
        ("Babel", "Kepulauan Bangka Belitung"),
        ("Malut", "Maluku Utara"),
        ("prov. jabar", "Jawa Barat"),
    ],
)
def test_province_short_forms_match_exactly(
    directory: RegionDirectory, text: str, expected: str
) -> None:
    assert_exact(directory.match(text), expected)


@pytest.mark.parametrize("text", ["Yogyakarta", "Jogja", "Jogjakarta"])
def test_yogyakarta_bare_is_ambiguous_between_province_and_kota(
    directory: RegionDirectory, text: str
) -> None:
    match = directory.match(text)
    assert (match.kind, names(match)) == (
        "ambiguous",
        ["Daerah Istimewa Yogyakarta", "Kota Yogyakarta"],
    )


def test_kota_yogyakarta_with_prefix_is_exact(directory: RegionDirectory) -> None:
    assert_exact(directory.match("Kota Jogja"), "Kota Yogyakarta")
    assert_exact(directory.match("Kota Yogyakarta"), "Kota Yogyakarta")


# --- Province hint ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Bima, NTB", "ambiguous", ["Kabupaten Bima", "Kota Bima"]),
        ("Malang Jawa Timur", "ambiguous", ["Kabupaten Malang", "Kota Malang"]),
        ("Banjar, Kalimantan Selatan", "exact", ["Kabupaten Banjar"]),
        ("Banjar Jabar", "exact", ["Kota Banjar"]),
        ("Kab. Bima, Provinsi NTB", "exact", ["Kabupaten Bima"]),
        ("Mempawah, Kalbar", "exact", ["Kabupaten Mempawah"]),
        ("Sorong, Papua Barat Daya", "ambiguous", ["Kabupaten Sorong", "Kota Sorong"]),
    ],
)
def test_trailing_province_hint_narrows_but_never_guesses(
    directory: RegionDirectory, text: str, kind: str, expected: list[str]
) -> None:
    match = directory.match(text)
    assert (match.kind, names(match)) == (kind, expected)


def test_province_hint_contradicting_the_name_only_suggests(directory: RegionDirectory) -> None:
    match = directory.match("Mempawah, Jawa Timur")
    assert (match.kind, names(match)) == ("suggest", ["Kabupaten Mempawah"])


# --- Normalisation and garbage ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["kab. bima", "  KAB   BIMA  ", "Kab.Bima", "kab, bima", "Kabupaten-Bima", "kab bima!!"]
)
def test_case_punctuation_and_spacing_are_ignored(directory: RegionDirectory, text: str) -> None:
    assert_exact(directory.match(text), "Kabupaten Bima")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🙂🙂🙂",
        "a" * 10_000,
        "'; DROP TABLE x;--",
        "'; DROP TABLE regions; --",
        "<script>alert(1)</script>",
        "<b></b>",
        "xyzzy",
        "halo",
        "ab",
        "kab",
        "kota",
        "12345",
        "\x00\n\t",
    ],
)
def test_garbage_matches_nothing_without_raising(directory: RegionDirectory, text: str) -> None:
    assert directory.match(text) == RegionMatch("none", ())


def test_text_over_80_characters_is_none_even_if_it_contains_a_name(
    directory: RegionDirectory,
) -> None:
    assert directory.match("Kabupaten Bima " + "x" * 80).kind == "none"


def test_long_garbage_is_rejected_quickly(directory: RegionDirectory) -> None:
    started = time.perf_counter()
    for text in ("a" * 10_000, "🙂" * 10_000, "<script>" * 2_000, "b" * 80):
        directory.match(text)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "text",
    ["Bima", "kab bima", "Sinjay", "Gorontalo", "xyzzy", "Bimaa", "Jawa", "Kabupaten", "Tegall"],
)
def test_match_kind_and_candidate_count_agree(directory: RegionDirectory, text: str) -> None:
    match = directory.match(text)
    count = len(match.candidates)
    assert {
        "exact": count == 1,
        "ambiguous": count >= 2,
        "suggest": 1 <= count <= 3,
        "none": count == 0,
    }[match.kind]
