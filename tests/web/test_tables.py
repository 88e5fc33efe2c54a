"""Published tables turned into page texts, headlines, filters, map classes and map shapes."""

from __future__ import annotations

import json

from hublink.coordinator.web.dashboard import colour_classes, project_page
from hublink.coordinator.web.geography import VIEW_WIDTH, load_areas
from hublink.coordinator.web.headlines import headline_sentences
from hublink.coordinator.web.tables import cell_view, filters, suppression_notes, table_view
from tests.web.published import BOUNDARIES, ProjectInfo, see_tables


def test_cells_read_in_plain_words():
    assert cell_view("youth", {"value": 4210}, 11).text == "4,210"
    assert cell_view("youth", {"value": None, "suppressed": "primary"}, 11).text == "fewer than 11"
    assert cell_view("youth", {"value": None, "suppressed": "primary"}, 5).text == "fewer than 5"
    assert cell_view("youth", {"value": None, "suppressed": "complementary"}, 11).text == "not shown"
    rate = cell_view("rate", {"value": 0.231, "numerator": 412, "denominator": 1783}, 11)
    assert rate.text == "23.1% (412 of 1,783)" and rate.value == 0.231
    assert cell_view("rate", {"value": None, "suppressed": "primary"}, 11).text == "not shown"
    assert cell_view("youth", {"value": None, "suppressed": "primary"}, 11).value is None


def test_headlines_quote_only_shown_figures():
    views = [table_view(table) for table in see_tables()]
    assert headline_sentences(views)[:2] == [
        "4,210 young people took part in at least one program.",
        "612 of them took part in more than one program."]
    tables = see_tables()
    tables[0]["total"]["youth"] = {"value": None, "suppressed": "primary"}
    tables[0]["rows"][0]["youth"] = {"value": None, "suppressed": "primary"}
    tables[4]["rows"][2]["youth"] = {"value": None, "suppressed": "primary"}
    sentences = headline_sentences([table_view(table) for table in tables])
    assert not any("at least one" in s or "more than one" in s for s in sentences)


def test_notes_explain_only_the_suppression_present():
    views = [table_view(table) for table in see_tables()]
    notes = suppression_notes(views, 11)
    assert len(notes) == 2 and "between 1 and 10" in notes[0]
    assert suppression_notes([views[0]], 11) == []


def test_filters_cover_every_dimension_but_a_tables_own_axes():
    views = [table_view(table) for table in see_tables()]
    found = {f["dimension"]: f["values"] for f in filters(views)}
    assert set(found) == {"program", "zip"}
    assert found["program"] == ["Summer Jobs", "Rec Camps", "Library Reads"]


def test_map_classes_span_the_shown_values():
    bounds, legend = colour_classes([10, 20, 60])
    assert bounds[-1] == 60 and len(bounds) == 5 and legend[0] == "10 to 20"
    assert colour_classes([]) == ([], [])
    assert colour_classes([7, 7])[0][-1] == 7


def test_boundary_file_gives_one_shape_per_zip_inside_the_view():
    areas, height = load_areas(BOUNDARIES, "zip")
    features = json.loads(BOUNDARIES.read_text())["features"]
    assert sorted(a.key for a in areas) == sorted(f["properties"]["zip"] for f in features)
    for area in areas:
        numbers = [float(n) for n in area.path.replace("M", " ").replace("L", " ")
                   .replace("Z", " ").replace(",", " ").split()]
        assert all(0 <= x <= VIEW_WIDTH for x in numbers[0::2])
        assert all(0 <= y <= height for y in numbers[1::2])


def test_the_map_colours_suppressed_areas_never():
    project = ProjectInfo("see-2026", "t", "p")
    context = project_page(project, see_tables(), "zip")
    assert context["map_table"].id == "youth_by_zip"
    assert context["map_colours"]["21202"]["colour"] is None
    assert context["map_colours"]["21217"]["colour"] == "#08519c"
