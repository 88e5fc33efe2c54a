"""Published tables as the contract's JSON, and the same cells as formula-safe CSV.

A suppressed cell is always ``{"value": null, "suppressed": reason}``; a rate shows its
numerator and denominator, and is suppressed when either is suppressed or below k.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from hublink.coordinator.outputs.entities import MULTIPLE
from hublink.coordinator.outputs.tables import MEMBERSHIP_KINDS, DraftTable, Quantity
from hublink.coordinator.projects.definition import TABLE_KINDS
from hublink.shared.spreadsheet import safe_row

__all__ = ["table_json", "table_csv"]


def _count(quantity: Quantity) -> dict[str, Any]:
    if quantity.suppressed:
        return {"value": None, "suppressed": quantity.suppressed}
    return {"value": quantity.value}


def _rate(numerator: Quantity, denominator: Quantity | int, k: int) -> dict[str, Any]:
    size = denominator if isinstance(denominator, int) else denominator.value
    reason = numerator.suppressed or (None if isinstance(denominator, int)
                                      else denominator.suppressed)
    if reason is None and size < k:
        reason = "primary"
    if reason:
        return {"value": None, "suppressed": reason}
    return {"value": round(numerator.value / size, 4), "numerator": numerator.value,
            "denominator": size}


def _notes(draft: DraftTable, k: int, conflicts: Mapping[str, Mapping[str, int]]) -> list[str]:
    notes = [f"Counts from 1 to {k - 1} are hidden (shown as 'fewer than {k}'); some larger "
             "counts are hidden too, so that the small ones cannot be worked out from the rest."]
    if draft.spec.kind in MEMBERSHIP_KINDS:
        # counted per membership, never resolved: a record's attribute of that name is not it
        notes.append(f"A young person counted under more than one {TABLE_KINDS[draft.spec.kind][0]} "
                     "is counted under each, so the rows add up to more than the total.")
    for dimension in () if TABLE_KINDS[draft.spec.kind] else draft.spec.dimensions:
        count = conflicts.get(dimension, {}).get("conflicts", 0)
        if count:
            notes.append(f"{count} young people had records that disagree on {dimension}: each "
                         "is counted under the population source's value, else the most "
                         f"frequent one, else '{MULTIPLE}'.")
    if draft.spec.rate:
        notes.append("Rates divide the young people taking part by the population of the "
                     "group; a rate is hidden when either count is hidden or small.")
    return notes


def table_json(draft: DraftTable, quantities: Mapping[str, Quantity], *, project: str, k: int,
               run_id: int | None, published_at: str,
               conflicts: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """Returns one published table in the contract's JSON shape."""
    spec = draft.spec

    def cells(row: tuple[str, ...] | None) -> dict[str, Any]:
        out = {}
        for measure in draft.measures:
            if measure == "rate":
                denominator = draft.denominators[row]
                out["rate"] = _rate(quantities[draft.cells[(row, "youth")]],
                                    denominator if isinstance(denominator, int)
                                    else quantities[denominator], k)
            else:
                out[measure] = _count(quantities[draft.cells[(row, measure)]])
        return out

    dimensions = list(spec.dimensions or TABLE_KINDS[spec.kind])
    rows = [{**dict(zip(dimensions, row)), **cells(row)} for row in draft.rows]
    return {"project": project, "table": spec.name, "kind": spec.kind, "title": spec.title,
            "description": spec.description, "run_id": run_id, "published_at": published_at,
            "k": k, "dimensions": dimensions, "measures": list(draft.measures), "rows": rows,
            "total": cells(None), "notes": _notes(draft, k, conflicts)}


def table_csv(table: Mapping[str, Any]) -> str:
    """Returns a published table as CSV: the dimensions, then per measure its value and a
    ``<measure>_suppressed`` column (rates also numerator and denominator); the total last."""
    header = list(table["dimensions"])
    for measure in table["measures"]:
        header += [measure, f"{measure}_suppressed"]
        if measure == "rate":
            header += ["rate_numerator", "rate_denominator"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(safe_row(header))
    total = {name: "total" for name in table["dimensions"]} | table["total"]
    for row in [*table["rows"], total]:
        line = [row.get(name, "") for name in table["dimensions"]]
        for measure in table["measures"]:
            cell = row.get(measure, {})
            value = cell.get("value")
            line += ["" if value is None else value, cell.get("suppressed", "")]
            if measure == "rate":
                line += [cell.get("numerator", ""), cell.get("denominator", "")]
        writer.writerow(safe_row(line))
    return buffer.getvalue()
