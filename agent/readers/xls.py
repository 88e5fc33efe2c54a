"""Read a legacy Excel 97-2003 .xls source (what older systems and Office versions still save).

xlrd reads the binary workbook; a sheet holds at most 65,536 rows, so loading one sheet is
bounded. Its cells come typed: empty and error cells are None, numbers floats (a ZIP 21201.0
is "21201", ``cells.source_cell``), and cells with a date format datetimes, converted with
the workbook's own date system (1900 or 1904), so no date format has to be guessed. Rows are
then handled as for every sheet (``sheet_rows``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas
import xlrd
from xlrd.xldate import XLDateError, xldate_as_datetime

from hublink.agent.readers.cells import HEADER_SEARCH_LINES
from hublink.agent.readers.sheet_rows import sheet_chunks
from hublink.shared.errors import SourceError

__all__ = ["iter_xls", "xls_previews"]

_EMPTY = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR)


def _open(path: Path) -> xlrd.book.Book:
    try:
        return xlrd.open_workbook(str(path), on_demand=True)
    except (xlrd.XLRDError, xlrd.compdoc.CompDocError, OSError, ValueError, AssertionError,
            IndexError, KeyError) as error:
        raise SourceError(f"{path.name} cannot be read as .xls: {type(error).__name__}") from None


def _rows(book: xlrd.book.Book, sheet: xlrd.sheet.Sheet, first: int = 0,
          last: int | None = None) -> Iterator[tuple[object, ...]]:
    """Yields the sheet's rows ``first`` to ``last`` (0-based, exclusive) as typed cells."""
    for index in range(first, sheet.nrows if last is None else min(last, sheet.nrows)):
        yield tuple(_cell(book, cell) for cell in sheet.row(index))


def _cell(book: xlrd.book.Book, cell: xlrd.sheet.Cell) -> object:
    if cell.ctype in _EMPTY:
        return None
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xldate_as_datetime(cell.value, book.datemode)
        except (XLDateError, ValueError, OverflowError):
            return cell.value  # a number in a date format that is no date: its text
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    return cell.value


def xls_previews(path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Given an .xls path, returns each sheet's title and first HEADER_SEARCH_LINES rows;
    raises SourceError when it cannot be read."""
    book = _open(path)
    try:
        return [(sheet.name, list(_rows(book, sheet, 0, HEADER_SEARCH_LINES)))
                for sheet in (book.sheet_by_index(index) for index in range(book.nsheets))]
    finally:
        book.release_resources()


def iter_xls(path: Path, columns: list[str], sheet: str | None, chunk_rows: int,
             header_line: int = 1) -> Iterator[pandas.DataFrame]:
    """Given an .xls path, the configured columns, an optional sheet name (default: the first
    sheet), a chunk size and the row naming the columns, yields frames of at most
    ``chunk_rows`` rows holding exactly those columns, as ``readers.xlsx.iter_xlsx`` does;
    raises SourceError when the file or sheet cannot be read or lacks a column."""
    book = _open(path)
    try:
        names = book.sheet_names()
        if sheet and sheet not in names:
            raise SourceError(f"{path.name} has no sheet {sheet!r}",
                              details=[f"its sheets: {', '.join(names)}"])
        worksheet = book.sheet_by_name(sheet) if sheet else book.sheet_by_index(0)
        above = list(_rows(book, worksheet, 0, HEADER_SEARCH_LINES))
        yield from sheet_chunks(path.name, worksheet.name,
                                _rows(book, worksheet, header_line - 1), columns, above,
                                header_line, chunk_rows)
    finally:
        book.release_resources()
