"""A workbook with a sheet per month: ``init --from`` proposes every sheet with the same columns
as the source, ``source.sheet`` as a list reads them one after another, and ``check`` names a
row as "Sheet row N". Reading one sheet of such a workbook had silently left the others out."""

from __future__ import annotations

from pathlib import Path

import pandas
import pytest
from click.testing import CliRunner

from hublink.agent.cli import EXIT_OK, main
from hublink.agent.config import ConfigError, load_config
from hublink.agent.prepare import prepare_source
from hublink.agent.readers import iter_source
from hublink.agent.report import check_source

COLUMNS = ["Youth ID", "First Name", "Last Name", "Date of Birth", "Program"]
MONTHS = {
    "June": [["Y1", "Ana", "Lee", "08/12/2009", "Camp"], ["Y2", "Ben", "Okafor", "01/05/2010", "Camp"]],
    "July": [["Y3", "Cy", "Dunn", "03/04/2011", "Soccer"], ["Y1", "Ana", "Lee", "08/12/2009", "Soccer"],
             ["Y4", "Dee", "Moss", "31/31/2012", "Soccer"]],  # no date: July row 4 not sent
}


def workbook(path: Path) -> Path:
    with pandas.ExcelWriter(path) as writer:
        pandas.DataFrame([["Summer attendance, one sheet per month"]]).to_excel(
            writer, sheet_name="About", index=False, header=False)
        for month, rows in MONTHS.items():
            pandas.DataFrame(rows, columns=COLUMNS).to_excel(writer, sheet_name=month, index=False)
        pandas.DataFrame([["Camp", 3]], columns=["Program", "Youth"]).to_excel(
            writer, sheet_name="Totals", index=False)
    return path


def init_from(folder: Path, source: Path) -> Path:
    config = folder / "hublink-agent.toml"
    result = CliRunner().invoke(main, ["init", str(config), "--from", str(source)],
                                catch_exceptions=False)
    assert result.exit_code == EXIT_OK, result.output
    assert "sheets with the same columns" in result.output
    return config


def test_every_sheet_with_the_same_columns_is_read_and_named_in_check(tmp_path):
    config = load_config(init_from(tmp_path, workbook(tmp_path / "summer.xlsx")))
    assert config.sheet == ["June", "July"]
    assert config.enrollments  # Y1 in both months, each with its program
    prepared = prepare_source(config, iter_source(config), keep_records=True)
    assert prepared.record_keys == ["Y1", "Y2", "Y3"]
    assert prepared.enrollment_count == 4
    text, _ = check_source(config)
    assert "unparseable_date (dob): 1 rows: July row 4" in text
    assert "too_few_identifiers: 1 rows: July row 4" in text
    assert "line 1 of each sheet (June, July)" in text


def test_a_named_sheet_is_read_alone(tmp_path):
    source = workbook(tmp_path / "summer.xlsx")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "agent.toml"), "--from", str(source),
                                       "--sheet", "July"], catch_exceptions=False)
    assert result.exit_code == EXIT_OK, result.output
    config = load_config(tmp_path / "agent.toml")
    assert config.sheet == "July"
    assert [key for _, frame in iter_source(config) for key in frame["Youth ID"]] == ["Y3", "Y1", "Y4"]


@pytest.mark.parametrize(("value", "problem"), [
    ('["June", "June"]', "different sheet names"), ("[]", "sheet name"), ("3", "sheet name")])
def test_the_sheet_setting_is_checked(tmp_path, value, problem):
    text = init_from(tmp_path, workbook(tmp_path / "summer.xlsx")).read_text()
    (tmp_path / "hublink-agent.toml").write_text(
        "\n".join(f"sheet = {value}" if line.startswith("sheet = ") else line
                  for line in text.splitlines()))
    with pytest.raises(ConfigError, match=problem):
        load_config(tmp_path / "hublink-agent.toml")
