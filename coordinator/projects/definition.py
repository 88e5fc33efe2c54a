"""A data-sharing project's TOML file, read and checked in one pass.

``load_definition(path, known_partners)`` returns a ``ProjectDefinition`` or raises ConfigError
listing every problem at once. Relative paths (crosswalk, boundaries, denominators) resolve
against the TOML file's folder. Pure apart from reading the files the TOML names.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from hublink.coordinator.projects.project_files import (check_boundaries, read_crosswalk,
                                                       read_denominators, resolve_file)
from hublink.shared.attributes import ATTRIBUTE_NAME_PATTERN
from hublink.shared.errors import ConfigError

__all__ = ["TABLE_KINDS", "DEFAULT_K", "PROJECT_LINK_SCOPES", "TableSpec", "PlaceSpec",
           "ProjectDefinition", "load_definition", "parse_definition", "AREA_DIMENSION"]

DEFAULT_K = 11
PROJECT_LINK_SCOPES = ("project", "hub")
# kind -> the dimensions its rows always have (by_group and missing_by_group declare theirs).
TABLE_KINDS: dict[str, tuple[str, ...]] = {
    "total": (), "by_partner": ("partner",), "by_program": ("program",),
    "by_period": ("period",), "program_count": ("programs",),
    "overlap": ("partner_a", "partner_b"), "by_group": (), "missing_by_group": (),
}
AREA_DIMENSION = "area"  # the place attribute mapped through the crosswalk
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_TOP_KEYS = {"name", "title", "purpose", "partners", "attributes", "link_scope", "public", "k",
             "protection_width", "population_source", "program_attribute", "retention",
             "approvers", "place", "denominators", "tables"}


@dataclass(frozen=True)
class TableSpec:
    """One table the project publishes."""

    name: str
    kind: str
    title: str
    description: str
    dimensions: tuple[str, ...]
    rate: bool = False


@dataclass(frozen=True)
class PlaceSpec:
    """Which attribute holds a place, and the optional crosswalk and map boundaries."""

    attribute: str
    crosswalk: dict[str, str] | None = None
    crosswalk_path: Path | None = None
    boundaries_path: Path | None = None
    boundary_key: str = "id"


@dataclass(frozen=True)
class ProjectDefinition:
    """A checked project file. ``denominators`` maps a dimension tuple to {values: population}."""

    name: str
    title: str
    purpose: str
    partners: tuple[str, ...]
    attributes: tuple[str, ...]
    link_scope: str
    public: bool
    k: int
    protection_width: int
    expires: date
    delete_encodings_after_run: bool
    approvers: tuple[str, ...]
    tables: tuple[TableSpec, ...]
    population_source: str | None = None
    program_attribute: str | None = None
    place: PlaceSpec | None = None
    denominators: dict[tuple[str, ...], dict[tuple[str, ...], int]] = field(default_factory=dict)
    denominators_path: Path | None = None
    source: dict[str, Any] = field(default_factory=dict, repr=False)

    def files(self) -> list[Path]:
        """Returns the files the definition names (copied into the home on create)."""
        place = self.place
        found = [self.denominators_path] + ([place.crosswalk_path, place.boundaries_path]
                                            if place else [])
        return [path for path in found if path is not None]


def load_definition(path: Path, known_partners: set[str] | None = None) -> ProjectDefinition:
    """Given a project TOML file (and the hub's partner names, to check against), returns the
    definition; raises ConfigError listing every problem."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read project file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"project file {path} is not valid TOML: {error}") from None
    return parse_definition(document, Path(path).resolve().parent, known_partners)


def _text(document: dict, key: str, problems: list[str], required: bool = True) -> str:
    value = document.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append(f"`{key}` must be a non-empty string")
        return ""
    return value.strip()


def _names(document: dict, key: str, problems: list[str]) -> tuple[str, ...]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(f"`{key}` must be a list of strings")
        return ()
    if len(set(value)) != len(value):
        problems.append(f"`{key}` names something twice")
    return tuple(value)


def _place(document: dict, folder: Path, attributes: tuple[str, ...],
           problems: list[str]) -> PlaceSpec | None:
    section = document.get("place")
    if section is None:
        return None
    if not isinstance(section, dict) or not isinstance(section.get("attribute"), str):
        problems.append("`place.attribute` must name the attribute holding a place (e.g. zip)")
        return None
    attribute = section["attribute"]
    if attribute not in attributes:
        problems.append(f"`place.attribute` {attribute!r} is not among `attributes`")
    crosswalk_path = resolve_file(folder, section.get("crosswalk"), "place.crosswalk", problems)
    boundaries_path = resolve_file(folder, section.get("boundaries"), "place.boundaries", problems)
    key = section.get("boundary_key", "id")
    if not isinstance(key, str) or not key:
        problems.append("`place.boundary_key` must be a property name")
        key = "id"
    if boundaries_path is not None:
        check_boundaries(boundaries_path, key, problems)
    crosswalk = read_crosswalk(crosswalk_path, problems) if crosswalk_path else None
    return PlaceSpec(attribute, crosswalk, crosswalk_path, boundaries_path, key)


def _tables(document: dict, dimensions_allowed: set[str], population: bool,
            problems: list[str]) -> tuple[TableSpec, ...]:
    entries = document.get("tables", [])
    if not isinstance(entries, list) or not entries:
        problems.append("`[[tables]]`: declare at least one table")
        return ()
    tables, seen = [], set()
    for index, entry in enumerate(entries, start=1):
        where = f"table {index}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table")
            continue
        name, kind = entry.get("name"), entry.get("kind")
        if not isinstance(name, str) or not _TABLE_NAME.match(name):
            problems.append(f"{where}: `name` must be lower-case letters, digits, underscores")
            name = f"table_{index}"
        where = f"table {name!r}"
        if name in seen:
            problems.append(f"{where}: declared twice")
        seen.add(name)
        if kind not in TABLE_KINDS:
            problems.append(f"{where}: `kind` must be one of {', '.join(TABLE_KINDS)}")
            continue
        declared = entry.get("dimensions", [])
        if kind in ("by_group", "missing_by_group"):
            if not isinstance(declared, list) or not declared:
                problems.append(f"{where}: `dimensions` must list attributes")
                declared = []
            for dimension in declared:
                if dimension not in dimensions_allowed:
                    problems.append(f"{where}: dimension {dimension!r} is not a project "
                                    "attribute (or `area` with a crosswalk)")
            dimensions = tuple(declared)
        else:
            if declared:
                problems.append(f"{where}: a {kind} table takes no `dimensions`")
            dimensions = TABLE_KINDS[kind]
        if kind == "missing_by_group" and not population:
            problems.append(f"{where}: needs `population_source`")
        rate = entry.get("rate", False)
        if not isinstance(rate, bool) or (rate and kind != "by_group"):
            problems.append(f"{where}: `rate = true` is for by_group tables only")
            rate = False
        title = entry.get("title") or name.replace("_", " ").capitalize()
        tables.append(TableSpec(name, kind, str(title), str(entry.get("description", "")),
                                dimensions, rate))
    return tuple(tables)


