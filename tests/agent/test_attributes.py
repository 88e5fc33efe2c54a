"""Attribute transforms, the SPD 15 mapping, spec validation, age checks and the opt-out list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas
import pytest

from hublink.agent.config import load_config
from hublink.agent.deidentify import build_attributes, read_opt_out_file
from hublink.agent.deidentify.spd15 import SPD15_CATEGORIES, SPD15_CODES, code_key
from hublink.agent.deidentify.transforms import TRANSFORMS, band_label
from hublink.agent.prepare import prepare_source
from hublink.agent.settings import ATTRIBUTE_TABLE_KEYS
from hublink.shared.errors import ConfigError, SourceError
from tests.agent.configs import AGENT_CONFIG_HEAD

TODAY = date(2026, 3, 1)
HEAD = AGENT_CONFIG_HEAD + """\
[source]
path = "source.csv"
record_key = "ID"
{source}
[identifiers]
first_name = "FIRST"
last_name = "LAST"
dob = "DOB"
dob_format = "%m/%d/%Y"
zip = "ZIP"
{rest}
"""


def config_from(tmp_path: Path, rest: str, source: str = ""):
    path = tmp_path / "agent.toml"
    path.write_text(HEAD.format(source=source, rest=rest))
    return load_config(path)


def frame_of(**columns: list) -> pandas.DataFrame:
    count = len(next(iter(columns.values())))
    base = {"ID": [f"K{i}" for i in range(count)], "FIRST": ["Ann"] * count,
            "LAST": ["Lee"] * count, "DOB": ["01/02/2010"] * count, "ZIP": ["21201"] * count}
    return pandas.DataFrame({**base, **columns})


def attribute(tmp_path: Path, table: str, frame: pandas.DataFrame, name: str = "out"):
    config = config_from(tmp_path, f"[attributes.{name}]\n{table}")
    values, problems = build_attributes(config, frame, config.first_data_line, today=TODAY)
    return values[name], [(problem.kind, problem.field, problem.line) for problem in problems]


def test_the_simple_form_passes_the_trimmed_cell_through(tmp_path):
    config = config_from(tmp_path, '[attributes]\nprogram = "PROGRAM"')
    frame = frame_of(PROGRAM=[" Summer Camp ", "", None, "x" * 65])
    values, problems = build_attributes(config, frame, config.first_data_line, today=TODAY)
    assert values["program"] == ["Summer Camp", None, None, None]
    assert [(p.kind, p.line) for p in problems] == [("attribute_too_long", 5)]


def test_a_local_map_with_an_unmapped_label_and_a_missing_label(tmp_path):
    values, problems = attribute(
        tmp_path, 'column = "RACE_CD"\nmap = { "1" = "Black or African American", '
        '"2" = "White" }\nunmapped = "Unknown"\nmissing = "Unknown"',
        frame_of(RACE_CD=["1", 2.0, "9", "", " 2 "]))
    assert values == ["Black or African American", "White", "Unknown", "Unknown", "White"]
    assert problems == []


def test_an_unmapped_code_is_a_problem_and_null_by_default(tmp_path):
    values, problems = attribute(tmp_path, 'column = "C"\nmap = { "a" = "Apple" }',
                                 frame_of(C=["A", "b", "a", "c"]))
    assert values == ["Apple", None, "Apple", None]
    assert problems == [("unmapped_value", "out", 3), ("unmapped_value", "out", 5)]


@pytest.mark.parametrize("cell, category", [
    ("Black or African American", "Black or African American"),
    ("black/african american", "Black or African American"),
    ("BL7", "Black or African American"),
    ("2106-3", "White"),
    ("Native Hawaiian or Other Pacific Islander", "Native Hawaiian or Pacific Islander"),
    ("MENA", "Middle Eastern or North African"),
    ("Hispanic/Latino", "Hispanic or Latino"),
    ("AM7", "American Indian or Alaska Native"),
    ("Asian", "Asian"),
    ("Two or more races", "Multiracial"),
    ("MU7", "Multiracial"),
    ("Asian; White", "Multiracial"),
    ("Hispanic, White", "Multiracial"),
    ("White; Unknown", "White"),
    ("Black | African American", "Black or African American"),
    ("Declined to state", "Unknown"),
    ("unknown", "Unknown"),
    ("8", "Unknown"),            # from extra
    ("Other", None),             # no SPD 15 category: left to the partner
    ("Asian; Other", None),
])
def test_the_spd15_mapping(tmp_path, cell, category):
    values, problems = attribute(
        tmp_path, 'column = "RACE"\nmap = "spd15"\nextra = { "8" = "Unknown" }',
        frame_of(RACE=[cell]))
    assert values == [category]
    assert bool(problems) == (category is None)


def test_the_spd15_table_covers_every_category_and_no_code_twice():
    assert tuple(SPD15_CODES) == SPD15_CATEGORIES
    keys = [code_key(code) for codes in SPD15_CODES.values() for code in codes]
    assert len(keys) == len(set(keys))


def test_age_and_age_band_at_a_reference_date_from_dates_of_birth(tmp_path):
    frame = frame_of(DOB=["07/01/2021", "07/02/2021", "07/01/2008", "02/30/2010", "", None,
                          "12/01/2045", "07/02/2026", "1/1/2001"])
    bands, band_problems = attribute(
        tmp_path, 'from = "dob"\ntransform = "age_band"\nreference_date = "2026-07-01"\n'
        "bands = [0, 5, 11, 14, 18, 25]", frame)
    ages, _ = attribute(tmp_path, 'from = "dob"\ntransform = "age"\n'
                        "reference_date = 2026-07-01", frame)
    # 5 on the fifth birthday, 4 the day before it; invalid, empty, missing and future dates
    # (after today, 2026-03-01) give null
    assert ages == ["5", "4", "18", None, None, None, None, None, "25"]
    assert bands == ["5-10", "0-4", "18-24", None, None, None, None, None, "25+"]
    assert band_problems == []  # the normaliser reports the bad dates, once


def test_born_after_the_reference_date_gives_no_age(tmp_path):
    values, problems = attribute(
        tmp_path, 'from = "dob"\ntransform = "age"\nreference_date = "2020-01-01"',
        frame_of(DOB=["05/05/2021", "05/05/2001"]))
    assert values == [None, "18"]
    assert problems == [("born_after_reference_date", "out", 2)]


def test_birth_year_and_month_of_the_date_of_birth_and_of_a_date_column(tmp_path):
    frame = frame_of(DOB=["03/07/2011", "bad"], ENROLLED=["2025-06-30 00:00:00", "June"])
    assert attribute(tmp_path, 'from = "dob"\ntransform = "birth_year"', frame)[0] == \
        ["2011", None]
    assert attribute(tmp_path, 'column = "DOB"\ntransform = "month"', frame)[0] == \
        ["2011-03", None]
    values, problems = attribute(tmp_path, 'column = "ENROLLED"\ntransform = "month"', frame)
    assert values == ["2025-06", None]
    assert problems == [("unparseable_date", "out", 3)]
    values, _ = attribute(tmp_path, 'column = "E"\ntransform = "month"\ndate_format = "%d.%m.%Y"',
                          frame_of(E=["30.06.2025"]))
    assert values == ["2025-06"]


def test_zip5_and_zip3(tmp_path):
    frame = frame_of(ZIP=["21201-1234", "2134", "21201.0", "ABCDE", ""])
    values, problems = attribute(tmp_path, 'column = "ZIP"\ntransform = "zip5"', frame)
    assert values == ["21201", None, "21201", None, None]
    assert problems == [("bad_zip", "out", 3), ("bad_zip", "out", 5)]
    assert attribute(tmp_path, 'from = "zip"\ntransform = "zip3"', frame)[0] == \
        ["212", None, "212", None, None]
    padded = config_from(tmp_path, 'zip_pad = true\n[attributes.out]\nfrom = "zip"\n'
                                   'transform = "zip3"')
    assert build_attributes(padded, frame, padded.first_data_line, today=TODAY)[0]["out"] == \
        ["212", "021", "212", None, None]


def test_bucket(tmp_path):
    values, problems = attribute(
        tmp_path, 'column = "HOURS"\ntransform = "bucket"\nedges = [0, 10, 20, 40]',
        frame_of(HOURS=["0", "9.5", "10", 39, "40", "-1", "many", "nan"]))
    assert values == ["0-<10", "0-<10", "10-<20", "20-<40", "40+", "<0", None, None]
    assert [problem[0] for problem in problems] == ["not_a_number", "not_a_number"]


def test_band_labels_of_whole_numbers():
    assert [band_label((0, 5, 6, 11), age, whole=True) for age in (0, 4, 5, 6, 10, 11)] == \
        ["0-4", "0-4", "5", "6-10", "6-10", "11+"]
    assert band_label((5,), 3, whole=True) == "<5"


def test_every_transform_and_table_key_is_documented():
    documented = {setting.key for setting in ATTRIBUTE_TABLE_KEYS}
    for transform in TRANSFORMS.values():
        assert set(transform.required) | set(transform.optional) <= documented
    page = (Path(__file__).parents[2] / "docs" / "agent-config.md").read_text()
    assert all(f"`{name}`" in page for name in TRANSFORMS)


def test_every_spec_problem_is_reported_in_one_pass(tmp_path):
    rest = """
