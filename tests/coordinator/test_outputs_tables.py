"""Known answers of every aggregate, conflict resolution and suppression on hand-built data."""

from datetime import date
from pathlib import Path

import pytest

from hublink.coordinator.outputs.entities import (MULTIPLE, ProjectRecord, build_entities,
                                                  resolve_attribute)
from hublink.coordinator.outputs.publish import prepare_publication
from hublink.coordinator.outputs.render import table_csv
from hublink.coordinator.outputs.tables import compute_aggregates
from hublink.coordinator.projects.definition import parse_definition

TABLES = [{"name": "youth", "kind": "total"}, {"name": "partners", "kind": "by_partner"},
          {"name": "programs", "kind": "by_program"}, {"name": "periods", "kind": "by_period"},
          {"name": "program_count", "kind": "program_count"}, {"name": "overlap", "kind": "overlap"},
          {"name": "by_zip", "kind": "by_group", "dimensions": ["zip"], "rate": True},
          {"name": "by_area", "kind": "by_group", "dimensions": ["area"]},
          {"name": "missing", "kind": "missing_by_group", "dimensions": ["zip"]}]


def definition(tmp_path: Path, k: int = 2, **extra):
    (tmp_path / "areas.csv").write_text("zip,area\n1,North\n2,North\n3,South\n")
    document = {"name": "test", "title": "T", "purpose": "P", "partners": ["s", "a", "b"],
                "attributes": ["zip", "race", "program"], "population_source": "s", "k": k,
                "retention": {"expires": date(2099, 1, 1)}, "approvers": ["board"],
                "place": {"attribute": "zip", "crosswalk": "areas.csv"}, "tables": TABLES}
    document.update(extra)
    return parse_definition(document, tmp_path)


def record(partner, link, zip_code, race="X", program="", enrollments=()):
    return ProjectRecord(partner, f"{partner}-{link}", link,
                         {"zip": zip_code, "race": race, "program": program}, enrollments)


# Youth: L1 roster only (missing); L2 roster + a camp; L3 at a and b (two programs);
# L4 at a only, enrolled in two programs in June and July; L5 roster, zip 3, at b.
RECORDS = [
    record("s", "L1", "1"), record("s", "L2", "1"), record("a", "L2", "1", program="camp"),
    record("a", "L3", "2", program="camp"), record("b", "L3", "2"),
    record("a", "L4", "3", enrollments=({"program": "camp", "start": "2026-06-01"},
                                        {"program": "arts", "start": "2026-07"})),
    record("s", "L5", "3"), record("b", "L5", "3"),
]


def aggregates(tmp_path):
    project = definition(tmp_path)
    entities, _ = build_entities(RECORDS, ["zip", "area"], population_source="s",
                                 program_attribute="program", crosswalk=project.place.crosswalk,
                                 place_attribute="zip")
    return compute_aggregates(project, entities)


def test_every_aggregate_has_its_known_answer(tmp_path):
    values = {name: quantity.value for name, quantity in aggregates(tmp_path).quantities.items()}
    assert values["youth|total"] == 4  # L2, L3, L4, L5 take part; L1 is only on the roster
    assert values["participations|total"] == 6  # L2 1, L3 2, L4 2, L5 1
    assert values["partner|a"] == 3 and values["partner|b"] == 2 and values["partner|s"] == 0
    assert values["overlap|a|b"] == 1 and values["overlap|a|s"] == 0
    assert values["program|a: camp"] == 3 and values["program|a: arts"] == 1
    assert values["program|b"] == 2
    assert values["period|2026-06"] == 1 and values["period|2026-07"] == 1
    assert values["period|unknown"] == 3
    assert [values[f"programs|{b}"] for b in ("1", "2", "3+")] == [2, 2, 0]
    assert values["youth|zip|1"] == 1 and values["youth|zip|2"] == 1 and values["youth|zip|3"] == 2
    assert values["youth|area|North"] == 2 and values["youth|area|South"] == 2
    assert values["population|zip|1"] == 2 and values["population|zip|3"] == 1
    assert values["population|total"] == 3
    assert values["missing|zip|1"] == 1 and values["missing|total"] == 1


