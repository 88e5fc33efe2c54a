import pytest

from hublink.shared.spreadsheet import safe_cell, safe_row


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0",
                                   "@SUM(1+1)", "-2+3+cmd", "\t=1", "\r=1"])
def test_formula_cells_are_prefixed(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Summer Jobs", "2009-04", "21201", "", None, 12, -1, 0.5])
def test_ordinary_cells_are_unchanged(value):
    assert safe_cell(value) == value


def test_rows():
    assert safe_row(("a", "=1", 3)) == ["a", "'=1", 3]
