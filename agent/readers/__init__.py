"""Source readers: stream a CSV, .xlsx, .xls or database source in chunks of the configured columns.

``iter_source`` is the one entry point that bounds memory: each reader checks that the
configured columns exist before yielding anything, then yields at most ``chunk_rows`` rows
at a time. ``read_source`` joins the chunks for callers that want the whole table.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas

from hublink.agent.readers.csv import file_lines, iter_csv
from hublink.agent.readers.xls import iter_xls, xls_previews
from hublink.agent.readers.xlsx import iter_xlsx, xlsx_previews
from hublink.shared.errors import SourceError

if TYPE_CHECKING:
    from hublink.agent.config import AgentConfig

__all__ = ["CSV_SUFFIXES", "WORKBOOK_SUFFIXES", "FileSource", "enrollment_file", "is_pattern",
           "iter_enrollment_file", "iter_source", "iter_workbook", "read_source", "roster_file",
           "source_files", "source_lines", "workbook_previews"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
XLS_SUFFIXES = (".xls",)
WORKBOOK_SUFFIXES = XLSX_SUFFIXES + XLS_SUFFIXES
SUPPORTED = ".csv, .tsv, .txt, .xlsx or .xls"
"""How messages name the file types a source may be."""
_WILDCARD = re.compile(r"[*?\[]")


def iter_workbook(path: Path, columns: list[str], sheet: str | list[str] | None, chunk_rows: int,
                  header_line: int = 1) -> Iterator[pandas.DataFrame]:
    """Given a workbook (.xlsx or .xls, by its suffix) and what ``iter_xlsx`` takes, yields
    its chunks as ``iter_xlsx`` does; given a list of sheets, each sheet's in turn (a chunk
    never spans two sheets)."""
    reader = iter_xls if path.suffix.lower() in XLS_SUFFIXES else iter_xlsx
    if not isinstance(sheet, list):
        return reader(path, columns, sheet, chunk_rows, header_line)
    return (chunk for name in sheet for chunk in reader(path, columns, name, chunk_rows, header_line))


def workbook_previews(path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Given a workbook (.xlsx or .xls), returns each sheet's title and first rows."""
    return (xls_previews if path.suffix.lower() in XLS_SUFFIXES else xlsx_previews)(path)


def is_pattern(path: Path) -> bool:
    """Whether ``source.path`` names files by a wildcard (``exports/*.csv``)."""
    return bool(_WILDCARD.search(path.name))


def source_files(path: Path) -> list[Path]:
    """Given ``source.path``, returns the files it names: itself, or, for a name with a
    wildcard (``exports/*.csv``: a folder a program drops each month's export into), every file
    it matches in that folder, sorted by name. Raises SourceError when there is none."""
    if is_pattern(path):
        files = sorted(match for match in path.parent.glob(path.name) if match.is_file())
        if not files:
            raise SourceError(f"no file in {path.parent} matches {path.name!r} (source.path)")
        return files
    if not path.is_file():
        raise SourceError(f"source file {path} does not exist")
    return [path]


