"""Date columns: every listed form is read by "auto", ambiguous day/month values follow the
column's dominant unambiguous order, and a list of formats is tried in order."""

from __future__ import annotations

from datetime import date, datetime

import pandas
import pytest

from hublink.agent.normalise.dates import (DAY_FIRST, MONTH_FIRST, DateReader,
                                           date_format_problems, normalise_birth_date)

BORN = date(2009, 8, 12)


@pytest.mark.parametrize(("cell", "form"), [
    ("2009-08-12", "YYYY-MM-DD"), ("2009/8/12", "YYYY-MM-DD"), (" 2009-08-12 00:00:00", "YYYY-MM-DD"),
    ("08/12/2009", MONTH_FIRST), ("8/12/2009", MONTH_FIRST), ("08-12-2009", MONTH_FIRST),
    ("8/12/2009 12:00 AM", MONTH_FIRST), ("08/12/09", "M/D/YY"), ("8-12-09", "M/D/YY"),
    ("12-Aug-2009", "D-Mon-YYYY"), ("12 August 2009", "D-Mon-YYYY"), ("12-aug-09", "D-Mon-YYYY"),
    ("12AUG2009", "D-Mon-YYYY"),  # SAS's DATE9
    ("2009-08-12T00:00:00Z", "YYYY-MM-DD"), ("2009-08-12T00:00:00.000-05:00", "YYYY-MM-DD"),
    ("2009-08-12 00:00:00+0000", "YYYY-MM-DD"),
    ("Aug 12, 2009", "Mon D, YYYY"), ("August 12 2009", "Mon D, YYYY"),
    # written out as people type them, in English and Spanish
    ("Wednesday, August 12th, 2009", "Mon D, YYYY"), ("Wed Aug 12 2009", "Mon D, YYYY"),
    ("the 12th of August 2009", "D-Mon-YYYY"), ("12 de agosto de 2009", "D-Mon-YYYY"),
    ("miércoles, 12 de agosto del 2009", "D-Mon-YYYY"), ("12-ago-2009", "D-Mon-YYYY"),
    ("agosto 12, 2009", "Mon D, YYYY"), ("12º de Agosto de 2009", "D-Mon-YYYY"),
    ("20090812", "YYYYMMDD"), (20090812, "YYYYMMDD"),
    ("40037", "Excel serial number"), (40037, "Excel serial number"), (40037.0, "Excel serial number"),
    (datetime(2009, 8, 12), "spreadsheet date cell"), (pandas.Timestamp("2009-08-12"), "spreadsheet date cell"),
    (BORN, "spreadsheet date cell"),
])
def test_auto_reads_every_listed_form(cell, form):
    reader = DateReader("auto")
    assert reader.read(cell) == BORN
    assert dict(reader.forms) == {form: 1}


@pytest.mark.parametrize("cell", ["2009", "13/13/2009", "31-Foo-2009", "2009-02-30", "next week",
                                  "1234", "123456", "08/12/9", "08/12/009", "Friday", "12th",
                                  "12 de 2009", "August 2009", "the 12th"])
def test_auto_refuses_what_is_not_a_date(cell):
    assert DateReader().read(cell) is None
    assert normalise_birth_date(cell, DateReader(), date(2026, 1, 1))[4] == "unparseable_date"


def test_ambiguous_values_follow_the_columns_dominant_unambiguous_order():
    day_first = ["25/12/2009", "31/01/2010", "13/05/2011", "12/08/2009", "05/06/2010"]
    reader = DateReader()
    reader.observe(day_first)
    assert reader.day_first
    assert [reader.read(cell) for cell in day_first[3:]] == [BORN, date(2010, 6, 5)]
    assert reader.ambiguous == 2 and reader.forms[DAY_FIRST] == 2
    assert "read day first" in reader.describe() and "(0 month first, 3 day first)" in reader.describe()
    month_first = DateReader()
    month_first.observe(["12/25/2009", "12/08/2009", "2009-08-12"])
    assert not month_first.day_first and month_first.read("08/12/2009") == BORN


def test_without_unambiguous_values_month_comes_first():
    reader = DateReader()
    reader.observe(["08/12/2009", "2009-08-12", 40037])
    assert not reader.day_first and reader.read("08/12/2009") == BORN
    assert reader.read("08/08/2009") == date(2009, 8, 8) and reader.ambiguous == 1


def test_a_list_of_formats_is_tried_in_order():
    reader = DateReader(["%d.%m.%Y", "%m/%d/%Y"])
    assert reader.read("12.08.2009") == BORN and reader.read("08/12/2009") == BORN
    assert reader.read("2009-08-12") is None
    assert dict(reader.forms) == {"%d.%m.%Y": 1, "%m/%d/%Y": 1}
    single = DateReader("%Y%m%d")
    assert single.read(20090812) == BORN and single.read("08/12/2009") is None


def test_counting_can_be_left_out():
    reader = DateReader()
    reader.read("08/12/2009", count=False)
    assert not reader.forms and reader.ambiguous == 0


@pytest.mark.parametrize(("setting", "ok"), [
    ("auto", True), ("%m/%d/%Y", True), (["%Y-%m-%d", "%m/%d/%Y"], True), (None, True),
    ("MM/DD/YYYY", False), ([], False), (["%Y", 3], False), (7, False)])
def test_date_format_settings(setting, ok):
    assert (date_format_problems(setting, "identifiers.dob_format") == []) is ok


def test_two_digit_years_read_as_strptime_pivots_them_and_follow_the_columns_order():
    reader = DateReader()
    reader.observe(["25/12/09", "31/01/10"])  # day first, unambiguously
    assert reader.read("08/12/09") == date(2009, 12, 8)
    assert reader.read("7/4/70") == date(1970, 4, 7)
    assert reader.read("1/2/68") == date(2068, 2, 1)  # strptime's %y: a future date of birth
    assert normalise_birth_date("1/2/68", reader, date(2026, 1, 1))[4] == "future_date"
    assert "D/M/YY (4)" in reader.describe()