def parse_definition(document: dict[str, Any], folder: Path,
                     known_partners: set[str] | None = None) -> ProjectDefinition:
    """Given a parsed project TOML, the folder its paths are relative to and the hub's partner
    names, returns the definition; raises ConfigError listing every problem."""
    problems: list[str] = [f"unknown key `{key}`" for key in sorted(set(document) - _TOP_KEYS)]
    name = _text(document, "name", problems)
    if name and not _SLUG.match(name):
        problems.append("`name` must be a slug: lower-case letters, digits and dashes")
    title, purpose = _text(document, "title", problems), _text(document, "purpose", problems)
    partners = _names(document, "partners", problems)
    if not partners:
        problems.append("`partners` must list at least one partner")
    for partner in partners:
        if known_partners is not None and partner not in known_partners:
            problems.append(f"partner {partner!r} is not registered at this hub")
    attributes = _names(document, "attributes", problems)
    for attribute in attributes:
        if not ATTRIBUTE_NAME_PATTERN.fullmatch(attribute):
            problems.append(f"attribute {attribute!r} is not a valid attribute name")
    link_scope = document.get("link_scope", "project")
    if link_scope not in PROJECT_LINK_SCOPES:
        problems.append(f"`link_scope` must be one of {', '.join(PROJECT_LINK_SCOPES)}")
    public = document.get("public", False)
    if not isinstance(public, bool):
        problems.append("`public` must be true or false")
    k = document.get("k", DEFAULT_K)
    if not isinstance(k, int) or isinstance(k, bool) or not 2 <= k <= 1000:
        problems.append("`k` must be a whole number from 2 to 1000")
        k = DEFAULT_K
    width = document.get("protection_width", k)
    if not isinstance(width, int) or isinstance(width, bool) or not 1 <= width <= 10 * k:
        problems.append("`protection_width` must be a whole number from 1 to 10 k")
        width = k
    population = document.get("population_source")
    if population is not None and population not in partners:
        problems.append(f"`population_source` {population!r} is not among `partners`")
    program_attribute = document.get("program_attribute")
    if program_attribute is None and "program" in attributes:
        program_attribute = "program"
    if program_attribute is not None and program_attribute not in attributes:
        problems.append(f"`program_attribute` {program_attribute!r} is not among `attributes`")
    retention = document.get("retention")
    expires, delete_encodings = date.max, False
    if not isinstance(retention, dict) or not isinstance(retention.get("expires"), date):
        problems.append("`retention.expires` must be a date such as 2027-08-31")
    else:
        expires = retention["expires"]
        delete_encodings = retention.get("delete_encodings_after_run", False)
        if not isinstance(delete_encodings, bool):
            problems.append("`retention.delete_encodings_after_run` must be true or false")
    approvers = _names(document, "approvers", problems)
    if not approvers:
        problems.append("`approvers` must name at least one approver (community oversight)")
    place = _place(document, folder, attributes, problems)
    dimensions_allowed = set(attributes) | ({AREA_DIMENSION} if place and place.crosswalk_path
                                            else set())
    denominators_path = resolve_file(folder, document.get("denominators"), "denominators", problems)
    denominators = {}
    if denominators_path is not None:
        columns, table = read_denominators(denominators_path, problems)
        for column in columns:
            if column not in dimensions_allowed:
                problems.append(f"`denominators` column {column!r} is not a project attribute")
        if columns:
            denominators[columns] = table
    tables = _tables(document, dimensions_allowed, population is not None, problems)
    for table in tables:
        if table.rate and population is None and table.dimensions not in denominators:
            problems.append(f"table {table.name!r}: a rate needs `population_source` or a "
                            f"`denominators` file with columns {', '.join(table.dimensions)}")
    if problems:
        raise ConfigError(f"the project file has {len(problems)} problem(s)", details=problems)
    return ProjectDefinition(
        name=name, title=title, purpose=purpose, partners=partners, attributes=attributes,
        link_scope=link_scope, public=public, k=k, protection_width=width, expires=expires,
        delete_encodings_after_run=delete_encodings, approvers=approvers, tables=tables,
        population_source=population, program_attribute=program_attribute, place=place,
        denominators=denominators, denominators_path=denominators_path, source=document)
