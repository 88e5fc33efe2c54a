"""Record keys of several columns, for files without an ID: what makes two rows one record, the
opt-out list that names them, and the columns that can no longer travel as attributes."""

from __future__ import annotations

from pathlib import Path

import pandas
import pytest

from hublink.agent.config import load_config
from hublink.agent.deidentify import read_opt_out_file
from hublink.agent.normalise.text import KEY_PART_SEPARATOR, record_keys_of
from hublink.agent.prepare import prepare_source
from hublink.shared.errors import ConfigError, SourceError
from tests.agent.test_attributes import HEAD, TODAY

KEY = ["LAST", "FIRST", "DOB"]


def keyed_config(tmp_path: Path, source: str = "", rest: str = ""):
    path = tmp_path / "agent.toml"
    path.write_text(HEAD.format(source=source, rest=rest)
                    .replace('record_key = "ID"', 'record_key = ["LAST", "FIRST", "DOB"]'))
    return load_config(path)


def test_rows_are_one_record_when_their_key_cells_match_but_for_case_and_spacing():
    frame = pandas.DataFrame({"LAST": ["Lee", " LEE ", "Lee", "", None, "Van  Dyke"],
                              "FIRST": ["Ana", "ana", "Ann", "", None, "Jo"],
                              "DOB": ["08/12/2009", "08/12/2009", "08/12/2009", "", None,
                                      20090812.0]})
    keys = record_keys_of(frame, KEY)
    assert keys[0] == keys[1] == KEY_PART_SEPARATOR.join(["lee", "ana", "08/12/2009"])
    assert keys[2] != keys[0]
    assert keys[3] is None and keys[4] is None  # every part empty: no key
    assert keys[5] == KEY_PART_SEPARATOR.join(["van dyke", "jo", "20090812"])
    # one column keeps the ID as it is: case is part of a partner's own key
    assert record_keys_of(frame.assign(ID=["a1", "A1", " a1 ", "", None, 7]), ["ID"]) == \
        ["a1", "A1", "a1", None, None, "7"]


def test_a_key_of_several_columns_keeps_each_youth_once(tmp_path):
    config = keyed_config(tmp_path)
    assert config.record_key_columns == KEY and config.source_columns[:3] == KEY
    frame = pandas.DataFrame({"ID": ["", "", "", ""], "FIRST": ["Ana", "ANA", "Bo", "Cy"],
                              "LAST": ["Lee", "lee", "Ray", "Ray"],
                              "DOB": ["01/02/2010"] * 4, "ZIP": ["21201"] * 4})
    prepared = prepare_source(config, frame, today=TODAY)
    assert len(prepared.rows) == 3
    assert prepared.skipped_rows["duplicate_record_key"] == [config.first_data_line + 1]


@pytest.mark.parametrize("content", [
    "Last,First,DOB,reason\nLEE,ana,01/02/2010,asked\nRay, Bo ,01/02/2010,asked\n,,,\n",
    "\ufeffdob,first,last\n01/02/2010,Ana,Lee\n01/02/2010,Bo,Ray\n",
])
def test_the_opt_out_list_of_a_key_of_several_columns_names_those_columns(tmp_path, content):
    (tmp_path / "opt-out.csv").write_text(content, encoding="utf-8")
    config = keyed_config(tmp_path, source='opt_out_file = "opt-out.csv"')
    assert read_opt_out_file(config.opt_out_file, KEY) == {
        KEY_PART_SEPARATOR.join(["lee", "ana", "01/02/2010"]),
        KEY_PART_SEPARATOR.join(["ray", "bo", "01/02/2010"])}
    frame = pandas.DataFrame({"ID": [""] * 3, "FIRST": ["Ana", "Bo", "Cy"],
                              "LAST": ["Lee", "Ray", "Ray"], "DOB": ["01/02/2010"] * 3,
                              "ZIP": ["21201"] * 3})
    prepared = prepare_source(config, frame, today=TODAY)
    assert len(prepared.rows) == 1 and len(prepared.skipped_rows["opted_out"]) == 2


@pytest.mark.parametrize("content", ["K1\nK2\n", "record_key\nK1\n", "Last,First\nLee,Ana\n"])
def test_an_opt_out_list_that_cannot_name_such_a_key_stops_the_run(tmp_path, content):
    (tmp_path / "opt-out.csv").write_text(content, encoding="utf-8")
    with pytest.raises(SourceError, match="lacks"):
        read_opt_out_file(tmp_path / "opt-out.csv", KEY)


def test_a_key_column_cannot_travel_as_an_attribute(tmp_path):
    path = tmp_path / "agent.toml"
    path.write_text(HEAD.format(source="", rest='[attributes]\nfamily = "FAMILY_NO"')
                    .replace('record_key = "ID"', 'record_key = ["LAST", "FAMILY_NO"]'))
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.details == [
        "attributes.family names column 'FAMILY_NO', which is an identifier or the record key: "
        "it would leave the building in the clear"]
