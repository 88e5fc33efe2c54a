"""Published tables turned into what a page shows: labels, cell texts, rows and chart data.

Nothing here computes a figure: every number comes from the published table as it is. A
suppressed cell (``"value": null`` with a ``suppressed`` reason) reads "fewer than k" when it
is small (primary) and "not shown" when it protects a small cell elsewhere (complementary);
rates show their numerator and denominator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["COUNT_MEASURES", "FILTER_EXCLUDED", "CellView", "TableView", "table_view",
           "dimension_label", "measure_label", "format_count", "suppression_notes", "filters"]

COUNT_MEASURES = ("youth", "participations", "missing")
# Dimensions that are a table's own axes, never a page filter.
FILTER_EXCLUDED = ("partner_a", "partner_b", "programs")
_DIMENSION_LABELS = {
    "zip": "ZIP code", "area": "Area", "neighbourhood": "Neighbourhood", "program": "Program",
    "period": "Period", "partner": "Partner", "partner_a": "Partner", "partner_b": "Also at",
    "programs": "Programs taken part in", "race_ethnicity": "Race or ethnicity",
    "gender": "Gender", "age_band": "Age",
}
_MEASURE_LABELS = {"youth": "Young people", "participations": "Participations",
                   "missing": "Young people not yet reached", "rate": "Share"}


def dimension_label(name: str) -> str:
    """Returns the plain-words label of a dimension."""
    return _DIMENSION_LABELS.get(name, name.replace("_", " ").capitalize())


def measure_label(name: str) -> str:
    """Returns the plain-words label of a measure."""
    return _MEASURE_LABELS.get(name, name.replace("_", " ").capitalize())


def format_count(value: int | float) -> str:
    """Returns a count with thousands separators: 4210 -> "4,210"."""
    return f"{int(value):,}"


@dataclass(frozen=True)
class CellView:
    """One cell as shown: its text, the number a chart may draw (None when not shown), and
    why it is not shown (``primary``, ``complementary`` or None)."""

    text: str
    value: float | None
    suppressed: str | None = None


def cell_view(measure: str, cell: dict[str, Any] | None, k: int) -> CellView:
    """Given a measure's published cell and the project's k, returns how it reads."""
    if not cell:
        return CellView("no data", None)
    reason = cell.get("suppressed")
    value = cell.get("value")
    if reason or value is None:
        if reason == "primary" and measure != "rate":
            return CellView(f"fewer than {k}", None, "primary")
        return CellView("not shown", None, reason or "missing")
    if measure == "rate":
        text = f"{100 * value:.1f}%"
        numerator, denominator = cell.get("numerator"), cell.get("denominator")
        if numerator is not None and denominator is not None:
            text += f" ({format_count(numerator)} of {format_count(denominator)})"
        return CellView(text, float(value))
    return CellView(format_count(value), float(value))


@dataclass
class TableView:
    """A published table ready for a page: ``rows`` are (dimension values, cells) pairs."""

    id: str
    kind: str
    title: str
    description: str
    k: int
    dimensions: list[str]
    measures: list[str]
    rows: list[tuple[dict[str, str], dict[str, CellView]]]
    total: dict[str, CellView]
    notes: list[str] = field(default_factory=list)
    chart_measure: str = "youth"

    @property
    def headers(self) -> list[str]:
        return [dimension_label(d) for d in self.dimensions] + [measure_label(m)
                                                              for m in self.measures]

    def chart_meta(self) -> dict[str, Any]:
        """Returns what the page's script needs to draw the chart: the table's id, title,
        dimensions, chart measure and labels. The rows it reads from the table's markup."""
        return {"id": self.id, "kind": self.kind, "title": self.title,
                "dimensions": self.dimensions, "measure": self.chart_measure,
                "measureLabel": measure_label(self.chart_measure),
                "dimensionLabels": {d: dimension_label(d) for d in self.dimensions}}

    def suppressed_reasons(self) -> set[str]:
        cells = [cell for _, row in self.rows for cell in row.values()] + list(self.total.values())
        return {cell.suppressed for cell in cells if cell.suppressed}


def table_view(table: dict[str, Any]) -> TableView:
    """Given one published table (the published-table contract), returns its view."""
    k = int(table.get("k", 11))
    measures = list(table["measures"])
    dimensions = list(table.get("dimensions", []))
    rows = [({d: str(row.get(d, "")) for d in dimensions},
             {m: cell_view(m, row.get(m), k) for m in measures}) for row in table["rows"]]
    total = {m: cell_view(m, cell, k) for m, cell in (table.get("total") or {}).items()
             if m in measures}
    chart_measure = next((m for m in measures if m in COUNT_MEASURES), measures[0])
    return TableView(id=table["table"], kind=table["kind"], title=table["title"],
                     description=table.get("description", ""), k=k, dimensions=dimensions,
                     measures=measures, rows=rows, total=total, notes=list(table.get("notes", [])),
                     chart_measure=chart_measure)


def suppression_notes(views: list[TableView], k: int) -> list[str]:
    """Returns the plain-words notes on the suppressed cells that the given tables hold."""
    reasons = set().union(*(view.suppressed_reasons() for view in views)) if views else set()
    notes = []
    if "primary" in reasons:
        notes.append(f"\u201cFewer than {k}\u201d means between 1 and {k - 1} young people. "
                     f"Numbers this small are not shown, so that no young person can be "
                     f"recognised from them.")
    if reasons - {"primary"}:
        notes.append("\u201cNot shown\u201d marks a number held back because, together with the "
                     "totals, it would let someone work out a small number elsewhere; or a "
                     "share whose count is too small to show.")
    return notes


def filters(views: list[TableView]) -> list[dict[str, Any]]:
    """Returns the page's filters: one per dimension found in any table (besides a table's own
    axes), with every value found, in first-seen order."""
    found: dict[str, list[str]] = {}
    for view in views:
        for dimension in view.dimensions:
            if dimension in FILTER_EXCLUDED:
                continue
            values = found.setdefault(dimension, [])
            for keys, _ in view.rows:
                if keys[dimension] not in values:
                    values.append(keys[dimension])
    return [{"dimension": d, "label": dimension_label(d), "values": v} for d, v in found.items()]
