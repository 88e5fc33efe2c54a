"""What every reader hands over: exactly the configured columns, with cells as text.

Empty cells become "", numbers their text (a spreadsheet's 21201.0 is "21201"), and date
cells of a spreadsheet or a database stay dates, so no date format has to be guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import numpy
import pandas

from hublink.shared.errors import SourceError

__all__ = ["HEADER_SEARCH_LINES", "header_position", "repeated_header_rows", "require_columns",
           "source_cell"]

HEADER_SEARCH_LINES = 30
"""A header below a report's title lines is looked for in this many first lines."""


def source_cell(value: object) -> object:
    """Given a cell as a spreadsheet or database driver returns it, returns its text ("" when
    empty), or the value itself for a date or datetime."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _folded(name: str) -> str:
    return name.replace("\ufeff", "").strip().casefold()


def repeated_header_rows(frame: pandas.DataFrame, columns: Sequence[str]) -> numpy.ndarray:
    """Given source rows and the columns a configuration names, returns which rows repeat the
    header: at least two of those columns, and half of them, hold their own column name (as
    the header spells it, in capitals or in lower case, surrounding space ignored). Files
    appended one to another (a month's export added to the last) carry such a row at each
    join; read as data, it would be a youth named "First Name"."""
    present = [column for column in dict.fromkeys(columns) if column in frame.columns]
    matches = numpy.zeros(len(frame), dtype=numpy.int64)
    for column in present:
        name = column.replace("\ufeff", "").strip()
        spellings = {column, name, name.upper(), name.lower(), f" {name}", f"{name} "}
        matches += frame[column].isin(spellings).to_numpy()
    return (matches >= 2) & (2 * matches >= len(present))


def require_columns(source_name: str, available: Sequence[object], wanted: Sequence[str],
                    first_rows: Sequence[Sequence[object]] = (), header_line: int = 1) -> None:
    """Given the source's name, the column names it has (on ``header_line``) and the
    configured ones, returns when every configured column exists once; raises SourceError
    naming a configured column the header holds twice, else listing each missing column,
    with the source's spelling when only case or spaces differ, and the line among
    ``first_rows`` (the file's first lines) that names them all, if one does."""
    names = ["" if name is None else str(name) for name in available]
    twice = [name for name in dict.fromkeys(wanted) if names.count(name) > 1]
    if twice:
        raise SourceError(f"{source_name}: line {header_line} names {len(twice)} configured "
                          "column(s) more than once, so which to read is not known",
                          details=[f"rename one of the columns {name!r}" for name in twice])
    missing = [name for name in wanted if name not in names]
    if not missing:
        return
    for line, row in enumerate(first_rows, start=1):
        if line != header_line and set(wanted) <= {"" if cell is None else str(cell)
                                                   for cell in row}:
            raise SourceError(
                f"{source_name}: line {header_line} does not name the configured columns; "
                f"line {line} does", details=[f"set source.header_line = {line}"])
    by_folded: dict[str, str] = {}
    for name in names:
        by_folded.setdefault(_folded(name), name)
    details = []
    for name in missing:
        near = by_folded.get(_folded(name))
        hint = f" (the source has {near!r}: names must match exactly)" if near else ""
        details.append(f"column {name!r} not found{hint}")
    raise SourceError(f"{source_name} lacks {len(missing)} configured column(s)", details=details)


def header_position(rows: Sequence[Sequence[object]]) -> int:
    """Given a source's first rows (at most HEADER_SEARCH_LINES), returns the index of the one
    that names the columns: the first holding at least two cells and at least 0.6 of the
    fullest row's, so a report's title, export date or blank lines above it are passed over
    (0 when no row qualifies)."""
    filled = [sum(1 for cell in row if cell is not None and str(cell).strip()) for row in rows]
    needed = max(2, 0.6 * max(filled, default=0))
    return next((index for index, count in enumerate(filled) if count >= needed), 0)
