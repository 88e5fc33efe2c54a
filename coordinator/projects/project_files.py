"""The files a project's TOML names, read and checked: the place crosswalk, the GeoJSON
boundaries and the denominators. Each reader appends what is wrong to ``problems`` instead of
raising, so that ``projects.definition`` reports every problem of a project at once.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

__all__ = ["resolve_file", "read_crosswalk", "read_denominators", "check_boundaries"]


def resolve_file(folder: Path, value: object, key: str, problems: list[str]) -> Path | None:
    """Given the TOML file's folder, the value under ``key`` and the problem list, returns the
    resolved path of an existing file, or None (a problem noted unless the value is absent)."""
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"`{key}` must be a file path")
        return None
    resolved = (folder / value).resolve()
    if not resolved.is_file():
        problems.append(f"`{key}`: no file {resolved}")
        return None
    return resolved


def read_crosswalk(path: Path, problems: list[str]) -> dict[str, str]:
    """Given a crosswalk CSV (header, then place value and area per line), returns the mapping;
    notes a problem for every malformed line or value mapped to two areas."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows or len(rows[0]) != 2:
        problems.append(f"`place.crosswalk` {path.name}: needs a header and two columns "
                        "(place value, area)")
        return {}
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            problems.append(f"`place.crosswalk` {path.name} line {number}: needs two values")
        elif mapping.setdefault(row[0].strip(), row[1].strip()) != row[1].strip():
            problems.append(f"`place.crosswalk` {path.name} line {number}: {row[0]!r} is mapped "
                            "to two areas")
    return mapping


def read_denominators(path: Path, problems: list[str]) -> tuple[tuple[str, ...],
                                                                 dict[tuple[str, ...], int]]:
    """Given a denominators CSV (dimension columns and ``population``), returns the dimension
    names and the population of each combination; notes a problem for every bad line."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = tuple(reader.fieldnames or ())
        if "population" not in columns or len(columns) < 2:
            problems.append(f"`denominators` {path.name}: needs dimension columns and a "
                            "`population` column")
            return (), {}
        dimensions = tuple(column for column in columns if column != "population")
        table: dict[tuple[str, ...], int] = {}
        for number, row in enumerate(reader, start=2):
            text = (row.get("population") or "").strip()
            if not text.isdigit():
                problems.append(f"`denominators` {path.name} line {number}: population must be "
                                "a whole number")
                continue
            table[tuple((row.get(column) or "").strip() for column in dimensions)] = int(text)
    return dimensions, table


def check_boundaries(path: Path, key: str, problems: list[str]) -> None:
    """Given a GeoJSON file and the property naming each area, notes a problem when it is not a
    FeatureCollection or features lack the property."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        missing = sum(1 for feature in features if key not in (feature.get("properties") or {}))
    except (ValueError, KeyError, TypeError, AttributeError):
        problems.append(f"`place.boundaries` {path.name}: not a GeoJSON FeatureCollection")
        return
    if missing:
        problems.append(f"`place.boundaries` {path.name}: {missing} features lack the property "
                        f"{key!r} (`place.boundary_key`)")
