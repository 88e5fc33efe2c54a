"""The agent's commands on real source files: reports, exit codes, nothing identifying printed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas
import pytest
from click.testing import CliRunner

from hublink.agent.cli import (EXIT_BAD_CONFIG, EXIT_BAD_DATA, EXIT_OK, EXIT_UNREACHABLE, main)
from hublink.agent.keys import create_secret_file
from hublink.agent.settings_render import render_config
from hublink.shared.sync_protocol import MAX_CHUNK_RECORDS

DATA = Path(__file__).parents[1] / "data"
IDENTIFIERS = {"first_name": "STU_FIRST_NM", "middle_name": "STU_MIDDLE_NM",
               "last_name": "STU_LAST_NM", "dob": "BIRTH_DT", "dob_format": "%m/%d/%Y",
               "sex": "GENDER_CD", "address": ["STREET_NO", "STREET"], "city": "CITY",
               "zip": "ZIP_CD"}
NAMES = ["Aaliyah", "Johnson", "García", "Nguyen", "Washington", "Kayla", "Tyrone", "Charles",
         "Greenmount", "S0001", "S0008", "03/07/2011"]


@pytest.fixture(params=["csv", "xlsx"])
def agent_config(request, tmp_path) -> Path:
    source = tmp_path / f"students.{request.param}"
    if request.param == "csv":
        shutil.copy(DATA / "students.csv", source)
    else:
        frame = pandas.read_csv(DATA / "students.csv", dtype=str, keep_default_na=False)
        frame.to_excel(source, index=False)
    create_secret_file(tmp_path / "linkage.secret")
    (tmp_path / "partner.token").write_text("hlp_test\n")
    path = tmp_path / "agent.toml"
    path.write_text(render_config({
        "coordinator": {"url": "http://127.0.0.1:9", "token_file": "partner.token", "timeout": 2,
                        "retries": 1},
        "linkage": {"secret_file": "linkage.secret"},
        "source": {"path": source.name, "record_key": "STUDENT_ID"},
        "identifiers": IDENTIFIERS,
        "attributes": {"race_ethnicity": "RACE_ETHNICITY", "program": "Program"},
    }))
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_reports_every_problem_with_rows_and_no_values(agent_config):
    result = run("--config", str(agent_config), "check")
    assert result.exit_code == EXIT_BAD_DATA
    out = result.output
    assert "8 rows, 5 records can be sent" in out
    assert "duplicate_record_key: 1 rows: 6" in out
    # a name and nothing else once its date of birth (2045) is refused: not sent
    assert "too_few_identifiers: 1 rows: 7" in out
    assert "empty_record_key: 1 rows: 8" in out
    assert "unparseable_date (dob): 1 rows: 4" in out
    assert "future_date (dob): 1 rows: 7" in out
    assert "unknown_sex_code (sex): 1 rows: 7" in out
    assert "missing_name" not in out or "rows: 5" in out
    assert all(name not in out for name in NAMES)


def test_preview_shows_attributes_and_no_identifier(agent_config):
    result = run("--config", str(agent_config), "preview")
    assert result.exit_code == EXIT_OK
    assert "a sync would send 5 records" in result.output
    assert "program (from column Program): Summer Camp (2)" in result.output
    assert "Hispanic or Latino (1)" in result.output
    assert all(name not in result.output for name in NAMES)


def test_sync_to_an_unreachable_coordinator_exits_4(agent_config):
    result = run("--config", str(agent_config), "sync")
    assert result.exit_code == EXIT_UNREACHABLE
    assert "cannot reach the coordinator" in result.output


def test_missing_column_stops_with_bad_data(agent_config):
    text = agent_config.read_text().replace('city = "CITY"', 'city = "TOWN"')
    agent_config.write_text(text)
    for command in ("check", "sync", "preview"):
        result = run("--config", str(agent_config), command)
        assert result.exit_code == EXIT_BAD_DATA
        assert "column 'TOWN' not found" in result.output


def test_bad_config_exits_3_and_lists_problems(tmp_path):
    path = tmp_path / "agent.toml"
    path.write_text("[source]\npath = 'x.csv'\n")
    result = run("--config", str(path), "check")
    assert result.exit_code == EXIT_BAD_CONFIG
    assert "coordinator.url is required" in result.output
    assert "source.record_key is required" in result.output


def test_chunk_records_above_the_protocol_maximum_is_a_listed_problem(tmp_path):
    path = tmp_path / "agent.toml"
    path.write_text(f"[coordinator]\nchunk_records = {MAX_CHUNK_RECORDS + 1}\n")
    result = run("--config", str(path), "check")
    assert result.exit_code == EXIT_BAD_CONFIG
    assert f"coordinator.chunk_records must be at most {MAX_CHUNK_RECORDS}" in result.output
    assert "coordinator.url is required" in result.output  # listed with the others


def test_init_writes_an_example_that_refuses_to_be_overwritten(tmp_path):
    path = tmp_path / "hublink-agent.toml"
    assert run("init", str(path)).exit_code == EXIT_OK
    assert "[identifiers]" in path.read_text()
    assert run("init", str(path)).exit_code == EXIT_BAD_CONFIG


def test_usage_errors_exit_2(agent_config):
    assert run("--config", str(agent_config), "no-such-command").exit_code == 2
    assert run("--config", str(agent_config), "sync", "--no-such-option").exit_code == 2


def test_sync_refuses_identifying_attributes_before_sending(agent_config):
    source = next(p for p in agent_config.parent.iterdir() if p.name.startswith("students."))
    frame = pandas.read_csv(DATA / "students.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "Program"] = "1200 N Charles Street"
    if source.suffix == ".csv":
        frame.to_csv(source, index=False)
    else:
        frame.to_excel(source, index=False)
    result = run("--config", str(agent_config), "sync")
    assert result.exit_code == EXIT_BAD_DATA
    assert "would be refused as identifying" in result.output
    assert "street_address" in result.output and "Charles" not in result.output
