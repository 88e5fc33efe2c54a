"""Enrollments kept apart from the roster (``[enrollment_file]``): a program's attendance
export, keyed by the roster's record key, in a file or a sheet of its own. Each row joins the
roster record of its key; a key no sent record holds is reported by the enrollment file's own
line, and the roster alone decides who is sent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas
import pytest

from hublink.agent.config import load_config
from hublink.agent.prepare import prepare_source
from hublink.agent.readers import iter_source
from hublink.agent.report import check_source
from hublink.shared.errors import ConfigError
from tests.agent.configs import AGENT_CONFIG_HEAD

TODAY = date(2026, 9, 1)
CONFIG = AGENT_CONFIG_HEAD + """\
[source]
path = "{roster}"
record_key = "ID"
{roster_sheet}
[identifiers]
first_name = "First"
last_name = "Last"
dob = "DOB"
[enrollments]
program = "Program"
start = {{ column = "Start Date", transform = "month" }}
[enrollment_file]
path = "{enrollments}"
record_key = "Participant ID"
{enrollment_sheet}
"""
ROSTER = [["A1", "Ana", "Lee", "08/12/2009"], ["A2", "Ben", "Okafor", "01/05/2010"],
          ["A3", "Cy", "", ""]]  # A3: too few identifiers to link, so not sent
ATTENDANCE = [["A2", "Soccer", "06/15/2026"], ["A1", "Camp", "06/15/2026"],
              ["A1", "Soccer", "07/01/2026"], ["A9", "Camp", "06/15/2026"],  # no such record
              ["A1", "Camp", "06/15/2026"],  # the same enrollment again
              ["A3", "Camp", "06/15/2026"], ["A2", "Art", "someday"]]
ROSTER_COLUMNS = ["ID", "First", "Last", "DOB"]
ATTENDANCE_COLUMNS = ["Participant ID", "Program", "Start Date"]


def configure(tmp_path: Path, workbook: bool = False, **changes: str):
    if workbook:
        with pandas.ExcelWriter(tmp_path / "youth.xlsx") as writer:
            pandas.DataFrame(ROSTER, columns=ROSTER_COLUMNS).to_excel(writer, sheet_name="Youth",
                                                                       index=False)
            pandas.DataFrame(ATTENDANCE, columns=ATTENDANCE_COLUMNS).to_excel(
                writer, sheet_name="Enrollments", index=False)
        names = {"roster": "youth.xlsx", "enrollments": "youth.xlsx",
                 "roster_sheet": 'sheet = "Youth"', "enrollment_sheet": 'sheet = "Enrollments"'}
    else:
        pandas.DataFrame(ROSTER, columns=ROSTER_COLUMNS).to_csv(tmp_path / "roster.csv", index=False)
        pandas.DataFrame(ATTENDANCE, columns=ATTENDANCE_COLUMNS).to_csv(
            tmp_path / "attendance.csv", index=False)
        names = {"roster": "roster.csv", "enrollments": "attendance.csv", "roster_sheet": "",
                 "enrollment_sheet": ""}
    text = CONFIG.format(**names)
    for old, new in changes.items():
        text = text.replace(old, new)
    (tmp_path / "agent.toml").write_text(text)
    return load_config(tmp_path / "agent.toml")


@pytest.mark.parametrize("workbook", [False, True], ids=["two CSV files", "two sheets"])
def test_each_enrollment_joins_the_roster_record_of_its_key(tmp_path, workbook):
    config = configure(tmp_path, workbook)
    prepared = prepare_source(config, iter_source(config), today=TODAY, keep_records=True)
    assert prepared.record_keys == ["A1", "A2"]
    assert prepared.enrollments_of(0) == [{"program": "Camp", "start": "2026-06"},
                                          {"program": "Soccer", "start": "2026-07"}]
    assert prepared.enrollments_of(1) == [{"program": "Art", "start": None},
                                          {"program": "Soccer", "start": "2026-06"}]
    assert prepared.enrollment_count == 4
    assert dict(prepared.enrollment_file_rows) == {
        ("enrollment_without_record", "record key"): [5, 7],
        ("repeated_enrollment", "record key"): [6],
        ("unparseable_date", "start"): [8]}
    assert dict(prepared.skipped_rows) == {"too_few_identifiers": [4]}  # the roster's line


def test_check_reports_the_enrollment_file_by_its_own_lines(tmp_path):
    config = configure(tmp_path)
    text, problems = check_source(config)
    section = text.split("enrollment file attendance.csv:\n")[1].split("\n\n")[0]
    assert "enrollment_without_record: 2 rows: 5, 7" in section
    assert "repeated_enrollment: 1 rows: 6" in section
    assert "unparseable_date (start): 1 rows: 8" in section
    assert text.splitlines()[0].endswith("2 records with 4 enrollments can be sent")
    assert "Okafor" not in text and "A9" not in text


def test_the_roster_key_names_the_enrollment_file_column_by_default(tmp_path):
    config = configure(tmp_path, **{'record_key = "Participant ID"\n': ""})
    assert config.enrollment_key_columns == ["ID"]
    assert config.enrollment_file_columns == ["ID", "Program", "Start Date"]
    assert "Program" not in config.source_columns  # the roster is not asked for it


@pytest.mark.parametrize(("change", "problem"), [
    ({"[enrollments]\nprogram = \"Program\"\nstart = { column = \"Start Date\", transform = \"month\" }\n": ""},
     "enrollment_file needs [enrollments]"),
    ({'record_key = "Participant ID"': 'record_key = ["Participant ID", "Site"]'},
     "as many columns as source.record_key"),
    ({'program = "Program"': 'program = "Program"\nage = { from = "dob", transform = "age_band" }'},
     "enrollments.age derives from an identifier"),
])
def test_an_enrollment_file_that_cannot_be_read_as_declared_is_refused(tmp_path, change, problem):
    with pytest.raises(ConfigError) as raised:
        configure(tmp_path, **change)
    assert any(problem in detail for detail in raised.value.details), raised.value.details


def init(tmp_path: Path, *arguments: str) -> tuple[Path, str]:
    from click.testing import CliRunner

    from hublink.agent.cli import EXIT_OK, main
    config = tmp_path / "hublink-agent.toml"
    result = CliRunner().invoke(main, ["init", str(config), *arguments], catch_exceptions=False)
    assert result.exit_code == EXIT_OK, result.output
    return config, result.output


@pytest.mark.parametrize("workbook", [False, True], ids=["two CSV files", "two sheets"])
def test_init_from_declares_the_enrollment_file(tmp_path, workbook):
    configure(tmp_path, workbook)
    (tmp_path / "agent.toml").unlink()
    roster, enrollments = (["youth.xlsx"] * 2 if workbook else ["roster.csv", "attendance.csv"])
    path, output = init(tmp_path, "--from", str(tmp_path / roster),
                        "--enrollments", str(tmp_path / enrollments))
    config = load_config(path)
    assert config.enrollment_file_path == tmp_path / enrollments
    assert config.enrollment_key_columns == ["Participant ID"]
    assert config.sheet in (None, "Youth") and config.enrollment_file_sheet == (
        "Enrollments" if workbook else None)
    assert config.enrollments == {"program": "Program",
                                  "start": {"column": "Start Date", "transform": "month"}}
    assert "enrollment_file.path" in output
    prepared = prepare_source(config, iter_source(config), today=TODAY, keep_records=True)
    assert prepared.enrollment_count == 4


def test_init_from_takes_the_first_other_column_as_the_key_and_the_generators_files_check(tmp_path):
    """Harbor Youth Alliance's real-world files: a roster keyed by "ID" beside an enrollment
    file keyed by "Participant", which no ID rule recognises."""
    from hublink.synthetic import generate_dataset
    from hublink.synthetic.partner_specs import real_world_partners
    dataset = generate_dataset(tmp_path / "files", youth=300, seed=5, partners=real_world_partners())
    harbor = next(p for p in dataset.partners if p.enrollment_file)
    path, _ = init(tmp_path, "--from", str(harbor.path), "--enrollments",
                   harbor.enrollment_file["path"])
    config = load_config(path)
    assert config.enrollment_key_columns == [harbor.enrollment_file["record_key"]]
    assert {name: config.enrollments[name] for name in ("site", "start")} == \
        {name: harbor.enrollments[name] for name in ("site", "start")}
    text, _ = check_source(config)
    assert f"{harbor.record_count} records with " in text
    assert "enrollment_without_record" not in text
