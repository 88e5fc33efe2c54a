"""Read an Excel .xlsx source in chunks, row by row, without loading the workbook whole.

openpyxl's read-only mode streams the sheet's XML, so memory stays bounded by one chunk.
Rows above ``source.header_line`` (a report's title) are not read; blank rows are handled
as for every sheet (``sheet_rows``).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas
from openpyxl.utils.exceptions import InvalidFileException

from hublink.agent.readers.cells import HEADER_SEARCH_LINES
from hublink.agent.readers.sheet_rows import sheet_chunks
from hublink.shared.errors import SourceError

__all__ = ["iter_xlsx", "xlsx_previews"]


def _open(path: Path) -> openpyxl.Workbook:
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise SourceError(f"{path.name} cannot be read as .xlsx: {type(error).__name__}") from None


def xlsx_previews(path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Given an .xlsx path, returns each sheet's title and first HEADER_SEARCH_LINES rows;
    raises SourceError when it cannot be read."""
    workbook = _open(path)
    try:
        return [(worksheet.title, list(worksheet.iter_rows(values_only=True,
                                                           max_row=HEADER_SEARCH_LINES)))
                for worksheet in workbook.worksheets]
    finally:
        workbook.close()


def iter_xlsx(path: Path, columns: list[str], sheet: str | None, chunk_rows: int,
              header_line: int = 1) -> Iterator[pandas.DataFrame]:
    """Given an .xlsx path, the configured columns, an optional sheet name (default: the
    first sheet), a chunk size and the row naming the columns, yields frames of at most
    ``chunk_rows`` rows holding exactly those columns: text cells ("" when empty), date
    cells as datetimes; raises SourceError when the file or sheet cannot be read or lacks a
    column."""
    workbook = _open(path)
    try:
        if sheet and sheet not in workbook.sheetnames:
            raise SourceError(f"{path.name} has no sheet {sheet!r}",
                              details=[f"its sheets: {', '.join(workbook.sheetnames)}"])
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        worksheet.reset_dimensions()  # some exporters write a wrong size; read what is there
        above = list(worksheet.iter_rows(max_row=HEADER_SEARCH_LINES, values_only=True))
        yield from sheet_chunks(path.name, worksheet.title,
                                worksheet.iter_rows(min_row=header_line, values_only=True),
                                columns, above, header_line, chunk_rows)
    finally:
        workbook.close()
