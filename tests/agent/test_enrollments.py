"""Enrollment-level sources: rows sharing a record key are one youth's enrollments, the
first row decides, conflicts are reported by line; gender leaves only as coarse categories."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hublink.agent.config import load_config
from hublink.agent.prepare import prepare_source
from hublink.agent.readers import iter_source
from hublink.agent.report import check_source
from hublink.agent.sync_checks import check_firewall
from hublink.agent.sync_plan import chunk_size, sent_names
from hublink.shared.errors import ConfigError, SourceError
from hublink.shared.sync_protocol import MAX_CHUNK_ENROLLMENTS
from tests.agent.configs import AGENT_CONFIG_HEAD

TODAY = date(2026, 3, 1)
# cp1252, as a spreadsheet on Windows saves it; dates in four forms; line numbers count the
# header as line 1.
SOURCE = """\
Youth ID,First,Last,DOB,Gender,Program,Site,Start Date
Y1,Ana,Peña,08/12/2009,F,Summer Camp,North,2026-06-15
Y2,Ben,Okafor,2010-01-05,M,Summer Camp,North,2026-06-15
Y1,Ana,Peña,2009-08-12,Female,YouthWorks,East,06/29/2026
Y3,Cy,Dunn,12-Aug-2009,X,Soccer,West,2026-07-01
Y2,Benjamin,Okafor,2010-01-05,M,Soccer,West,2026-07-01
Y1,Ana,Peña,40037,F,Summer Camp,North,2026-06-15
Y4,Di,Ray,12/31/2009,,,,
"""
CONFIG = AGENT_CONFIG_HEAD + """\
[source]
path = "source.csv"
record_key = "Youth ID"
[identifiers]
first_name = "First"
last_name = "Last"
dob = "DOB"
sex = "Gender"
{attributes}
"""
ATTRIBUTES = """\
[attributes.gender]
column = "Gender"
map = "gender"
[enrollments]
program = "Program"
site = "Site"
[enrollments.start]
column = "Start Date"
transform = "month"
"""


def configure(tmp_path: Path, attributes: str = ATTRIBUTES, source: str = SOURCE):
    (tmp_path / "source.csv").write_bytes(source.encode("cp1252"))
    (tmp_path / "agent.toml").write_text(CONFIG.format(attributes=attributes))
    return load_config(tmp_path / "agent.toml")


def prepared_of(config):
    return prepare_source(config, iter_source(config), today=TODAY)


def test_rows_of_one_key_become_one_record_with_its_enrollments(tmp_path):
    config = configure(tmp_path)
    prepared = prepared_of(config)
    assert prepared.row_count == 7 and prepared.record_count == 4
    assert prepared.record_keys == ["Y1", "Y2", "Y3", "Y4"]
    assert prepared.enrollments_of(0) == [
        {"program": "Summer Camp", "site": "North", "start": "2026-06"},
        {"program": "YouthWorks", "site": "East", "start": "2026-06"}]
    assert [len(prepared.enrollments_of(i)) for i in range(4)] == [2, 2, 1, 0]
    assert prepared.enrollment_count == 5
    assert prepared.attributes["gender"] == ["female", "male", "another gender", None]
    # line 6 spells Ben's name otherwise: the first row (line 3) decides; line 7 repeats
    # Y1's first enrollment; its Excel serial is Y1's date of birth, so it agrees
    assert prepared.problem_rows[("conflicting_identifiers", "record key")] == [6]
    assert prepared.conflicts == [(6, 3)]
    assert prepared.problem_rows[("repeated_enrollment", "record key")] == [7]
    assert prepared.skipped_rows == {}


def test_an_enrollment_row_too_poor_to_link_joins_its_keys_later_record(tmp_path):
    """Sign-in sheets often start with a row holding only a first name: that row cannot be
    linked, but its enrollment is the youth's, kept once a later row of the key can be; a key
    with no such row is skipped with its rows, as before."""
    source = ("Youth ID,First,Last,DOB,Gender,Program,Site,Start Date\n"
              "Y1,Ana,,,F,Summer Camp,North,2026-06-15\n"       # line 2: a name only
              "Y2,Bo,,,M,Soccer,West,2026-07-01\n"              # line 3: never more than that
              "Y1,Ana,Peña,08/12/2009,F,YouthWorks,East,2026-06-29\n"
              "Y1,,,,,Arts,North,2026-08-03\n")                 # line 5: after the first
    prepared = prepared_of(configure(tmp_path, source=source))
    assert prepared.record_keys == ["Y1"]
    assert prepared.enrollments_of(0) == [
        {"program": "Arts", "site": "North", "start": "2026-08"},
        {"program": "Summer Camp", "site": "North", "start": "2026-06"},
        {"program": "YouthWorks", "site": "East", "start": "2026-06"}]
    assert prepared.skipped_rows == {"too_few_identifiers": [3]}
    # the rows with fewer identifiers than line 4, which decides, are reported as differing
    assert prepared.conflicts == [(2, 4), (5, 4)]
    assert list(prepared.unlinked_rows) == ["Y2"]  # never linked: its enrollment is not sent


def test_every_date_form_is_read_and_reported(tmp_path):
    text, problems = check_source(configure(tmp_path))
    assert "4 records with 5 enrollments can be sent" in text
    dates = text[text.index("date formats found:"):]
    assert ("date of birth (DOB): YYYY-MM-DD (3), M/D/YYYY (2), D-Mon-YYYY (1), Excel serial "
            "number (1); 1 values could be month or day first, read month first as the "
            "column's unambiguous values (1 month first, 0 day first)") in dates
    assert "enrollments.start (Start Date): YYYY-MM-DD (5), M/D/YYYY (1)" in dates
    assert "conflicting_identifiers (record key): 1 rows: 6" in text
    assert "the first row of the same record key, which decides" in text
    assert "conflicting rows and their key's first row: 6 (first at 3)" in text
    assert "unparseable_date" not in text
    assert problems == 2
    for identifying in ("Ana", "Peña", "Okafor", "08/12/2009", "40037", "Y1", "Y2"):
        assert identifying not in text


def test_a_changed_enrollment_changes_the_digest_and_row_order_does_not(tmp_path):
    before = prepared_of(configure(tmp_path)).digests
    lines = SOURCE.splitlines(keepends=True)
    reordered = prepared_of(configure(tmp_path, source="".join(
        [lines[0], lines[1], lines[2], lines[4], lines[5], lines[3], lines[6], lines[7]])))
    assert reordered.digests == before
    changed = prepared_of(configure(tmp_path, source=SOURCE.replace("YouthWorks", "Mentoring")))
    assert [a == b for a, b in zip(changed.digests, before)] == [False, True, True, True]


def test_without_enrollments_a_repeated_key_is_reported_and_skipped(tmp_path):
    config = configure(tmp_path, attributes="[attributes]\nprogram = \"Program\"")
    prepared = prepared_of(config)
    assert prepared.record_count == 4 and prepared.enrollment_names == []
    assert prepared.skipped_rows["duplicate_record_key"] == [4, 6, 7]
    assert sent_names(prepared) == ("program",)
    text, _ = check_source(config)
    assert "duplicate_record_key: 3 rows: 4, 6, 7" in text


def test_chunks_stay_under_the_enrollment_bound(tmp_path):
    config = configure(tmp_path)
    prepared = prepared_of(config)
    assert chunk_size(config, prepared) == config.chunk_records
    prepared.enrollment_lists[0] = [("a", None, None)] * 200
    assert chunk_size(config, prepared) == MAX_CHUNK_ENROLLMENTS // 200
    assert sent_names(prepared) == ("gender", "enrollments.program", "enrollments.site",
                                    "enrollments.start")


def test_enrollment_values_pass_the_pii_firewall(tmp_path):
    config = configure(tmp_path, attributes=ATTRIBUTES.replace(
        'transform = "month"', 'transform = "passthrough"'))
    with pytest.raises(SourceError) as caught:
        check_firewall(config, prepared_of(config))
    assert "'enrollments.start' breaks the PII rule full_date" in "\n".join(caught.value.details)


@pytest.mark.parametrize(("table", "expected"), [
    ('[attributes]\ngender = "Gender"', "identifier or the record key"),
    ('[attributes.gender]\ncolumn = "Gender"\nmap = { "F" = "F", "M" = "M" }',
     'map = "gender"'),
    ('[attributes.gender]\ncolumn = "Gender"\nmap = "gender"\nunmapped = "Girl"',
     "identifier or the record key"),
    ('[attributes.name]\ncolumn = "First"\nmap = "gender"', "identifier or the record key"),
    ('[attributes.program]\ncolumn = "Program"\n[enrollments]\nprogram = "Program"',
     "'program' is already an attribute"),
    ('[enrollments.start]\ncolumn = "Start Date"\ntransform = "month"\ndate_format = "YYYY"',
     'enrollments.start.date_format must be "auto"'),
])
def test_identifier_columns_leave_only_as_coarse_categories(tmp_path, table, expected):
    with pytest.raises(ConfigError) as caught:
        configure(tmp_path, attributes=table)
    assert expected in "\n".join(caught.value.details)


def test_the_agent_firewall_refuses_a_raw_value_from_the_sex_column(tmp_path):
    config = configure(tmp_path)
    prepared = prepared_of(config)
    prepared.attributes["gender"][0] = "F"
    with pytest.raises(SourceError) as caught:
        check_firewall(config, prepared)
    assert "reads an identifier column and may send only" in caught.value.details[0]
