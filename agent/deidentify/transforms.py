"""The attribute transforms: what each one reads, which keys it takes, and its value rule.

Every rule takes one cell (or one parsed date) and returns the value to send, or None, with
the problem kind when the cell could not be used. Values never travel with problems.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from hublink.agent.normalise.address import normalise_zip
from hublink.agent.normalise.text import cell_text
from hublink.agent.deidentify.spd15 import MULTIRACIAL, UNKNOWN, code_key

__all__ = ["Transform", "TRANSFORMS", "DATE_TRANSFORMS", "ZIP_TRANSFORMS", "map_code",
           "date_value", "zip_value", "bucket_value", "band_label", "whole_years"]


@dataclass(frozen=True)
class Transform:
    """A transform's name, what it reads ("text", "date", "zip" or "number"), the table
    keys it requires and allows besides column/from/transform/missing, and its help."""

    name: str
    reads: str
    help: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


TRANSFORMS: dict[str, Transform] = {transform.name: transform for transform in (
    Transform("passthrough", "text", "The cell as it is, trimmed (the default without `map`)."),
    Transform("map", "text", "Each code to a label through `map` (a table, or \"spd15\"); "
              "codes outside it become `unmapped`.", ("map",), ("unmapped", "extra")),
    Transform("age", "date", "Whole years of age at `reference_date`.", ("reference_date",),
              ("date_format",)),
    Transform("age_band", "date", "Age at `reference_date` in the bands starting at each "
              "of `bands`: [0, 5, 11] gives 0-4, 5-10, 11+.", ("reference_date", "bands"),
              ("date_format",)),
    Transform("birth_year", "date", "The year of the date.", (), ("date_format",)),
    Transform("month", "date", "The date generalised to its month, YYYY-MM.", (),
              ("date_format",)),
    Transform("zip5", "zip", "A ZIP code as five digits (ZIP+4 cut; a lost leading zero "
              "restored with identifiers.zip_pad)."),
    Transform("zip3", "zip", "The first three digits of a ZIP code."),
    Transform("bucket", "number", "A number in the buckets starting at each of `edges`: "
              "[0, 10] gives 0-<10, 10+ (and <0 below).", ("edges",)),
)}

DATE_TRANSFORMS = frozenset(name for name, item in TRANSFORMS.items() if item.reads == "date")
ZIP_TRANSFORMS = frozenset(name for name, item in TRANSFORMS.items() if item.reads == "zip")


def map_code(mapping: dict[str, str], split_multiple: bool,
             cell: object) -> tuple[str | None, bool]:
    """Given folded code -> label, whether a cell may list several codes (the SPD 15 map)
    and a non-missing cell, returns the label (None when unmapped) and whether the code is
    outside the mapping."""
    text = cell_text(cell) or ""
    label = mapping.get(code_key(text))
    if label is not None or not split_multiple:
        return label, label is None
    parts = [part for part in text.replace("|", ";").replace(",", ";").split(";") if part.strip()]
    labels = {mapping.get(code_key(part)) for part in parts}
    if len(parts) < 2 or None in labels:
        return None, True
    labels.discard(UNKNOWN)
    if not labels:
        return UNKNOWN, False
    return (labels.pop() if len(labels) == 1 else MULTIRACIAL), False


def whole_years(born: date, on: date) -> int:
    """Returns the age in whole years on ``on`` of someone born on ``born``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def band_label(edges: tuple[float, ...], value: float, whole: bool) -> str:
    """Given increasing edges, returns the label of the band holding ``value``: "<first",
    "low-high" for [low, next) ("low-(next-1)" for whole numbers such as ages), "last+"."""
    if value < edges[0]:
        return f"<{_number(edges[0])}"
    for low, high in zip(edges, edges[1:]):
        if value < high:
            upper = _number(high - 1) if whole else f"<{_number(high)}"
            return f"{_number(low)}-{upper}" if not whole or high - 1 != low else _number(low)
    return f"{_number(edges[-1])}+"


def date_value(transform: str, when: date, reference_date: date | None,
               edges: tuple[float, ...]) -> tuple[str | None, str | None]:
    """Given a date transform, a date, the reference date and age bands, returns the value
    and the problem kind; a date after the reference date gives no age."""
    if transform == "birth_year":
        return str(when.year), None
    if transform == "month":
        return f"{when.year:04d}-{when.month:02d}", None
    assert reference_date is not None
    if when > reference_date:
        return None, "born_after_reference_date"
    age = whole_years(when, reference_date)
    return (str(age) if transform == "age" else band_label(edges, age, whole=True)), None


def zip_value(transform: str, cell: object, pad: bool = False) -> tuple[str | None, str | None]:
    """Given zip5 or zip3, a non-missing cell and whether a dropped leading zero is restored,
    returns the value and the problem kind."""
    digits, problem = normalise_zip(cell, pad)
    if problem or not digits:
        return None, "bad_zip"
    return (digits if transform == "zip5" else digits[:3]), None


def bucket_value(edges: tuple[float, ...], cell: object) -> tuple[str | None, str | None]:
    """Given bucket edges and a non-missing cell, returns the bucket label and the problem
    kind (``not_a_number``)."""
    try:
        number = float((cell_text(cell) or "").strip())
    except ValueError:
        return None, "not_a_number"
    if not math.isfinite(number):
        return None, "not_a_number"
    return band_label(edges, number, whole=False), None