[checks]
min_age = 30
max_age = 24
reference_date = "July 1"
[attributes]
Program = "Program"
key = "ID"
street = "LAST"
[attributes.race]
column = "RACE"
map = "spd16"
bands = [1]
[attributes.band]
from = "dob"
transform = "age_band"
bands = [0, 5, 5]
[attributes.age]
column = "X"
transform = "ages"
[attributes.hours]
column = "HOURS"
transform = "bucket"
edges = ["a"]
colour = 1
[attributes.codes]
column = "C"
map = { "a b" = "x", "A-B" = "y", "c" = 3 }
unmapped = ""
[attributes.first]
column = "FIRST"
transform = "month"
[attributes.both]
column = "A"
from = "zip"
transform = "zip5"
[attributes.neither]
transform = "zip5"
[attributes.year]
from = "zip"
transform = "birth_year"
[attributes.ages]
from = "dob"
transform = "age"
reference_date = "2026-02-30"
date_format = "%Y"
"""
    with pytest.raises(ConfigError) as caught:
        config_from(tmp_path, rest)
    details = "\n".join(caught.value.details)
    for expected in [
        "checks.reference_date must be a date",
        "checks.min_age must not be larger than checks.max_age",
        "attributes.Program: names are lower-case",
        "attributes.key names column 'ID', which is an identifier or the record key",
        "attributes.street names column 'LAST', which is an identifier",
        "attributes.race.bands is not used by transform map",
        "attributes.race.map 'spd16' is not a ready mapping",
        "attributes.band.reference_date is required with transform age_band",
        "attributes.band.bands must be increasing",
        "attributes.age.transform 'ages' is not a transform",
        "attributes.hours.colour is not a known key",
        "attributes.hours.edges must be a non-empty list of numbers",
        "codes 'a b' and 'A-B' are the same code",
        "attributes.codes.map 'c' must be text",
        "attributes.codes.unmapped must be text",
        "attributes.first names column 'FIRST'",
        "attributes.both needs exactly one of column",
        "attributes.neither needs exactly one of column",
        "attributes.year.from = 'zip' needs a zip transform",
        "attributes.ages.reference_date must be a date",
        "attributes.ages.date_format is not used with the date of birth",
    ]:
        assert expected in details, expected
    assert len(caught.value.details) == 21


def test_from_dob_needs_a_configured_date_of_birth(tmp_path):
    path = tmp_path / "agent.toml"
    path.write_text(HEAD.format(source="", rest='[attributes.band]\nfrom = "dob"\n'
                                'transform = "birth_year"').replace('dob = "DOB"\n', ""))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert any("needs identifiers.dob" in detail for detail in caught.value.details)


def test_the_age_range_check_reports_line_numbers_at_its_reference_date(tmp_path):
    config = config_from(tmp_path, "[checks]\nmin_age = 5\nmax_age = 24\n"
                         'reference_date = "2026-07-01"')
    frame = frame_of(DOB=["07/01/2021", "07/02/2021", "07/02/2001", "07/01/2001", "bad"])
    _, problems = build_attributes(config, frame, config.first_data_line, today=TODAY)
    assert [(p.kind, p.field, p.line) for p in problems] == [
        ("outside_age_range", "dob", 3), ("outside_age_range", "dob", 5)]


@pytest.mark.parametrize("content", [
    "K1\n K3 \n\n", "record_key,reason\nK1,asked\nK3,asked\n",
    "\ufeffName,Record_Key\nx,K1\ny,K3\n",
])
def test_opt_out_records_are_excluded_before_encoding_and_counted(tmp_path, content):
    (tmp_path / "opt-out.csv").write_text(content, encoding="utf-8")
    assert read_opt_out_file(tmp_path / "opt-out.csv", ["Youth ID"]) == {"K1", "K3"}
    config = config_from(tmp_path, '[attributes]\nprogram = "PROGRAM"',
                         source='opt_out_file = "opt-out.csv"')
    frame = frame_of(PROGRAM=["a", "b", "c", "d"])
    prepared = prepare_source(config, frame, today=TODAY)
    assert prepared.record_keys == ["K0", "K2"]
    assert prepared.attributes == {"program": ["a", "c"]}
    assert len(prepared.rows) == 2
    assert prepared.skipped_rows["opted_out"] == [3, 5]
    assert prepared.problem_counts()["opted_out"] == 2


def test_a_missing_opt_out_file_stops_rather_than_sending_everyone(tmp_path):
    config = config_from(tmp_path, "", source='opt_out_file = "opt-out.csv"')
    with pytest.raises(SourceError, match="opt-out file .* does not exist"):
        prepare_source(config, frame_of(PROGRAM=["a"]), today=TODAY)


def test_attributes_of_skipped_rows_are_not_counted_as_problems(tmp_path):
    config = config_from(tmp_path, '[attributes.c]\ncolumn = "C"\nmap = { "a" = "A" }')
    frame = frame_of(C=["a", "zz", "zz"])
    frame.loc[1, "ID"] = "K0"  # a repeated record key: the row is skipped
    prepared = prepare_source(config, frame, today=TODAY)
    assert prepared.problem_rows[("unmapped_value", "c")] == [4]


def test_every_sex_code_linkage_reads_maps_to_the_same_gender_category():
    """``normalise.sex`` (linkage) and ``map = "gender"`` (the attribute) keep their own lists;
    a code one reads as female or male the other must too, Spanish included."""
    from hublink.agent.deidentify.gender import gender_mapping
    from hublink.agent.deidentify.spd15 import code_key
    from hublink.agent.normalise.sex import _CODES, normalise_sex
    mapping = gender_mapping()
    assert {code: mapping.get(code_key(code)) for code in _CODES} == {
        code: {"F": "female", "M": "male"}[sex] for code, sex in _CODES.items()}
    assert normalise_sex("Niña") == ("F", None) and mapping[code_key("Niña")] == "female"
