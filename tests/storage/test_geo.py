"""A shared location becomes a province hint (the reporter confirms it in the conversation)."""

from __future__ import annotations

import pytest

from storage.geo import load_capitals, locator
from storage.regions import default_directory


def test_every_province_has_a_capital_with_coordinates():
    directory = default_directory()
    codes = {p.code for p in load_capitals()}
    assert codes == {r.code for r in directory.provinces()}


@pytest.mark.parametrize(
    ("lat", "lon", "province"),
    [
        (-8.46, 118.72, "Nusa Tenggara Barat"),  # Bima, far from Mataram yet nearest to it
        (3.60, 98.70, "Sumatera Utara"),
        (-0.87, 131.25, "Papua Barat Daya"),
    ],
)
def test_point_in_indonesia_hints_the_nearest_province(lat, lon, province):
    region = locator(default_directory())(lat, lon)
    assert region is not None and region.name == province


def test_point_outside_indonesia_gives_no_hint():
    locate = locator(default_directory())
    assert locate(51.5, 0.0) is None and locate(float("nan"), 110.0) is None
