"""Writes the legacy .xls fixtures of tests/agent (Excel 97-2003 files, which nothing the
project installs can write): run once with xlwt, ``pip install xlwt && python
tests/data/make_xls.py``; the files are kept in the repository."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import xlwt

from tests.agent.test_readers import COLUMNS, ROWS

HERE = Path(__file__).parent
DATE = xlwt.easyxf(num_format_str="mm/dd/yyyy")


def _rows_sheet(sheet: xlwt.Worksheet) -> None:
    for column, name in enumerate([*COLUMNS, "NOTE"]):
        sheet.write(0, column, name)
    for line, row in enumerate(ROWS, start=1):
        for column, name in enumerate([*COLUMNS, "NOTE"]):
            if row[name]:
                sheet.write(line, column, row[name])
    sheet.write(len(ROWS) + 3, 6, "")  # a formatted, empty cell after the data


def readers() -> None:
    """readers.xls: ROWS on the first sheet; readers-sheets.xls: a cover sheet, then ROWS on
    "Enrolment 2025"."""
    book = xlwt.Workbook(encoding="utf-8")
    _rows_sheet(book.add_sheet("Sheet"))
    book.save(HERE / "readers.xls")
    book = xlwt.Workbook(encoding="utf-8")
    cover = book.add_sheet("Read me")
    cover.write(0, 0, "something")
    cover.write(0, 1, "else")
    _rows_sheet(book.add_sheet("Enrolment 2025"))
    book.save(HERE / "readers-sheets.xls")


def typed(name: str, dates_1904: bool) -> None:
    """typed.xls (1900 date system) and typed-1904.xls: numbers, date cells, an empty cell."""
    book = xlwt.Workbook(encoding="utf-8")
    book.dates_1904 = dates_1904
    sheet = book.add_sheet("Sheet1")
    for column, value in enumerate(COLUMNS):
        sheet.write(0, column, value)
    sheet.write(1, 0, 1001.0)
    sheet.write(1, 1, "Ana")
    sheet.write(1, 2, "Smith")
    born = datetime(2011, 3, 7)  # xlwt counts every date from 1900, so 1904 is written as days
    sheet.write(1, 3, float((born - datetime(1904, 1, 1)).days) if dates_1904 else born, DATE)
    sheet.write(1, 4, 21201.0)
    sheet.write(2, 0, 1002)
    sheet.write(2, 1, "Bo")
    sheet.write(2, 3, "03/08/2011")
    sheet.write(2, 4, 2.5)
    book.save(HERE / name)


def roster() -> None:
    """roster.xls, as an old Office saves a program's roster: a cover sheet, then a sheet with a
    title line and a date line above the header, date cells, IDs and ZIPs as numbers."""
    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("Instructions").write(0, 0, "Fill one row per youth")
    sheet = book.add_sheet("Roster")
    sheet.write(0, 0, "Westside Rec summer roster")
    sheet.write(1, 0, "Printed 06/30/2026")
    header = ["Youth ID", "First Name", "Last Name", "Birth Date", "Street Address", "Zip",
              "Gender", "Program"]
    for column, name in enumerate(header):
        sheet.write(3, column, name)
    rows = [(5001, "Ana", "Lee", datetime(2009, 8, 12), "12 Oak Lane", 21218, "F", "Swim"),
            (5002, "Bo", "Ray", datetime(2010, 1, 5), "3 Elm St", 21201, "M", "Soccer"),
            (5003, "Cy", "Ray", datetime(2011, 2, 9), "3 Elm St", 21201, "M", "Soccer")]
    for line, row in enumerate(rows, start=4):
        for column, value in enumerate(row):
            sheet.write(line, column, value, DATE if isinstance(value, datetime) else xlwt.Style.default_style)
    book.save(HERE / "roster.xls")


if __name__ == "__main__":
    readers()
    typed("typed.xls", dates_1904=False)
    typed("typed-1904.xls", dates_1904=True)
    roster()
