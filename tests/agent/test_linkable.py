"""A record is linked only with two of a name, a whole date of birth and a street address
(``normalise.MIN_LINKING_IDENTIFIERS``): the encodings show why, and check and sync skip the
rest by line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from hublink.agent.config import load_config
from hublink.agent.encode import encode_rows
from hublink.agent.normalise import RawIdentifiers, linkable, normalise_record
from hublink.agent.prepare import prepare_source
from hublink.agent.readers import iter_source
from hublink.agent.report import check_source
from hublink.shared.linkage_schema import CURRENT_SCHEMA_ID, load_linkage_schema
from tests.agent.configs import AGENT_CONFIG_HEAD

TODAY = date(2026, 3, 1)
SECRET = bytes.fromhex("3c" * 32)
CITY_THRESHOLD = 0.741
"""The threshold the estimator chose on the 252k-record city (benchmarks/RESULTS.md)."""


def features(**cells) -> tuple[str, ...]:
    return normalise_record(RawIdentifiers(**cells), "%m/%d/%Y", today=TODAY).features


def dice(left: dict, right: dict) -> float:
    schema = load_linkage_schema(CURRENT_SCHEMA_ID)
    packed = np.frombuffer(encode_rows([features(**left), features(**right)], schema, SECRET),
                           dtype=np.uint8).reshape(2, -1)
    bits = np.unpackbits(packed, axis=1).astype(bool)
    return 2 * int((bits[0] & bits[1]).sum()) / int(bits.sum())


def test_records_missing_the_same_fields_agree_on_them():
    """The defect the rule closes: under the balanced schema a missing field sets bits like a
    value, so records that hold too little look alike whoever they are."""
    assert dice({"zip": "21218"}, {"zip": "21202"}) == pytest.approx(1.0, abs=0.1)
    namesakes = dice({"first_name": "Maria", "last_name": "Garcia", "zip": "21218"},
                     {"first_name": "Maria", "last_name": "Garcia", "zip": "21229"})
    assert namesakes > 0.9
    # Sisters recorded with only their names and ZIP sit just under the threshold; with their
    # dates of birth they are far apart.
    sisters = dice({"first_name": "Aaliyah", "last_name": "Johnson", "zip": "21218"},
                   {"first_name": "Kayla", "last_name": "Johnson", "zip": "21218"})
    assert sisters > CITY_THRESHOLD - 0.06
    assert dice({"first_name": "Aaliyah", "last_name": "Johnson", "zip": "21218",
                 "dob": "04/02/2011"},
                {"first_name": "Kayla", "last_name": "Johnson", "zip": "21218",
                 "dob": "09/17/2013"}) < sisters - 0.1


@pytest.mark.parametrize(("cells", "expected"), [
    ({"first_name": "Ana", "last_name": "Lee", "dob": "08/12/2009"}, True),
    ({"first_name": "Ana", "address": "12 Oak Lane"}, True),
    ({"dob": "08/12/2009", "address": "12 Oak Lane"}, True),
    ({"first_name": "Ana", "last_name": "Lee", "zip": "21218", "sex": "F"}, False),
    ({"first_name": "Ana", "last_name": "Lee", "dob": "2009"}, False),  # not a whole date
    ({"dob": "08/12/2009", "zip": "21218"}, False),
    ({"zip": "21218", "city": "Baltimore"}, False),
    ({}, False),
])
def test_linkable_needs_two_of_name_date_of_birth_and_street(cells, expected):
    assert linkable(features(**cells)) is expected


CONFIG = AGENT_CONFIG_HEAD + """\
[source]
path = "source.csv"
record_key = "ID"
[identifiers]
first_name = "First"
last_name = "Last"
dob = "DOB"
address = "Street"
zip = "ZIP"
{enrollments}
"""
SOURCE = """\
ID,First,Last,DOB,Street,ZIP,Program
A1,Ana,Lee,08/12/2009,,21218,Camp
A2,Ben,Okafor,,,21218,Camp
A3,,,01/05/2010,,21202,Camp
A4,,,01/05/2010,4 Oak Lane,21202,Camp
A5,Cy,Dunn,,9 Elm St,21229,Camp
A2,Ben,Okafor,01/05/2010,,21218,Soccer
"""


def configure(tmp_path: Path, enrollments: bool):
    (tmp_path / "source.csv").write_text(SOURCE)
    section = '[enrollments]\nprogram = "Program"' if enrollments else ""
    (tmp_path / "agent.toml").write_text(CONFIG.format(enrollments=section))
    return load_config(tmp_path / "agent.toml")


def test_check_skips_rows_with_too_few_identifiers_by_line(tmp_path):
    config = configure(tmp_path, enrollments=False)
    prepared = prepare_source(config, iter_source(config), today=TODAY)
    # A2's first row was not sent, so its whole later row is its record, not a repeat.
    assert prepared.record_keys == ["A1", "A4", "A5", "A2"]
    assert prepared.skipped_rows["too_few_identifiers"] == [3, 4]
    assert "duplicate_record_key" not in prepared.skipped_rows
    # The skipped rows' own problems are still reported: they say what was missing.
    assert prepared.problem_rows[("missing_name", "name")] == [4, 5]
    text, _ = check_source(config)
    assert "too_few_identifiers: 2 rows: 3, 4" in text
    assert "Okafor" not in text and "01/05/2010" not in text


def test_a_later_whole_row_of_a_key_becomes_its_record(tmp_path):
    """With [enrollments], a first row too poor to link is not the record: the key's next
    linkable row decides it, and the poor row's enrollment joins that record (line 3: A2's
    Camp beside its Soccer); a key that never has a linkable row (A3) is skipped."""
    config = configure(tmp_path, enrollments=True)
    prepared = prepare_source(config, iter_source(config), today=TODAY, keep_records=True)
    assert prepared.record_keys == ["A1", "A4", "A5", "A2"]
    assert prepared.skipped_rows["too_few_identifiers"] == [4]
    assert [len(enrollments) for enrollments in prepared.enrollment_lists] == [1, 1, 1, 2]
    assert prepared.conflicts == [(3, 7)]
