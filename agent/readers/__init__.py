"""Source readers: stream a CSV, .xlsx, .xls or database source in chunks of the configured columns.

``iter_source`` is the one entry point that bounds memory: each reader checks that the
configured columns exist before yielding anything, then yields at most ``chunk_rows`` rows
at a time. ``read_source`` joins the chunks for callers that want the whole table.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas

from hublink.agent.readers.csv import iter_csv
from hublink.agent.readers.xls import iter_xls, xls_previews
from hublink.agent.readers.xlsx import iter_xlsx, xlsx_previews
from hublink.shared.errors import SourceError

if TYPE_CHECKING:
    from hublink.agent.config import AgentConfig

__all__ = ["CSV_SUFFIXES", "WORKBOOK_SUFFIXES", "iter_source", "iter_workbook", "read_source",
           "sheet_lines", "workbook_previews"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
XLS_SUFFIXES = (".xls",)
WORKBOOK_SUFFIXES = XLSX_SUFFIXES + XLS_SUFFIXES
SUPPORTED = ".csv, .tsv, .txt, .xlsx or .xls"
"""How messages name the file types a source may be."""


def iter_workbook(path: Path, columns: list[str], sheet: str | list[str] | None, chunk_rows: int,
                  header_line: int = 1) -> Iterator[pandas.DataFrame]:
    """Given a workbook (.xlsx or .xls, by its suffix) and what ``iter_xlsx`` takes, yields
    its chunks as ``iter_xlsx`` does; given a list of sheets, each sheet's in turn (a chunk
    never spans two sheets)."""
    reader = iter_xls if path.suffix.lower() in XLS_SUFFIXES else iter_xlsx
    if not isinstance(sheet, list):
        return reader(path, columns, sheet, chunk_rows, header_line)
    return (chunk for name in sheet for chunk in reader(path, columns, name, chunk_rows, header_line))


def sheet_lines(path: Path, columns: list[str], sheets: list[str],
                header_line: int = 1) -> Callable[[int], str]:
    """Given a workbook, the configured columns, the sheets a source reads one after another
    and their header line, returns what turns a counted line (``header_line`` + 1 + the data
    row's index over all sheets, as ``prepare`` numbers rows) into "Sheet row N"; reads the
    sheets once more to count their rows (as ``iter_workbook`` yields them)."""
    starts, names = [], []
    start = 0
    for name in sheets:
        starts.append(start)
        names.append(name)
        start += sum(len(chunk) for chunk in iter_workbook(path, columns, name, 50_000, header_line))

    def line_of(line: int) -> str:
        index = line - header_line - 1
        sheet = bisect.bisect_right(starts, index) - 1
        return f"{names[sheet]} row {header_line + 1 + index - starts[sheet]}"
    return line_of


def workbook_previews(path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Given a workbook (.xlsx or .xls), returns each sheet's title and first rows."""
    return (xls_previews if path.suffix.lower() in XLS_SUFFIXES else xlsx_previews)(path)


def _chunks(config: AgentConfig, chunk_rows: int) -> Iterator[pandas.DataFrame]:
    columns = config.source_columns
    if config.source_url:
        from hublink.agent.readers.sql import iter_sql  # SQLAlchemy only for database sources
        return iter_sql(config.source_url, columns, query=config.source_query,
                        table=config.source_table, password_env=config.password_env,
                        chunk_rows=chunk_rows)
    path = config.source_path
    if path is None or not path.is_file():
        raise SourceError(f"source file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return iter_csv(path, columns, config.encoding, chunk_rows, config.header_line)
    if suffix in WORKBOOK_SUFFIXES:
        return iter_workbook(path, columns, config.sheet, chunk_rows, config.header_line)
    raise SourceError(f"source file type {suffix!r} is not supported: use {SUPPORTED}, or a "
                      "database through source.url")


def iter_source(config: AgentConfig,
                chunk_rows: int | None = None) -> Iterator[tuple[int, pandas.DataFrame]]:
    """Given the configuration and a chunk size (default: ``source.chunk_rows``), yields
    (index of the chunk's first data row, counting from 0, chunk) with the configured
    columns in configuration order (and, when identifiers.dob names three columns, the date
    they make as ``DATE_FROM_PARTS_COLUMN``, ``AgentConfig.dob_column``), text cells ("" when
    empty) and date cells of spreadsheets and databases as dates; the chunk's index holds the
    data row indexes.
    Raises SourceError, before yielding anything, when the source is missing, unreadable,
    of an unknown type or lacks configured columns, and later when a row cannot be read."""
    size = chunk_rows or config.chunk_rows
    if size < 1:
        raise ValueError("chunk_rows must be at least 1")
    start = 0
    # normalise imports settings, which imports readers.cells: imported here, not above
    from hublink.agent.normalise.dates import DATE_FROM_PARTS_COLUMN, dates_from_parts
    dob_parts = config.identifiers.get("dob")
    for chunk in _chunks(config, size):
        if chunk.empty:
            continue
        chunk.index = pandas.RangeIndex(start, start + len(chunk))
        if isinstance(dob_parts, list):
            chunk = chunk.assign(**{DATE_FROM_PARTS_COLUMN: dates_from_parts(chunk, dob_parts)})
        yield start, chunk
        start += len(chunk)


def read_source(config: AgentConfig) -> pandas.DataFrame:
    """Given the configuration, returns the whole source's configured columns (as
    ``iter_source`` reads them, joined); raises SourceError like ``iter_source``."""
    frames = [chunk for _, chunk in iter_source(config)]
    if not frames:
        return pandas.DataFrame({column: pandas.Series(dtype=object)
                                 for column in config.source_columns})
    return pandas.concat(frames, ignore_index=True)
