"""Boundary GeoJSON drawn as an SVG map: one path per area, in a fixed view box.

The map is drawn on the server, so it needs no map tiles, no script and no request beyond the
page itself, and it prints. Longitudes are scaled by the cosine of the middle latitude (an
equirectangular projection), which is accurate enough at the size of a city.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

__all__ = ["MapArea", "VIEW_WIDTH", "load_areas"]

VIEW_WIDTH = 600
_MARGIN = 8


@dataclass(frozen=True)
class MapArea:
    """One area of the map: its key (the place value), label and SVG path."""

    key: str
    label: str
    path: str


def _rings(geometry: dict[str, Any]) -> Iterator[list[list[float]]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def load_areas(path: Path, key_property: str) -> tuple[list[MapArea], int]:
    """Given a GeoJSON FeatureCollection of polygons and the feature property holding each
    area's key, returns the areas as SVG paths and the view box height.
    Raises ValueError for a file without polygon features."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    features = [f for f in collection.get("features", [])
                if f.get("geometry") and f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    if not features:
        raise ValueError(f"{path.name} holds no polygon features")
    points = [point for f in features for ring in _rings(f["geometry"]) for point in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = (VIEW_WIDTH - 2 * _MARGIN) / max((east - west) * squeeze, 1e-9)
    height = int(math.ceil((north - south) * scale)) + 2 * _MARGIN

    def place(point: list[float]) -> str:
        x = _MARGIN + (point[0] - west) * squeeze * scale
        y = _MARGIN + (north - point[1]) * scale
        return f"{x:.1f},{y:.1f}"

    areas = []
    for feature in features:
        properties = feature.get("properties") or {}
        key = str(properties.get(key_property, feature.get("id", "")))
        label = str(properties.get("name") or key)
        path_text = " ".join("M" + " L".join(place(p) for p in ring) + " Z"
                             for ring in _rings(feature["geometry"]))
        areas.append(MapArea(key, label, path_text))
    return areas, height
