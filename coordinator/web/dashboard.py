"""Everything a project's dashboard and printable report show, built from its published tables.

Shared by both pages, so the report carries exactly the dashboard's figures. Map colours are
decided here, once per table over all its shown values (so one legend holds whatever the
filters select): five equal-width classes from the smallest to the largest shown value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hublink.coordinator.web.geography import MapArea, load_areas
from hublink.coordinator.web.headlines import headline_sentences, publication_line
from hublink.coordinator.web.publications import boundaries_file
from hublink.coordinator.web.tables import (TableView, dimension_label, filters, format_count,
                                            suppression_notes, table_view)

__all__ = ["PLACE_DIMENSIONS", "MAP_CLASSES", "MapView", "project_page", "colour_classes"]

PLACE_DIMENSIONS = ("zip", "area", "neighbourhood", "place")
MAP_CLASSES = 5
# ColorBrewer "Blues" (sequential, one hue: readable with every colour-vision deficiency).
MAP_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
# Okabe and Ito's palette, safe for colour-blind readers; the charts use it in this order.
CHART_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
                 "#000000")


@dataclass
class MapView:
    """The choropleth: areas, the view box height, the place dimension and the legend."""

    areas: list[MapArea]
    height: int
    dimension: str
    legends: dict[str, list[str]]


def colour_classes(values: list[float]) -> tuple[list[float], list[str]]:
    """Given the shown values of a table, returns the upper bounds of the classes and their
    legend texts ("12 to 40"); empty when no value is shown."""
    if not values:
        return [], []
    low, high = min(values), max(values)
    step = (high - low) / MAP_CLASSES or 1.0
    bounds = [low + step * (index + 1) for index in range(MAP_CLASSES)]
    bounds[-1] = high
    lows = [low] + bounds[:-1]
    legend = [f"{format_count(lower)} to {format_count(upper)}" for lower, upper in zip(lows, bounds)]
    return bounds, legend


def _colour_index(value: float, bounds: list[float]) -> int:
    return next((index for index, bound in enumerate(bounds) if value <= bound), len(bounds) - 1)


def _place_dimension(views: list[TableView]) -> str | None:
    for view in views:
        for dimension in view.dimensions:
            if dimension in PLACE_DIMENSIONS:
                return dimension
    return None


def _map_view(project: Any, boundary_key: str,
              views: list[TableView]) -> tuple[MapView | None, dict[str, list[str | None]]]:
    """Returns the map (None without boundaries or a place dimension) and, per table with
    places, each row's map colour (None for a cell not shown), aligned with its rows."""
    path = boundaries_file(project)
    dimension = _place_dimension(views)
    if path is None or dimension is None or not path.exists():
        return None, {}
    areas, height = load_areas(path, boundary_key)
    legends, row_colours = {}, {}
    for view in views:
        if dimension not in view.dimensions:
            continue
        values = [cells[view.chart_measure].value for _, cells in view.rows]
        bounds, legends[view.id] = colour_classes([v for v in values if v is not None])
        row_colours[view.id] = [None if value is None
                                else MAP_COLOURS[_colour_index(value, bounds)]
                                for value in values]
    return MapView(areas, height, dimension, legends), row_colours


def initial_map_table(views: list[TableView], dimension: str) -> TableView | None:
    """Returns the table the map shows before any filter: the simplest one with places."""
    with_place = [view for view in views if dimension in view.dimensions]
    return min(with_place, key=lambda view: len(view.dimensions), default=None)


def project_page(project: Any, tables: list[dict[str, Any]],
                 boundary_key: str = "id") -> dict[str, Any]:
    """Given a project, its published tables and the boundary file's key property, returns
    the template context of its dashboard and report. The figures travel once, in the
    tables' markup; ``charts`` holds only what the script needs to read and draw them."""
    views = [table_view(table) for table in tables]
    map_view, row_colours = _map_view(project, boundary_key, views)
    map_table = initial_map_table(views, map_view.dimension) if map_view else None
    map_colours: dict[str, dict[str, Any]] = {}
    if map_table is not None:
        map_colours = {keys[map_view.dimension]: {"colour": colour,
                                                  "text": cells[map_table.chart_measure].text}
                       for (keys, cells), colour in zip(map_table.rows,
                                                        row_colours[map_table.id])}
    return {
        "project": project, "views": views, "charts": [view.chart_meta() for view in views],
        "headlines": headline_sentences(views),
        "notes": suppression_notes(views, int(project.k)),
        "filters": filters(views), "map": map_view, "map_table": map_table,
        "map_colours": map_colours, "map_colour_scale": MAP_COLOURS, "row_colours": row_colours,
        "chart_colours": CHART_COLOURS,
        "published": publication_line(tables[0]) if tables else None,
        "dimension_label": dimension_label,
    }
