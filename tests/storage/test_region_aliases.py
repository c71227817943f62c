"""Nicknames and former names reporters type, from the sourced alias table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from storage.regions import default_directory

DIRECTORY = default_directory()
ALIASES = Path(__file__).parents[2] / "storage" / "data" / "region_aliases.csv"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("tangsel", "36.74"),
        ("Solo", "33.72"),  # Surakarta, not Solok
        ("Kota Yogya", "34.71"),
        ("Ujung Pandang", "73.71"),
        ("Pasir", "64.01"),
        ("Toba Samosir", "12.12"),
        ("Mamuju Utara", "76.01"),
        ("Kab. Pontianak", "61.02"),
        ("sidrap", "73.14"),
    ],
)
def test_nicknames_and_old_names_find_the_region(typed: str, code: str) -> None:
    found = DIRECTORY.match(typed)
    assert (found.kind, [r.code for r in found.candidates]) == ("exact", [code])


def test_yogya_alone_asks_province_or_city() -> None:
    found = DIRECTORY.match("yogya")
    assert found.kind == "ambiguous" and {r.code for r in found.candidates} == {"34", "34.71"}


def test_pontianak_alone_is_still_the_city() -> None:
    assert [r.code for r in DIRECTORY.match("Pontianak").candidates] == ["61.71"]


def test_every_alias_row_names_its_source_and_a_known_code() -> None:
    with ALIASES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        assert row["source"].strip(), row["alias"]
        assert all(DIRECTORY.get(code) for code in row["codes"].split()), row["alias"]
