"""A folder a program drops each month's export into: ``source.path = "exports/*.csv"`` reads
every file it matches, sorted by name, and ``check`` names a row as "july.csv line 5" (the
file's own line, below cells with line breaks too)."""

from __future__ import annotations

from pathlib import Path

import pandas
import pytest

from hublink.agent.config import load_config
from hublink.agent.prepare import prepare_source
from hublink.agent.readers import iter_source
from hublink.agent.report import check_source
from hublink.shared.errors import SourceError
from tests.agent.configs import AGENT_CONFIG_HEAD

CONFIG = AGENT_CONFIG_HEAD + """\
[source]
path = "{path}"
record_key = "ID"
[identifiers]
first_name = "First"
last_name = "Last"
dob = "DOB"
"""
HEADER = "ID,First,Last,DOB,Note\n"


def configure(tmp_path: Path, path: str):
    (tmp_path / "agent.toml").write_text(CONFIG.format(path=path))
    return load_config(tmp_path / "agent.toml")


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "2026-06.csv").write_text(HEADER + "A1,Ana,Lee,08/12/2009,\nA2,Ben,Okafor,01/05/2010,\n")
    # a note typed with a line break: the row below it starts on file line 4
    (folder / "2026-07.csv").write_text(HEADER + 'A3,Cy,Dunn,03/04/2011,"two\nlines"\n'
                                        "A4,Dee,Moss,31/31/2012,\n")
    (folder / "notes.txt").write_text("not an export")
    return folder


def test_every_matching_file_is_read_in_name_order_and_named_in_check(tmp_path, exports):
    config = configure(tmp_path, "exports/2026-*.csv")
    prepared = prepare_source(config, iter_source(config), keep_records=True)
    assert prepared.record_keys == ["A1", "A2", "A3"]  # A4's date is no date: too few identifiers
    text, _ = check_source(config)
    assert "unparseable_date (dob): 1 rows: 2026-07.csv line 4" in text
    assert "count the header as line 1 of each file 2026-*.csv matches" in text


def test_workbooks_and_csv_files_match_one_pattern(tmp_path, exports):
    pandas.DataFrame([["A5", "Eve", "Park", "02/02/2012", ""]],
                     columns=HEADER.strip().split(",")).to_excel(exports / "2026-08.xlsx",
                                                                 index=False)
    config = configure(tmp_path, "exports/2026-*")
    assert [key for _, frame in iter_source(config) for key in frame["ID"]] == \
        ["A1", "A2", "A3", "A4", "A5"]


def test_no_matching_file_and_a_file_without_a_column_stop_before_any_row(tmp_path, exports):
    with pytest.raises(SourceError, match="matches '2025-\\*.csv'"):
        next(iter_source(configure(tmp_path, "exports/2025-*.csv")))
    (exports / "2026-09.csv").write_text("ID,First,Last\nA6,Fay,Ng\n")
    with pytest.raises(SourceError, match="2026-09.csv"):
        next(iter_source(configure(tmp_path, "exports/2026-*.csv")))
