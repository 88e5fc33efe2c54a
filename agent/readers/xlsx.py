"""Read an Excel .xlsx source in chunks, row by row, without loading the workbook whole.

openpyxl's read-only mode streams the sheet's XML, so memory stays bounded by one chunk.
Blank rows inside the data are kept (row numbers in reports then match the sheet); blank
rows after the last data row, which formatting often leaves behind, are dropped. Rows above
``source.header_line`` (a report's title) are not read.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas
from openpyxl.utils.exceptions import InvalidFileException

from hublink.agent.readers.cells import HEADER_SEARCH_LINES, require_columns, source_cell
from hublink.shared.errors import SourceError

__all__ = ["iter_xlsx"]


def iter_xlsx(path: Path, columns: list[str], sheet: str | None, chunk_rows: int,
              header_line: int = 1) -> Iterator[pandas.DataFrame]:
    """Given an .xlsx path, the configured columns, an optional sheet name (default: the
    first sheet), a chunk size and the row naming the columns, yields frames of at most
    ``chunk_rows`` rows holding exactly those columns: text cells ("" when empty), date
    cells as datetimes; raises SourceError when the file or sheet cannot be read or lacks a
    column."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise SourceError(f"{path.name} cannot be read as .xlsx: {type(error).__name__}") from None
    try:
        if sheet and sheet not in workbook.sheetnames:
            raise SourceError(f"{path.name} has no sheet {sheet!r}",
                              details=[f"its sheets: {', '.join(workbook.sheetnames)}"])
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        worksheet.reset_dimensions()  # some exporters write a wrong size; read what is there
        above = list(worksheet.iter_rows(max_row=HEADER_SEARCH_LINES, values_only=True))
        rows = worksheet.iter_rows(min_row=header_line, values_only=True)
        header = next(rows, None)
        if not header or all(cell is None for cell in header):
            raise SourceError(f"{path.name} sheet {worksheet.title!r} is empty: its row "
                              f"{header_line} (source.header_line) must name the columns")
        names = ["" if cell is None else str(cell) for cell in header]
        require_columns(path.name, names, columns, above, header_line)
        positions = [names.index(column) for column in columns]
        blank = tuple("" for _ in columns)
        buffer: list[tuple[object, ...]] = []
        pending_blank_rows = 0
        for row in rows:
            if all(cell is None for cell in row):
                pending_blank_rows += 1
                continue
            for _ in range(pending_blank_rows):
                buffer.append(blank)
                if len(buffer) >= chunk_rows:
                    yield pandas.DataFrame(buffer, columns=columns, dtype=object)
                    buffer = []
            pending_blank_rows = 0
            buffer.append(tuple(source_cell(row[position]) if position < len(row) else ""
                                for position in positions))
            if len(buffer) >= chunk_rows:
                yield pandas.DataFrame(buffer, columns=columns, dtype=object)
                buffer = []
        if buffer:
            yield pandas.DataFrame(buffer, columns=columns, dtype=object)
    finally:
        workbook.close()
