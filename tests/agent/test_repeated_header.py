"""Files appended one to another (a month's export added to the last) repeat the header at each
join: such a row is skipped as ``repeated_header`` by line, in a CSV file and a workbook, and
``init --from`` leaves it out of its sample; a youth whose name happens to be a column's name
is still a youth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas
import pytest

from hublink.agent.config import load_config
from hublink.agent.init_from import guess_config
from hublink.agent.prepare import prepare_source
from hublink.agent.readers import iter_source
from hublink.agent.readers.cells import repeated_header_rows
from hublink.agent.report import check_source
from tests.agent.configs import AGENT_CONFIG_HEAD

TODAY = date(2026, 3, 1)
COLUMNS = ["ID", "First Name", "Last Name", "DOB", "City"]


@pytest.mark.parametrize(("row", "repeated"), [
    (COLUMNS, True),
    (["ID", "FIRST NAME", "last name", "DOB ", "City"], True),  # capitals, lower case, spaces
    (["", "First Name", "Last Name", "DOB", ""], True),  # three of five
    (["A9", "First Name", "Last Name", "", ""], False),  # two of five: under half
    (["A9", "Ana", "City", "08/12/2009", "City"], False),  # one column holds its own name
    (["A9", "Ana", "Lee", "08/12/2009", "Baltimore"], False),
])
def test_repeated_header_rows(row, repeated):
    frame = pandas.DataFrame([["A1", "Ana", "Lee", "08/12/2009", "Baltimore"], row],
                             columns=COLUMNS)
    assert repeated_header_rows(frame, COLUMNS).tolist() == [False, repeated]


CONFIG = AGENT_CONFIG_HEAD + """\
[source]
path = "{source}"
record_key = "ID"
[identifiers]
first_name = "First Name"
last_name = "Last Name"
dob = "DOB"
city = "City"
"""
MONTHS = [
    [["A1", "Ana", "Lee", "08/12/2009", "Baltimore"],
     ["A2", "Ben", "Okafor", "01/05/2010", "Baltimore"]],
    [["A3", "Cy", "Dunn", "03/04/2011", "Baltimore"],
     ["A4", "Dee", "City", "05/06/2012", "Towson"]],  # a family name that is a column's
]


def appended(path: Path) -> Path:
    """Writes two months' exports, the second appended with its header, as CSV or .xlsx."""
    rows = MONTHS[0] + [COLUMNS] + MONTHS[1]
    frame = pandas.DataFrame(rows, columns=COLUMNS)
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("name", ["roster.csv", "roster.xlsx"])
def test_a_repeated_header_is_skipped_by_line(tmp_path, name):
    source = appended(tmp_path / name)
    (tmp_path / "agent.toml").write_text(CONFIG.format(source=source.name))
    config = load_config(tmp_path / "agent.toml")
    prepared = prepare_source(config, iter_source(config), today=TODAY, keep_records=True)
    assert prepared.record_keys == ["A1", "A2", "A3", "A4"]
    assert dict(prepared.skipped_rows) == {"repeated_header": [4]}
    assert not prepared.problem_rows  # its "DOB" is not an unparseable date
    text, _ = check_source(config)
    assert "repeated_header: 1 rows: 4" in text
    assert "4 records" in text.splitlines()[0]


def test_init_from_leaves_a_repeated_header_out_of_its_sample(tmp_path):
    guess = guess_config(appended(tmp_path / "roster.csv"), config_folder=tmp_path)
    assert guess.values["identifiers.dob"] == "DOB"
    assert "reads 4 of 4 sample dates" in " ".join(guess.guessed)
