"""``check`` and ``preview`` reports: sections a person can act on, and no identifier."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hublink.agent.config import load_config
from hublink.agent.keys import load_or_create_pseudonym_key, pseudonymise
from hublink.agent.prepare import prepare_source
from hublink.agent.readers import read_source
from hublink.agent.readers.csv import file_lines
from hublink.agent.report import check_report, check_source, preview_report
from tests.agent.configs import AGENT_CONFIG_HEAD

TODAY = date(2026, 3, 1)
SOURCE = """\
ID,FIRST,LAST,DOB,STREET,ZIP,RACE_CD,PROGRAM,HOURS
A-1001,Zelda,Quintero,03/07/2011,12 Oak Lane,21201,1,Summer Camp,12
A-1002,Yusuf,Okonkwo,11/21/1998,4 Birch Road,21224,2,YouthWorks,3
A-1003,Xiomara,Pettigrew,02/30/2012,9 Cedar Court,21230,9,Summer Camp,25
A-1004,W1lhelmina,Abernathy,06/15/2009,31 Elm Street,21218,9,,41
A-1003,Xiomara,Pettigrew,02/30/2012,9 Cedar Court,21230,9,Summer Camp,25
A-1006,Vikram,Lindqvist,12/01/2045,77 Fir Way,2120,Other,Rec Center,0
A-1007,Ursula,Fairweather,05/05/2013,5 Pine Row,ABCDE,,Rec Center,7
A-1008,Thaddeus,Montgomery,08/19/2008,60 Ash Drive,21223,3,YouthWorks,lots
"""
IDENTIFYING = ["A-10", "Zelda", "Quintero", "Yusuf", "Okonkwo", "Xiomara", "Pettigrew",
               "W1lhelmina", "Abernathy", "Vikram", "Lindqvist", "Ursula", "Fairweather",
               "Thaddeus", "Montgomery", "03/07/2011", "2011-03", "1998", "2045", "21201",
               "21224", "ABCDE", "Oak Lane", "Cedar Court"]
CONFIG = AGENT_CONFIG_HEAD + """\
[source]
path = "source.csv"
record_key = "ID"
opt_out_file = "opt-out.txt"
[identifiers]
first_name = "FIRST"
last_name = "LAST"
dob = "DOB"
dob_format = "%m/%d/%Y"
address = "STREET"
zip = "ZIP"
[checks]
min_age = 10
max_age = 24
reference_date = "2026-07-01"
[attributes]
program = "PROGRAM"
[attributes.race_ethnicity]
column = "RACE_CD"
map = { "1" = "Black or African American", "2" = "White", "3" = "Hispanic or Latino" }
[attributes.age_band]
from = "dob"
transform = "age_band"
reference_date = "2026-07-01"
bands = [0, 11, 14, 18, 25]
[attributes.area]
from = "zip"
transform = "zip3"
[attributes.hours]
column = "HOURS"
transform = "bucket"
edges = [0, 10, 20, 40]
"""


@pytest.fixture
def configured(tmp_path: Path):
    (tmp_path / "source.csv").write_text(SOURCE)
    (tmp_path / "opt-out.txt").write_text("A-1008\n")
    (tmp_path / "agent.toml").write_text(CONFIG)
    config = load_config(tmp_path / "agent.toml")
    frame = read_source(config)
    return config, frame, prepare_source(config, frame, today=TODAY)


def section(text: str, title: str) -> str:
    """Returns the lines of one report section, from its title to the next blank line."""
    start = next(i for i, line in enumerate(text.splitlines()) if line.startswith(title))
    lines = text.splitlines()[start:]
    return "\n".join(lines[:lines.index("")] if "" in lines else lines)


def test_check_groups_problems_in_sections_with_line_numbers(configured):
    config, frame, prepared = configured
    text, problems = check_report(config, frame, prepared)
    assert "8 rows, 6 records can be sent" in text
    assert "RACE_CD                        12.5% (1 rows)" in section(text, "missing values")
    keys = section(text, "record keys")
    assert "duplicate_record_key: 1 rows: 6" in keys
    assert "opted_out: 1 rows: 9  (not a problem" in keys
    dates = section(text, "dates of birth")
    assert "(ages 10..24 expected at 2026-07-01)" in dates
    assert "unparseable_date (dob): 1 rows: 4" in dates
    assert "future_date (dob): 1 rows: 7" in dates
    assert "outside_age_range (dob): 1 rows: 3" in dates        # 27 at the reference date
    assert "name_has_digits (first_name): 1 rows: 5" in section(text, "names")
    # 2120 (line 7) lost no leading zero for certain: without zip_pad it is a problem
    assert "bad_zip (zip): 2 rows: 7, 8" in section(text, "other identifiers")
    attributes = section(text, "attributes")
    assert "unmapped_value (race_ethnicity): 3 rows: 4, 5, 7" in attributes
    assert "race_ethnicity: codes outside the mapping: '9' (2), 'Other' (1)" in attributes
    assert "not_a_number" not in attributes   # "lots" is on the opted-out line
    assert "bad_zip (area): 2 rows: 7, 8" in attributes
    # 1 duplicate + 3 dates + 1 name + 2 zip + 3 unmapped + 2 area; opt-outs do not count
    assert problems == 12


def test_check_shows_no_identifier(configured):
    text, _ = check_report(*configured)
    assert [value for value in IDENTIFYING if value in text] == []


def test_check_without_problems_says_so_per_section(tmp_path):
    (tmp_path / "source.csv").write_text("ID,FIRST,LAST,DOB\nK1,Ann,Lee,2012-04-05\n")
    (tmp_path / "agent.toml").write_text(
        CONFIG.split("[identifiers]")[0].replace('opt_out_file = "opt-out.txt"\n', "")
        + '[identifiers]\nfirst_name = "FIRST"\nlast_name = "LAST"\ndob = "DOB"\n')
    config = load_config(tmp_path / "agent.toml")
    frame = read_source(config)
    text, problems = check_report(config, frame, prepare_source(config, frame, today=TODAY))
    assert problems == 0
    assert text.count("  no problems") == 5


def test_preview_is_a_table_of_what_leaves(configured):
    config, _, prepared = configured
    text = preview_report(config, prepared, clk_bytes=128, rows=3)
    assert "a sync would send 6 records" in text
    assert "not sent: 1 records on the opt-out list, 1 rows with an empty or repeated" in text
    table = section(text, "the first 3 of 6 records")
    lines = table.splitlines()
    assert lines[1].split() == ["#", "pseudonym", "encoding", "program", "race_ethnicity",
                                "age_band", "area", "hours"]
    key = load_or_create_pseudonym_key(config.state_dir)
    first = pseudonymise(key, "A-1001")
    assert lines[3].split()[:2] == ["1", first[:12] + "..."]
    assert first not in text
    assert "CLK, 128 bytes" in lines[3]
    assert "Summer Camp  Black or African American" in lines[3]
    assert "14-17" in lines[3] and "212" in lines[3] and "10-<20" in lines[3]
    assert lines[5].split()[-3:] == ["null", "212", "20-<40"]   # the unparseable date
    assert len(lines) == 6


def test_preview_counts_each_attribute_and_says_where_it_comes_from(configured):
    config, _, prepared = configured
    text = preview_report(config, prepared, clk_bytes=128)
    assert "program (from column PROGRAM): Summer Camp (2), Rec Center (2), YouthWorks (1); " \
           "null (1)" in text
    assert "race_ethnicity (from column RACE_CD, map of 3 codes): Black or African American " \
           "(1), White (1); null (4)" in text
    assert "age_band (age_band of the date of birth at 2026-07-01): " in text
    assert "area (zip3 of identifier zip): 212 (4); null (2)" in text
    assert "hours (bucket of column HOURS): " in text


def test_preview_shows_no_identifier(configured):
    text = preview_report(configured[0], configured[2], clk_bytes=128)
    assert [value for value in IDENTIFYING if value in text] == []


def test_check_names_the_file_line_below_cells_that_hold_line_breaks(tmp_path):
    """Notes typed with Enter keep a row on several lines of the file: the lines check names
    are the ones an editor shows the row on, below a title too."""
    (tmp_path / "source.csv").write_bytes(
        b"Roster\r\n\r\nID,FIRST,LAST,DOB,PROGRAM\r\n"
        b'K1,Ann,Lee,2012-04-05,"Camp\r\nneeds a ride\r\nevery Monday"\r\n'   # lines 4-6
        b"K2,B0b,Ray,2012-04-05,Camp\r\n\r\n"                                 # line 7, 8 blank
        b'K3,Cy,Ray,2012-04-05,"Swim\nand\nrun"\r\n'                          # lines 9-11
        b"K4,D4n,Ray,2012-04-05,Camp\r\n")                                    # line 12
    (tmp_path / "agent.toml").write_text(
        CONFIG.split("[identifiers]")[0].replace('opt_out_file = "opt-out.txt"\n',
                                                 "header_line = 3\n")
        + '[identifiers]\nfirst_name = "FIRST"\nlast_name = "LAST"\ndob = "DOB"\n'
        + '[attributes]\nprogram = "PROGRAM"\n')
    text, problems = check_source(load_config(tmp_path / "agent.toml"))
    assert "name_has_digits (first_name): 2 rows: 7, 12" in section(text, "names"), text
    assert "empty_record_key: 1 rows: 8" in section(text, "record keys")
    assert problems == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_file_lines_maps_counted_rows_to_the_lines_they_start_on(tmp_path, encoding):
    path = tmp_path / "s.csv"
    path.write_text('ID,NOTE\n1,"a\nb"\n2,c\n\n3,"d\n\ne"\n4,f\n', encoding=encoding)
    file_line = file_lines(path, "auto", header_line=1)
    assert [file_line(line) for line in (2, 3, 4, 5, 6)] == [2, 4, 5, 6, 9]
    path.write_text("ID,NOTE\n1,a\n2,b\n", encoding=encoding)
    assert file_lines(path, "auto")(3) == 3


def test_check_warns_when_most_records_have_no_date_of_birth(tmp_path):
    """Name and street are enough to send a record, but a partner sending no dates of birth
    overcounts its youth (benchmarks/RESULTS-matching.md §19): check says so."""
    (tmp_path / "source.csv").write_text("ID,FIRST,LAST,DOB,STREET\nK1,Ann,Lee,,12 Oak Lane\n"
                                         "K2,Bo,Ray,,3 Elm St\nK3,Cy,Ray,01/05/2010,3 Elm St\n")
    (tmp_path / "agent.toml").write_text(
        CONFIG.split("[identifiers]")[0].replace('opt_out_file = "opt-out.txt"\n', "")
        + '[identifiers]\nfirst_name = "FIRST"\nlast_name = "LAST"\ndob = "DOB"\n'
        + 'address = "STREET"\n')
    text, _ = check_source(load_config(tmp_path / "agent.toml"))
    dates = section(text, "dates of birth")
    assert "2 of 3 records to be sent have no whole date of birth" in dates
    (tmp_path / "source.csv").write_text("ID,FIRST,LAST,DOB,STREET\nK1,Ann,Lee,,12 Oak Lane\n"
                                         "K2,Bo,Ray,02/03/2010,3 Elm St\nK3,Cy,Ray,01/05/2010,3 Elm St\n")
    text, _ = check_source(load_config(tmp_path / "agent.toml"))
    assert "no whole date of birth" not in text
