"""``[attributes]`` declarations to validated attribute specs, every problem in one pass.

An attribute is either ``name = "COLUMN"`` (the cell passes through) or a table naming a
``column`` or an identifier it derives from (``from = "dob"`` or ``"zip"``), a ``transform``
and that transform's keys. An identifier column or the record key never passes through: an
identifier may only be read by a transform that generalises it (a date transform of the date
of birth, zip5/zip3 of the ZIP, a map of the sex column whose every label is one of the
coarse gender categories). ``[enrollments]`` uses the same declarations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hublink.agent.deidentify.gender import GENDER_CATEGORIES, gender_mapping
from hublink.agent.deidentify.spd15 import code_key, spd15_mapping
from hublink.agent.deidentify.transforms import TRANSFORMS
from hublink.agent.normalise.dates import AUTO, date_format_problems
from hublink.agent.settings import ATTRIBUTE_TABLE_KEYS, IDENTIFIER_OPTION_KEYS
from hublink.shared.attributes import (ATTRIBUTE_NAME_PATTERN, MAX_ATTRIBUTE_VALUE_LENGTH,
                                       RESERVED_ATTRIBUTE_NAMES)

__all__ = ["AttributeSpec", "NAMED_MAPS", "parse_attribute_specs", "attribute_columns",
           "parse_date"]

NAMED_MAPS = {"spd15": spd15_mapping, "gender": gender_mapping}
_COMMON_KEYS = frozenset({"column", "from", "transform", "missing"})
_KNOWN_KEYS = tuple(setting.key for setting in ATTRIBUTE_TABLE_KEYS)
_DERIVABLE = {"dob": "date", "zip": "zip"}


@dataclass(frozen=True)
class AttributeSpec:
    """One validated attribute: where it reads (``column``, or the identifier ``source``),
    its transform and that transform's parameters."""

    name: str
    transform: str
    column: str | None = None
    source: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    map_name: str | None = None
    unmapped: str | None = None
    missing: str | None = None
    reference_date: date | None = None
    edges: tuple[float, ...] = ()
    date_format: str | list[str] = AUTO
    reads_identifier: bool = False  # the sex column, through a map of gender categories

    def describe(self) -> str:
        """Returns where the values come from, for the preview."""
        origin = f"column {self.column}" if self.column else "the date of birth" \
            if self.source == "dob" else f"identifier {self.source}"
        if self.transform == "passthrough":
            return f"from {origin}"
        if self.transform == "map":
            how = f"map {self.map_name}" if self.map_name else f"map of {len(self.mapping)} codes"
            return f"from {origin}, {how}"
        at = f" at {self.reference_date.isoformat()}" if self.reference_date else ""
        return f"{self.transform} of {origin}{at}"


def attribute_columns(declared: dict[str, Any]) -> list[str]:
    """Given the ``[attributes]`` table, returns the source columns it names."""
    columns = []
    for declaration in declared.values():
        column = declaration.get("column") if isinstance(declaration, dict) else declaration
        if isinstance(column, str) and column:
            columns.append(column)
    return columns


def parse_attribute_specs(declared: dict[str, Any], identifiers: dict[str, Any],
                          record_key: Any, section: str = "attributes"
                          ) -> tuple[dict[str, AttributeSpec], list[str]]:
    """Given the ``[attributes]`` (or ``[enrollments]``, named by ``section``) table, the
    ``[identifiers]`` table and the record key column, returns the specs of the valid
    attributes and a problem line for each mistake."""
    problems: list[str] = []
    specs: dict[str, AttributeSpec] = {}
    for name, declaration in declared.items():
        where = f"{section}.{name}"
        found = len(problems)
        if not isinstance(name, str) or not ATTRIBUTE_NAME_PATTERN.match(name) \
                or name in RESERVED_ATTRIBUTE_NAMES:
            problems.append(f"{where}: names are lower-case letters, digits and underscores, "
                            "at most 40 characters (not link_id or partner)")
        if isinstance(declaration, str):
            declaration = {"column": declaration}
        if not isinstance(declaration, dict):
            problems.append(f"{where} must name a source column or be a table")
            continue
        spec = _parse_table(name, where, declaration, identifiers, record_key, problems)
        if spec is not None and len(problems) == found:
            specs[name] = spec
    return specs, problems


def _parse_table(name: str, where: str, table: dict[str, Any], identifiers: dict[str, Any],
                 record_key: Any, problems: list[str]) -> AttributeSpec | None:
    for key in table:
        if key not in _KNOWN_KEYS:
            problems.append(f"{where}.{key} is not a known key (known: {', '.join(_KNOWN_KEYS)})")
    transform = table.get("transform", "map" if "map" in table else "passthrough")
    if transform not in TRANSFORMS:
        problems.append(f"{where}.transform {transform!r} is not a transform: one of "
                        + ", ".join(TRANSFORMS))
        return None
    kind = TRANSFORMS[transform]
    allowed = _COMMON_KEYS | set(kind.required) | set(kind.optional)
    problems += [f"{where}.{key} is not used by transform {transform}"
                 for key in table if key in _KNOWN_KEYS and key not in allowed]
    problems += [f"{where}.{key} is required with transform {transform}"
                 for key in kind.required if key not in table]
    mapping, map_name = _mapping(where, table, problems) if transform == "map" else ({}, None)
    unmapped = _label(f"{where}.unmapped", table.get("unmapped", "error"), problems, "error")
    missing = _label(f"{where}.missing", table.get("missing"), problems)
    coarse = transform == "map" and set(mapping.values()) | {unmapped, missing} <= {
        *GENDER_CATEGORIES, None}
    column, source = _origin(where, table, kind.reads, identifiers, record_key, problems, coarse)
    if source == "dob" and "date_format" in table:
        problems.append(f"{where}.date_format is not used with the date of birth: "
                        "identifiers.dob_format applies")
    return AttributeSpec(
        name=name, transform=transform, column=column, source=source,
        mapping=mapping, map_name=map_name,
        unmapped=unmapped, missing=missing,
        reference_date=_date(where, table.get("reference_date"), problems),
        edges=_edges(where, table, problems),
        date_format=_date_format(where, table.get("date_format"), problems),
        reads_identifier=column is not None and column == identifiers.get("sex"),
    )


