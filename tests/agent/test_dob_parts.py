"""A date of birth kept in three columns (a form's year, month and day drop-downs): read into
the same features, age bands and problems as the same dates in one column."""

from __future__ import annotations

from pathlib import Path

import pytest

from hublink.agent.config import load_config
from hublink.agent.init_from import guess_config
from hublink.agent.normalise.dates import date_from_parts
from hublink.agent.prepare import prepare_source
from hublink.agent.readers import iter_source
from hublink.shared.errors import ConfigError
from tests.agent.test_attributes import HEAD, TODAY

AGE_BAND = """\
[attributes.age_band]
from = "dob"
transform = "age_band"
reference_date = "2026-07-01"
bands = [0, 11, 14, 18, 25]
"""


def config_text(dob: str, rest: str = AGE_BAND) -> str:
    """The test configuration of test_attributes, its date of birth read from ``dob``."""
    return HEAD.format(source="", rest=rest).replace(
        'dob = "DOB"\ndob_format = "%m/%d/%Y"', f"dob = {dob}")


ROWS = [("1", "Ana", "Lee", "2009", "8", "12"), ("2", "Bo", "Ray", "2010", "January", "5"),
        ("3", "Cy", "Ray", "10", "2", "28"), ("4", "Di", "Ray", "2011", "", "3"),
        ("5", "Ed", "Ray", "", "", ""), ("6", "Flo", "Ray", "2012", "Sept.", "30")]
ONE_COLUMN = ["2009-08-12", "2010-01-05", "2/28/10", "2011--3", "", "2012-09-30"]


@pytest.mark.parametrize(("parts", "expected"), [
    (("2009", "8", "12"), "2009-08-12"), ((2009.0, 8.0, 12.0), "2009-08-12"),
    (("2010", "January", "5"), "2010-01-05"), (("2010", "jan.", "05"), "2010-01-05"),
    (("2010", "Enero", "5"), "2010-01-05"), (("2011", "Septiembre", "3"), "2011-09-03"),
    (("09", "8", "12"), "8/12/09"), (("", "", None), ""),
    (("2011", "", "3"), "2011--3"), (("2011", "Smarch", "3"), "2011-Smarch-3"),
])
def test_date_from_parts(parts, expected):
    assert date_from_parts(*parts) == expected


def _prepared(tmp_path: Path, name: str, header: str, rows: list[str], dob: str):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "source.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    (folder / "agent.toml").write_text(config_text(dob))
    config = load_config(folder / "agent.toml")
    return prepare_source(config, iter_source(config), today=TODAY)


def test_three_columns_read_as_the_same_dates_in_one_column(tmp_path):
    parts = _prepared(tmp_path, "parts", "ID,FIRST,LAST,Birth Year,Birth Month,Birth Day,ZIP",
                      [",".join(row) + ",21218" for row in ROWS],
                      '["Birth Year", "Birth Month", "Birth Day"]')
    whole = _prepared(tmp_path, "whole", "ID,FIRST,LAST,DOB,ZIP",
                      [",".join([*row[:3], dob, "21218"]) for row, dob in zip(ROWS, ONE_COLUMN)],
                      '"DOB"')
    assert parts.record_keys == whole.record_keys == ["1", "2", "3", "6"]
    assert parts.rows == whole.rows
    assert parts.attributes == whole.attributes == {
        "age_band": ["14-17", "14-17", "14-17", "11-13"]}
    assert parts.problem_rows == whole.problem_rows
    assert parts.problem_rows[("unparseable_date", "dob")] == [5]


def test_a_date_of_birth_in_two_columns_or_sent_as_an_attribute_is_refused(tmp_path):
    (tmp_path / "agent.toml").write_text(config_text('["Year", "Month"]'))
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "agent.toml")
    assert raised.value.details == [
        "identifiers.dob: name one column, or three: [year, month, day]"]
    (tmp_path / "agent.toml").write_text(config_text('["Year", "Month", "Day"]',
                                                     '[attributes]\nyob = "Year"\n'))
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "agent.toml")
    assert "identifier or the record key" in raised.value.details[0]


@pytest.mark.parametrize("header", [
    "ID,First,Last,Birth Year,Birth Month,Birth Day,Zip",
    "ID,Nombre,Apellidos,Año de nacimiento,Mes de nacimiento,Día de nacimiento,Zip",
])
def test_init_from_finds_the_three_columns(tmp_path, header):
    source = tmp_path / "s.csv"
    source.write_text(header + "\n" + "\n".join(",".join(row) + ",21218" for row in ROWS) + "\n")
    guess = guess_config(source, config_folder=tmp_path)
    assert guess.values["identifiers.dob"] == header.split(",")[3:6]
    assert any("reads 4 of 5 sample dates" in line for line in guess.guessed)  # 2011, ?, 3
