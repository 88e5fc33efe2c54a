"""Identifiers never reach analysts: the allow-list of declared attributes, the PII firewall as
a second line over the whole sync, and spreadsheet-safe exports."""

import csv

import pytest

from hublink.coordinator.attribute_declarations import (DEFAULT_DECLARATIONS, DeclarationsInvalid,
                                                        load_declarations,
                                                        parse_declarations_text,
                                                        write_declarations)
from hublink.coordinator.jobs.match_run import run_match
from hublink.coordinator.outputs.export import export_linked_dataset
from hublink.shared.attribute_types import parse_declarations, value_problems
from hublink.shared.pii_firewall import attribute_name_problems, firewall_problems
from tests.project_files import approved_project
from tests.helpers import TEST_DECLARATIONS, make_chunk, make_start

IDENTIFYING_VALUES = ["20090415", "2009 04 15", "2009 April 15", "123 45 6789", "123.45.6789",
                      "jane.doe(at)example.org", "+44 20 7946 0958",
                      "she was picked up by her aunt", "April 15, 2009", "2009-04-15"]
IDENTIFYING_NAMES = ["first_name", "last_name", "full_name", "birth_date", "dob", "street",
                     "home_address", "phone", "email", "ssn", "record_key", "name"]


def put(client, auth, start, number, chunk):
    return client.put(f"/api/v1/syncs/{start.sync_id}/chunks/{number}", json=chunk.to_wire(),
                      headers=auth)


def commit(client, auth, start, chunks, records):
    return client.post(f"/api/v1/syncs/{start.sync_id}/commit", headers=auth,
                       json={"format": "hublink.sync/1", "chunk_count": chunks,
                             "record_count": records})


@pytest.mark.parametrize("value", IDENTIFYING_VALUES)
def test_every_reported_identifier_format_is_caught_by_the_firewall(value):
    assert firewall_problems({"note": [value]})


@pytest.mark.parametrize("name", IDENTIFYING_NAMES)
def test_identifying_attribute_names_are_refused(name):
    assert attribute_name_problems([name])


@pytest.mark.parametrize("name", ["program", "program_name", "site_name", "birth_year",
                                  "birth_month", "zip5", "neighbourhood", "age_band"])
def test_ordinary_attribute_names_pass(name):
    assert attribute_name_problems([name]) == []


def test_the_default_declarations_cover_the_coarsened_attributes():
    from hublink.agent.deidentify.spd15 import SPD15_CATEGORIES
    declared = parse_declarations_text(DEFAULT_DECLARATIONS)
    assert set(declared["race_ethnicity"].values) == set(SPD15_CATEGORIES)
    assert declared["gender"].values == ("female", "male", "another gender", "unknown")
    for name, good, bad in [("age_band", "11-13", "eleven"), ("zip5", "21201", "2120"),
                            ("zip3", "212", "21201"), ("start_month", "2026-07", "2026-13"),
                            ("birth_year", "2010", "1850")]:
        assert declared[name].accepts(good) and not declared[name].accepts(bad), name


def test_declarations_report_every_problem_at_once():
    declarations, problems = parse_declarations({
        "first_name": {"type": "category", "values": ["a"]},
        "site": {"type": "category"},
        "grade": {"type": "integer", "minimum": 12, "maximum": 1},
        "colour": {"type": "colour"},
        "birth_year": {"type": "year", "values": ["2010"]}})
    assert declarations == {}
    text = "\n".join(problems)
    for expected in ("first_name", "declares its values", "minimum is above maximum",
                     "type must be one of", "only category and age_band take values"):
        assert expected in text
    with pytest.raises(DeclarationsInvalid):
        parse_declarations_text('[attributes.dob]\ntype = "month"\n')


def test_value_problems_name_the_attribute_never_the_value():
    declared, _ = parse_declarations({"grade": {"type": "integer", "minimum": 0, "maximum": 12}})
    problems = value_problems(declared, {"grade": ["3", "13", None, "", "seven"]})
    assert len(problems) == 1 and "'grade' has 2 value(s)" in problems[0]
    assert "seven" not in problems[0] and "13" not in problems[0]


def test_an_undeclared_attribute_is_refused_by_name(client, auth):
    start = make_start(attribute_names=("program", "first_name", "shoe_size"))
    response = client.post("/api/v1/syncs", json=start.to_wire(), headers=auth)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "first_name" in text and "identifier_name" in text
    start = make_start(attribute_names=("program", "shoe_size"))
    response = client.post("/api/v1/syncs", json=start.to_wire(), headers=auth)
    assert response.status_code == 400 and "'shoe_size' is not declared" in response.get_data(
        as_text=True)


def test_a_value_outside_the_declared_vocabulary_is_refused_unquoted(client, auth, home):
    start = make_start()
    assert client.post("/api/v1/syncs", json=start.to_wire(), headers=auth).status_code == 201
    response = put(client, auth, start, 0, make_chunk(3, program="Jane Doe"))
    assert response.status_code == 400
    assert "'program' has 3 value(s)" in response.get_data(as_text=True)
    assert "Jane Doe" not in response.get_data(as_text=True)
    assert not list((home.path / "spool").rglob("*.json"))


def test_the_quasi_identifier_rule_sees_the_whole_sync_not_one_chunk(client, auth, home):
    sites = [f"Site {chr(65 + index // 26)}{chr(65 + index % 26)}" for index in range(150)]
    write_declarations(home.path, TEST_DECLARATIONS + '\n[attributes.venue]\ntype = "category"\n'
                       f'values = {sites!r}\n'.replace("'", '"'), replace=True)
    start = make_start(attribute_names=("venue",))
    assert client.post("/api/v1/syncs", json=start.to_wire(), headers=auth).status_code == 201
    for number in range(3):  # 49 all-different values a chunk: each chunk alone passes
        chunk = make_chunk(49, seed=number)
        chunk.attributes = {"venue": sites[number * 49:(number + 1) * 49]}
        assert put(client, auth, start, number, chunk).status_code == 200
    response = commit(client, auth, start, 3, 147)
    assert response.status_code == 400
    assert "quasi_identifier" in response.get_data(as_text=True)
    assert client.get("/api/v1/status", headers=auth).get_json()["last_sync"] is None


def test_declarations_are_read_again_when_the_file_changes(home):
    assert "program" in load_declarations(home.path)
    write_declarations(home.path, DEFAULT_DECLARATIONS, replace=True)
    assert "program" not in load_declarations(home.path)
    assert (home.path / "attributes.toml").stat().st_mode & 0o777 == 0o600


FORMULAS = ["=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd"]


def test_the_export_neutralises_formulas(client, auth, home, tmp_path):
    toml_values = ", ".join('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
                            for value in FORMULAS)
    write_declarations(home.path, DEFAULT_DECLARATIONS + "\n[attributes.program]\n"
                       f'type = "category"\nvalues = [{toml_values}]\n', replace=True)
    start = make_start()
    assert client.post("/api/v1/syncs", json=start.to_wire(), headers=auth).status_code == 201
    chunk = make_chunk(4)
    chunk.attributes = {"program": FORMULAS}
    assert put(client, auth, start, 0, chunk).status_code == 200
    assert commit(client, auth, start, 1, 4).status_code == 200
    run_match(home)
    out = tmp_path / "export.csv"
    approved_project(home, tmp_path, "formulas", ["school-district"], ["program"])
    export_linked_dataset(home, out, "formulas")
    with open(out, newline="") as handle:
        cells = {row["program"] for row in csv.DictReader(handle)}
    assert cells == {"'" + value for value in FORMULAS}