def _origin(where: str, table: dict[str, Any], reads: str, identifiers: dict[str, Any],
            record_key: Any, problems: list[str],
            coarse_gender: bool = False) -> tuple[str | None, str | None]:
    column, source = table.get("column"), table.get("from")
    if (column is None) == (source is None):
        problems.append(f"{where} needs exactly one of column (a source column) or from "
                        "(dob or zip)")
        return None, None
    if source is not None:
        if source not in _DERIVABLE:
            problems.append(f"{where}.from must be \"dob\" or \"zip\"")
        elif _DERIVABLE[source] != reads:
            problems.append(f"{where}.from = {source!r} needs a "
                            f"{'date' if source == 'dob' else 'zip'} transform")
        elif not identifiers.get(source):
            problems.append(f"{where}.from = {source!r} needs identifiers.{source}")
        return None, source
    if not isinstance(column, str) or not column:
        problems.append(f"{where} must name a source column")
        return None, None
    if reads == "date" and column == identifiers.get("dob"):
        return None, "dob"
    if reads == "zip" and column == identifiers.get("zip"):
        return column, None
    if column == identifiers.get("sex") and coarse_gender:
        return column, None
    identifying = set(record_key if isinstance(record_key, list) else [record_key]) | {
        name for key, value in identifiers.items() if key not in IDENTIFIER_OPTION_KEYS
        for name in (value if isinstance(value, list) else [value])}
    if column in identifying:
        hint = (': a map whose labels are all of ' + ", ".join(GENDER_CATEGORIES)
                + ' (map = "gender") may read it' if column == identifiers.get("sex") else "")
        problems.append(f"{where} names column {column!r}, which is an identifier or the record "
                        f"key: it would leave the building in the clear{hint}")
    return column, None


def _mapping(where: str, table: dict[str, Any],
             problems: list[str]) -> tuple[dict[str, str], str | None]:
    declared, map_name, mapping = table.get("map"), None, {}
    if isinstance(declared, str):
        if declared not in NAMED_MAPS:
            problems.append(f"{where}.map {declared!r} is not a ready mapping: one of "
                            + ", ".join(NAMED_MAPS) + ", or a table of code = label")
        else:
            map_name, mapping = declared, NAMED_MAPS[declared]()
    elif isinstance(declared, dict) and declared:
        mapping.update(_codes(f"{where}.map", declared, problems))
    elif declared is not None:
        problems.append(f"{where}.map must be a table of code = label, or a ready mapping name")
    if "extra" in table:
        extra = table["extra"]
        if isinstance(extra, dict):
            mapping.update(_codes(f"{where}.extra", extra, problems))
        else:
            problems.append(f"{where}.extra must be a table of code = label")
    return mapping, map_name


def _codes(where: str, declared: dict[str, Any], problems: list[str]) -> dict[str, str]:
    codes: dict[str, str] = {}
    spelled: dict[str, str] = {}
    for code, label in declared.items():
        if _label(f"{where} {code!r}", label, problems) is None:
            continue
        key = code_key(str(code))
        if key in spelled and codes[key] != label:
            problems.append(f"{where}: codes {spelled[key]!r} and {code!r} are the same code "
                            "once case, spaces and punctuation are ignored")
        codes[key], spelled[key] = label, str(code)
    return codes


def _label(where: str, value: Any, problems: list[str],
           meaning_none: str | None = None) -> str | None:
    if value is None or value == meaning_none:
        return None
    if not isinstance(value, str) or not value.strip() \
            or len(value.strip()) > MAX_ATTRIBUTE_VALUE_LENGTH:
        problems.append(f"{where} must be text of 1 to {MAX_ATTRIBUTE_VALUE_LENGTH} "
                        "characters" + (f' (or "{meaning_none}")' if meaning_none else ""))
        return None
    return value.strip()


def parse_date(value: Any) -> date | None:
    """Given a TOML date (2026-07-01) or an ISO date string, returns the date, else None."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _date(where: str, value: Any, problems: list[str]) -> date | None:
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        problems.append(f"{where}.reference_date must be a date such as 2026-07-01")
    return parsed


def _edges(where: str, table: dict[str, Any], problems: list[str]) -> tuple[float, ...]:
    key = "bands" if "bands" in table else "edges"
    value = table.get(key)
    if value is None:
        return ()
    whole = key == "bands"
    if not isinstance(value, list) or not value or not all(
            isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item)
            and (not whole or (isinstance(item, int) and item >= 0)) for item in value):
        what = "whole numbers of years, 0 or more" if whole else "numbers"
        problems.append(f"{where}.{key} must be a non-empty list of {what}")
        return ()
    if any(low >= high for low, high in zip(value, value[1:])):
        problems.append(f"{where}.{key} must be increasing, each edge larger than the one before")
        return ()
    return tuple(value)


def _date_format(where: str, value: Any, problems: list[str]) -> str | list[str]:
    found = date_format_problems(value, f"{where}.date_format")
    problems += found
    return AUTO if value is None or found else value
