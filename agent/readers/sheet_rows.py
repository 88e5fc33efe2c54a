"""Rows of a spreadsheet (.xlsx or .xls) to chunks of the configured columns.

Both workbook readers hand their rows here, cells as the library returns them (None for an
empty cell), so the two formats keep one rule: blank rows inside the data are kept (row numbers
in reports then match the sheet), blank rows after the last data row, which formatting often
leaves behind, are dropped, and the header must name every configured column once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pandas

from hublink.agent.readers.cells import require_columns, source_cell
from hublink.shared.errors import SourceError

__all__ = ["sheet_chunks"]


def sheet_chunks(file_name: str, sheet_title: str, rows: Iterator[Sequence[object]],
                 columns: list[str], above: Sequence[Sequence[object]], header_line: int,
                 chunk_rows: int) -> Iterator[pandas.DataFrame]:
    """Given the file's name, the sheet's title, its rows from ``header_line`` on (the header
    first), the configured columns, the sheet's first rows (to point at the right header
    line), the header line and a chunk size, yields frames of at most ``chunk_rows`` rows
    holding exactly those columns (``cells.source_cell``); raises SourceError, before
    yielding, when the header row is empty or does not name each column once."""
    header = next(rows, None)
    if not header or all(cell is None for cell in header):
        raise SourceError(f"{file_name} sheet {sheet_title!r} is empty: its row {header_line} "
                          "(source.header_line) must name the columns")
    names = ["" if cell is None else str(cell) for cell in header]
    require_columns(file_name, names, columns, above, header_line)
    positions = [names.index(column) for column in columns]
    yield from _chunks(rows, positions, columns, chunk_rows)


def _chunks(rows: Iterable[Sequence[object]], positions: list[int], columns: list[str],
            chunk_rows: int) -> Iterator[pandas.DataFrame]:
    blank = tuple("" for _ in columns)
    buffer: list[tuple[object, ...]] = []
    pending_blank_rows = 0
    for row in rows:
        if all(cell is None or cell == "" for cell in row):
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
