"""Declared attribute types: the allow-list of what may travel beside the encodings.

The hub declares every attribute it accepts (``<home>/attributes.toml`` on the coordinator),
each with one type; anything undeclared is refused, and so is any value its type does not
accept. The agent checks the same rules before it sends. Types:

- ``category``: one of the declared ``values`` (exact spelling);
- ``integer``: a whole number from ``minimum`` to ``maximum``;
- ``month``: ``YYYY-MM``; ``year``: ``YYYY`` (both optionally bounded by ``minimum`` and
  ``maximum`` years);
- ``zip5``: five digits; ``zip3``: three digits;
- ``age_band``: a band of whole years such as ``<5``, ``5-10``, ``11`` or ``18+`` (optionally
  only the declared ``values``).

A missing value (null or empty) is always accepted. Problems name the attribute and the
rule, never a value. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hublink.shared.attributes import MAX_ATTRIBUTE_VALUE_LENGTH, validate_attribute_name
from hublink.shared.errors import InvalidPackage
from hublink.shared.pii_firewall import VALUE_RULES, attribute_name_problems

__all__ = ["ATTRIBUTE_TYPES", "AttributeDeclaration", "parse_declarations",
           "undeclared_problems", "value_problems"]

ATTRIBUTE_TYPES: dict[str, str] = {
    "category": "one of the declared values",
    "integer": "a whole number in the declared range",
    "month": "a month written YYYY-MM",
    "year": "a year written YYYY",
    "zip5": "a five-digit ZIP code",
    "zip3": "the first three digits of a ZIP code",
    "age_band": "an age band such as <5, 5-10, 11 or 18+",
}
_KEYS = {"type", "values", "minimum", "maximum", "help"}
_YEAR_RANGE = (1900, 2100)
_AGE_BAND = re.compile(r"<(\d{1,3})|(\d{1,3})(?:-(\d{1,3}))?|(\d{1,3})\+")
_PATTERNS = {"month": re.compile(r"(\d{4})-(0[1-9]|1[0-2])"), "year": re.compile(r"(\d{4})"),
             "zip5": re.compile(r"\d{5}"), "zip3": re.compile(r"\d{3}"),
             "integer": re.compile(r"-?\d{1,18}")}


@dataclass(frozen=True)
class AttributeDeclaration:
    """One declared attribute: its name, type and the type's bounds or vocabulary."""

    name: str
    type: str
    values: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    help: str = ""

    def accepts(self, value: str) -> bool:
        """Given a non-empty value, returns whether this declaration accepts it."""
        if self.values and self.type in ("category", "age_band"):
            return value in self.values
        if self.type == "age_band":
            return _valid_age_band(value)
        match = _PATTERNS[self.type].fullmatch(value) if self.type in _PATTERNS else None
        if match is None:
            return False
        if self.type in ("integer", "month", "year"):
            number = int(match.group(1) if self.type != "integer" else match.group(0))
            low, high = ((self.minimum, self.maximum) if self.type == "integer"
                         else (self.minimum or _YEAR_RANGE[0], self.maximum or _YEAR_RANGE[1]))
            return (low is None or number >= low) and (high is None or number <= high)
        return True

    def describe(self) -> str:
        """Returns what the declaration accepts, for messages and documentation."""
        if self.values:
            shown = ", ".join(self.values[:12]) + (", ..." if len(self.values) > 12 else "")
            return f"one of the declared values ({shown})"
        text = ATTRIBUTE_TYPES[self.type]
        if self.minimum is not None or self.maximum is not None:
            text += f" from {self.minimum if self.minimum is not None else '-'}" \
                    f" to {self.maximum if self.maximum is not None else '-'}"
        return text


def _valid_age_band(value: str) -> bool:
    match = _AGE_BAND.fullmatch(value)
    if match is None:
        return False
    low, high = match.group(2), match.group(3)
    return high is None or low is None or int(low) <= int(high)