@dataclass(frozen=True)
class FileSource:
    """A file source as the readers take it: a path (a wildcard may match several files), the
    sheet or sheets of a workbook, the header line, the text encoding of a CSV file and the
    columns to read."""

    path: Path
    sheet: str | list[str] | None
    header_line: int
    encoding: str
    columns: list[str]

    def parts(self) -> list[tuple[Path, str | None]]:
        """Returns the (file, sheet) parts read one after another."""
        sheets = self.sheet if isinstance(self.sheet, list) else [self.sheet]
        return [(file, sheet) for file in source_files(self.path)
                for sheet in (sheets if file.suffix.lower() in WORKBOOK_SUFFIXES else [None])]

    def part_chunks(self, file: Path, sheet: str | None,
                    chunk_rows: int) -> Iterator[pandas.DataFrame]:
        """Yields one part's chunks."""
        suffix = file.suffix.lower()
        if suffix in CSV_SUFFIXES:
            return iter_csv(file, self.columns, self.encoding, chunk_rows, self.header_line)
        if suffix in WORKBOOK_SUFFIXES:
            return iter_workbook(file, self.columns, sheet, chunk_rows, self.header_line)
        raise SourceError(f"source file type {suffix!r} is not supported: use {SUPPORTED}, or "
                          "a database through source.url")

    def chunks(self, chunk_rows: int) -> Iterator[pandas.DataFrame]:
        """Yields every part's chunks in turn, each part's header checked before any row."""
        parts = self.parts()
        if len(parts) == 1:
            return self.part_chunks(*parts[0], chunk_rows)
        for part in parts:
            next(iter(self.part_chunks(*part, 1)), None)
        return (chunk for part in parts for chunk in self.part_chunks(*part, chunk_rows))

    def lines(self) -> Callable[[int], int | str] | None:
        """Returns what turns a row's counted line (the header line plus the row's place over
        all parts, as ``prepare`` numbers rows) into the line a person finds it on: the CSV
        file's own line (``readers.csv.file_lines``), and for several files or sheets
        "june.csv line 5" or "July row 5"; None when the counted line is that line already
        (one sheet). Reads a source of several parts once more, to count each part's rows as
        the readers yield them."""
        parts = self.parts()
        local = [file_lines(file, self.encoding, self.header_line)
                 if file.suffix.lower() in CSV_SUFFIXES else None for file, _ in parts]
        if len(parts) == 1:
            return local[0]
        several_files = len({file for file, _ in parts}) > 1
        labels = [" ".join(part for part in ((file.name if several_files else ""), sheet or "")
                           if part) + (" line" if sheet is None else " row")
                  for file, sheet in parts]
        starts, start = [], 0
        for part in parts:
            starts.append(start)
            start += sum(len(chunk) for chunk in self.part_chunks(*part, 50_000))
        first = self.header_line + 1

        def line_of(line: int) -> str:
            index = line - first
            place = max(0, bisect.bisect_right(starts, index) - 1)
            counted = first + index - starts[place]
            return f"{labels[place]} {local[place](counted) if local[place] else counted}"
        return line_of


def roster_file(config: AgentConfig) -> FileSource | None:
    """Returns the source as a file source (None for a database)."""
    if config.source_url:
        return None
    if config.source_path is None:
        raise SourceError("source.path or source.url must be set")
    return FileSource(config.source_path, config.sheet, config.header_line, config.encoding,
                      config.source_columns)


def enrollment_file(config: AgentConfig) -> FileSource | None:
    """Returns ``enrollment_file`` as a file source (None when enrollments are in the roster)."""
    if not config.enrollment_file_path:
        return None
    return FileSource(config.enrollment_file_path, config.enrollment_file_sheet,
                      config.enrollment_file_header_line, config.encoding,
                      config.enrollment_file_columns)


def _chunks(config: AgentConfig, chunk_rows: int) -> Iterator[pandas.DataFrame]:
    roster = roster_file(config)
    if roster is not None:
        return roster.chunks(chunk_rows)
    from hublink.agent.readers.sql import iter_sql  # SQLAlchemy only for database sources
    return iter_sql(config.source_url, config.source_columns, query=config.source_query,
                    table=config.source_table, password_env=config.password_env,
                    chunk_rows=chunk_rows)


def source_lines(config: AgentConfig) -> Callable[[int], int | str] | None:
    """Given the configuration, returns ``FileSource.lines`` of the source (None for a
    database, whose rows have no lines but their place)."""
    roster = roster_file(config)
    return roster.lines() if roster is not None else None


def iter_enrollment_file(config: AgentConfig, chunk_rows: int | None = None
                         ) -> Iterator[tuple[int, pandas.DataFrame]]:
    """Given a configuration with ``enrollment_file``, yields its chunks as ``iter_source``
    yields the source's: (index of the chunk's first row, chunk of its key and [enrollments]
    columns)."""
    source = enrollment_file(config)
    if source is None:
        return
    start = 0
    for chunk in source.chunks(chunk_rows or config.chunk_rows):
        if chunk.empty:
            continue
        chunk.index = pandas.RangeIndex(start, start + len(chunk))
        yield start, chunk
        start += len(chunk)


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
