"""A location share turned into a region hint: the province whose capital is nearest.

Good enough for a suggestion the reporter confirms (no boundary polygons are shipped); a point
outside Indonesia, or too far from every capital, gives no hint at all.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from storage.regions import Region, RegionDirectory

EARTH_RADIUS_KM = 6371.0
# Indonesia's extent with a margin: Weh island (6°N) to Rote (11°S), Aceh (95°E) to Merauke (141°E).
BOUNDS = (-11.5, 6.5, 94.5, 141.5)  # south, north, west, east
# Papua's provinces are wide: a village can lie ~600 km from its capital.
MAX_DISTANCE_KM = 800.0


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    lat: float
    lon: float


def load_capitals(path: Path | None = None) -> tuple[Place, ...]:
    path = path or Path(__file__).parent / "data" / "province_capitals.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Place(row["code"], row["capital"], float(row["lat"]), float(row["lon"]))
            for row in csv.DictReader(handle)
        )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def nearest(
    lat: float, lon: float, places: Sequence[Place], max_km: float = MAX_DISTANCE_KM
) -> Place | None:
    """The nearest place, or None outside Indonesia's extent or beyond ``max_km``."""
    south, north, west, east = BOUNDS
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (south <= lat <= north and west <= lon <= east) or not places:
        return None
    best = min(places, key=lambda p: distance_km(lat, lon, p.lat, p.lon))
    return best if distance_km(lat, lon, best.lat, best.lon) <= max_km else None


def locator(regions: RegionDirectory) -> Callable[[float, float], Region | None]:
    """The ``Engine(locate=...)`` callable: a shared location → the nearest province."""
    capitals = load_capitals()

    def locate(lat: float, lon: float) -> Region | None:
        place = nearest(lat, lon, capitals)
        return regions.get(place.code) if place else None

    return locate