def _declaration(name: str, table: object, problems: list[str]) -> AttributeDeclaration | None:
    where = f"attribute {name!r}"
    before = len(problems)
    try:
        validate_attribute_name(name)
    except InvalidPackage as error:
        problems.append(error.message)
    problems.extend(attribute_name_problems([name]))
    if not isinstance(table, Mapping):
        problems.append(f"{where} must be a table with a type")
        return None
    kind = table.get("type")
    if kind not in ATTRIBUTE_TYPES:
        problems.append(f"{where}: type must be one of {', '.join(ATTRIBUTE_TYPES)}")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        problems.append(f"{where}: unknown keys {', '.join(unknown)}")
    values = table.get("values", [])
    if not isinstance(values, list) or not all(isinstance(value, str) and value.strip()
                                               and len(value) <= MAX_ATTRIBUTE_VALUE_LENGTH
                                               for value in values):
        problems.append(f"{where}: values must be a list of non-empty texts of at most "
                        f"{MAX_ATTRIBUTE_VALUE_LENGTH} characters")
        values = []
    elif len(set(values)) != len(values):
        problems.append(f"{where}: values repeat")
    if kind == "category" and not values:
        problems.append(f"{where}: a category declares its values")
    if values and kind not in ("category", "age_band"):
        problems.append(f"{where}: only category and age_band take values")
    for rule, (pattern, _) in VALUE_RULES.items():
        if any(pattern.search(value) for value in values):
            problems.append(f"{where}: a declared value breaks the PII rule {rule}")
    if kind == "age_band" and not all(_valid_age_band(value) for value in values):
        problems.append(f"{where}: age band values look like <5, 5-10, 11 or 18+")
    bounds = [table.get("minimum"), table.get("maximum")]
    if any(bound is not None and (not isinstance(bound, int) or isinstance(bound, bool))
           for bound in bounds):
        problems.append(f"{where}: minimum and maximum are whole numbers")
        bounds = [None, None]
    elif any(bound is not None for bound in bounds) and kind not in ("integer", "month", "year"):
        problems.append(f"{where}: only integer, month and year take minimum and maximum")
    elif None not in bounds and bounds[0] > bounds[1]:
        problems.append(f"{where}: minimum is above maximum")
    if len(problems) > before:
        return None
    return AttributeDeclaration(name=name, type=kind, values=tuple(values), minimum=bounds[0],
                                maximum=bounds[1], help=str(table.get("help", "")))


def parse_declarations(tables: Mapping[str, Any]) -> tuple[dict[str, AttributeDeclaration],
                                                             list[str]]:
    """Given name -> table (``type`` and the type's keys, as in ``attributes.toml``), returns
    the valid declarations and one problem line for each mistake, all found in one pass."""
    problems: list[str] = []
    declarations = {}
    for name, table in tables.items():
        declaration = _declaration(str(name), table, problems)
        if declaration is not None:
            declarations[declaration.name] = declaration
    return declarations, problems


def undeclared_problems(names: Sequence[str],
                        declarations: Mapping[str, AttributeDeclaration]) -> list[str]:
    """Returns one problem line for each name the hub has not declared."""
    return [f"attribute {name!r} is not declared by the hub: only declared attributes are "
            f"accepted (ask the hub operator, or drop it from the agent's [attributes])"
            for name in names if name not in declarations]


def value_problems(declarations: Mapping[str, AttributeDeclaration],
                   columns: Mapping[str, Sequence[str | None]]) -> list[str]:
    """Given the declarations and attribute name -> values, returns one problem line per
    attribute holding values its type refuses (the attribute, the count and what it
    accepts; never a value). Undeclared names are ``undeclared_problems``' concern."""
    problems = []
    for name, values in columns.items():
        declaration = declarations.get(name)
        if declaration is None:
            continue
        refused = sum(1 for value in values if value and not declaration.accepts(value))
        if refused:
            problems.append(f"attribute {name!r} has {refused} value(s) that are not "
                            f"{declaration.describe()}")
    return problems