def test_rates_divide_youth_by_the_population_of_the_group(tmp_path):
    prepared = prepare_publication(definition(tmp_path, k=2), RECORDS)
    by_zip = next(table for table in prepared.tables if table["table"] == "by_zip")
    rows = {row["zip"]: row for row in by_zip["rows"]}
    assert rows["1"]["rate"] == {"value": None, "suppressed": "primary"}  # 1 youth < k
    assert rows["2"]["rate"]["suppressed"] == "primary"  # no population in zip 2: denominator 0
    assert by_zip["total"]["rate"] == {"value": round(4 / 3, 4), "numerator": 4,
                                       "denominator": 3}


@pytest.mark.parametrize("values, source, expected", [
    ([("a", "X"), ("b", "X")], "s", ("X", None)),
    ([("a", "X"), ("b", None)], "s", ("X", None)),
    ([("a", "X"), ("s", "Y"), ("b", "X")], "s", ("Y", "population_source")),
    ([("a", "X"), ("b", "X"), ("c", "Y")], "s", ("X", "most_frequent")),
    ([("a", "X"), ("b", "Y")], "s", (MULTIPLE, "multiple")),
    ([("a", None)], "s", ("unknown", None)),
])
def test_conflicts_resolve_population_source_then_most_frequent_then_multiple(values, source,
                                                                              expected):
    assert resolve_attribute(values, source) == expected


def test_conflict_counts_are_reported_in_the_notes(tmp_path):
    records = RECORDS + [record("b", "L2", "2")]  # L2: roster says zip 1, partner b says 2
    prepared = prepare_publication(definition(tmp_path, k=2), records)
    assert prepared.conflicts["zip"] == {"conflicts": 1, "population_source": 1,
                                         "most_frequent": 0, "multiple": 0}
    by_zip = next(table for table in prepared.tables if table["table"] == "by_zip")
    assert any("1 young people had records that disagree on zip" in note
               for note in by_zip["notes"])


def test_small_counts_are_suppressed_with_null_values_and_a_reason(tmp_path):
    prepared = prepare_publication(definition(tmp_path, k=3), RECORDS)
    for table in prepared.tables:
        for row in table["rows"] + [table["total"]]:
            for measure in table["measures"]:
                cell = row[measure]
                if cell.get("suppressed"):
                    assert cell["value"] is None
                elif measure != "rate":
                    assert cell["value"] == 0 or cell["value"] >= 3


def test_csv_has_empty_suppressed_cells_a_reason_column_and_is_formula_safe(tmp_path):
    table = {"dimensions": ["zip"], "measures": ["youth"],
             "rows": [{"zip": "=cmd()", "youth": {"value": 12}},
                      {"zip": "2", "youth": {"value": None, "suppressed": "primary"}}],
             "total": {"youth": {"value": 20}}}
    assert table_csv(table).splitlines() == ["zip,youth,youth_suppressed", "'=cmd(),12,",
                                             "2,,primary", "total,20,"]


def test_the_equity_report_counts_match_rates_and_warns_of_uneven_linkage():
    from hublink.coordinator.outputs.quality import equity_report
    records = []
    for index in range(40):  # group X: every youth linked across two partners
        records += [ProjectRecord("a", "", f"X{index}", {"race_ethnicity": "X"}),
                    ProjectRecord("b", "", f"X{index}", {"race_ethnicity": "X"})]
    for index in range(40):  # group Y: a quarter linked
        records.append(ProjectRecord("a", "", f"Y{index}", {"race_ethnicity": "Y"}))
        if index % 4 == 0:
            records.append(ProjectRecord("b", "", f"Y{index}", {"race_ethnicity": "Y"}))
    report = equity_report(records, gap=0.05)
    assert report["records"] == 130 and report["entities"] == 80
    assert report["entity_sizes"] == {"1": 30, "2": 50, "3": 0, "4": 0, "5+": 0}
    assert report["by_attribute"]["race_ethnicity"]["X"] == {"records": 80, "linked": 80,
                                                             "match_rate": 1.0}
    assert report["by_attribute"]["race_ethnicity"]["Y"]["match_rate"] == round(20 / 50, 4)
    assert report["by_partner"]["b"]["match_rate"] == 1.0
    assert len(report["warnings"]) == 1 and "'Y'" in report["warnings"][0]
    assert not equity_report(records, gap=0.7)["warnings"]
