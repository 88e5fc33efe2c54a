import tomllib
from pathlib import Path

import pytest

from hublink.agent.config import load_config
from hublink.agent.settings import SETTINGS
from hublink.agent.settings_render import render_config, render_example_config
from hublink.shared.errors import ConfigError
from hublink.shared.sync_protocol import MAX_CHUNK_RECORDS

VALID = {
    "coordinator": {"url": "http://127.0.0.1:8700/", "token_file": "partner.token"},
    "linkage": {"secret_file": "linkage.secret"},
    "source": {"path": "students.csv", "record_key": "STUDENT_ID"},
    "identifiers": {"first_name": "FIRST", "last_name": "LAST", "dob": "DOB",
                    "dob_format": "%m/%d/%Y", "address": ["NO", "STREET"]},
    "attributes": {"race_ethnicity": "RACE", "program": "Program"},
}


def write(tmp_path: Path, sections: dict) -> Path:
    path = tmp_path / "agent.toml"
    path.write_text(render_config(sections))
    return path


def test_valid_config_resolves_paths_against_its_folder(tmp_path):
    config = load_config(write(tmp_path, VALID))
    assert config.coordinator_url == "http://127.0.0.1:8700"
    assert config.source_path == tmp_path / "students.csv"
    assert config.state_dir == tmp_path / ".hublink-agent"
    assert config.source_columns == ["STUDENT_ID", "FIRST", "LAST", "DOB", "NO", "STREET",
                                     "RACE", "Program"]


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.required], ids=lambda s: s.dotted)
def test_each_required_key_is_reported_when_missing(tmp_path, setting):
    sections = {name: dict(values) for name, values in VALID.items()}
    del sections[setting.section][setting.key]
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, sections))
    assert any(detail.startswith(f"{setting.dotted} is required") for detail in caught.value.details)


def test_unset_settings_take_the_tables_defaults(tmp_path):
    config = load_config(write(tmp_path, VALID))
    for setting in SETTINGS:
        if setting.section == "identifiers" or setting.default in (None, {}):
            continue
        value = getattr(config, setting.config_attribute)
        expected = (tmp_path / setting.default).resolve() if setting.kind == "path" \
            else setting.default
        assert value == expected and type(value) is type(expected), setting.dotted
    assert config.log_file == tmp_path / ".hublink-agent" / "hublink-agent.log"
    assert config.source_url is None and config.min_age is None


@pytest.mark.parametrize("chunk_records, problem", [
    (0, "coordinator.chunk_records must be at least 1"),
    (MAX_CHUNK_RECORDS + 1, f"coordinator.chunk_records must be at most {MAX_CHUNK_RECORDS}"),
])
def test_chunk_records_outside_its_range_is_a_problem_not_a_silent_cap(tmp_path, chunk_records,
                                                                       problem):
    sections = {name: dict(values) for name, values in VALID.items()}
    sections["coordinator"]["chunk_records"] = chunk_records
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, sections))
    assert caught.value.details == [problem]
    sections["coordinator"]["chunk_records"] = MAX_CHUNK_RECORDS
    assert load_config(write(tmp_path, sections)).chunk_records == MAX_CHUNK_RECORDS


def test_every_problem_is_reported_in_one_pass(tmp_path):
    sections = {name: dict(values) for name, values in VALID.items()}
    del sections["source"]["record_key"]
    sections["coordinator"]["colour"] = "blue"
    sections["identifiers"]["dob_format"] = "MM/DD/YYYY"
    sections["attributes"]["zipcode"] = "STREET"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, sections))
    details = "\n".join(caught.value.details)
    assert "source.record_key is required" in details
    assert "coordinator.colour is not a known setting" in details
    assert 'identifiers.dob_format must be "auto", a strptime format' in details
    assert "identifier or the record key" in details


def test_name_fields_are_required_and_exclusive(tmp_path):
    sections = {name: dict(values) for name, values in VALID.items()}
    sections["identifiers"] = {"dob": "DOB", "dob_format": "%Y"}
    with pytest.raises(ConfigError, match="problem"):
        load_config(write(tmp_path, sections))
    sections["identifiers"] = {"first_name": "F", "full_name": "NAME"}
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, sections))
    assert "either full_name or first_name" in str(caught.value)


def test_bad_toml_and_missing_file_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[coordinator\nurl=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_example_config_is_valid_toml_that_loads(tmp_path):
    path = tmp_path / "example.toml"
    path.write_text(render_example_config())
    document = tomllib.loads(path.read_text())
    assert "dob_format" not in document["identifiers"]  # "auto" by default
    config = load_config(path)
    assert config.identifiers["dob_format"] == "auto" and config.enrollments == {}
    assert config.attributes == {"race_ethnicity": "RACE_ETHNICITY", "program": "Program"}
