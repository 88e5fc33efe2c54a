"""Read a CSV source in chunks of text cells, whatever its dialect and encoding.

The delimiter (comma, semicolon, tab or pipe) is the one that splits the header line into
the most fields: header names seldom hold a delimiter, while data cells often do (an
address, "Last, First"). The quote character comes from ``csv.Sniffer`` when it agrees on
that delimiter, else the standard double quote. A row with more fields than the header
keeps its first ones (never is the first column taken as an index, which would shift every
row); a row with fewer has "" for the rest. Blank lines keep their place (line numbers in
reports are the file's), except those after the last filled line; below a quoted cell holding
a line break (a note), reports name the line a row starts on (``file_lines``). Lines above
``source.header_line`` (a report's title, an export date) are not read.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas

from hublink.agent.readers.cells import HEADER_SEARCH_LINES, require_columns
from hublink.agent.readers.encoding import AUTO, FALLBACK_ENCODING, detect_encoding
from hublink.shared.errors import SourceError

__all__ = ["file_lines", "first_csv_rows", "iter_csv", "sniff_dialect"]

DELIMITERS = ",;\t|"
_SAMPLE_CHARACTERS = 16_384


def sniff_dialect(sample: str) -> tuple[str, str]:
    """Given the first characters of a CSV file, returns its (delimiter, quote character)."""
    lines = sample.splitlines()
    header = lines[0] if lines else ""

    def field_count(delimiter: str) -> int:
        return len(next(csv.reader([header], delimiter=delimiter), []))

    delimiter = max(DELIMITERS, key=field_count)
    complete = sample[:sample.rfind("\n") + 1] or sample
    try:
        sniffed = csv.Sniffer().sniff(complete, delimiters=DELIMITERS)
    except csv.Error:
        return delimiter, '"'
    return delimiter, sniffed.quotechar if sniffed.delimiter == delimiter else '"'


def first_csv_rows(sample: str) -> list[list[str]]:
    """Given the first characters of a CSV file, returns its first HEADER_SEARCH_LINES lines as
    rows, split by the delimiter that gives the fullest line (title lines above a header
    hold one field under every delimiter)."""
    lines = sample.splitlines()[:HEADER_SEARCH_LINES]

    def widest(delimiter: str) -> int:
        return max((len(row) for row in csv.reader(lines, delimiter=delimiter)), default=0)

    delimiter = max(DELIMITERS, key=widest)
    return list(csv.reader(lines, delimiter=delimiter))


def _without_trailing_blank_rows(chunks: Iterator[pandas.DataFrame],
                                 chunk_rows: int) -> Iterator[pandas.DataFrame]:
    """Yields the chunks with the blank rows after the last filled one dropped (an editor
    often leaves them); blank rows between filled ones stay, so line numbers hold. Blank rows
    are held as a count, so memory stays bounded however many there are."""
    pending = 0
    for chunk in chunks:
        filled = chunk.ne("").any(axis=1).to_numpy().nonzero()[0]
        if not len(filled):
            pending += len(chunk)
            continue
        while pending:
            rows = min(pending, chunk_rows)
            yield pandas.DataFrame("", index=range(rows), columns=chunk.columns)
            pending -= rows
        last = int(filled[-1]) + 1
        yield chunk.iloc[:last]
        pending = len(chunk) - last


def _encoding_of(path: Path, encoding: str) -> str:
    if encoding == AUTO:
        return detect_encoding(path)
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return "utf-8-sig"  # also reads UTF-8 without a BOM, and keeps a BOM out of the header
    return encoding


def iter_csv(path: Path, columns: list[str], encoding: str, chunk_rows: int,
             header_line: int = 1) -> Iterator[pandas.DataFrame]:
    """Given a CSV path, the configured columns, the configured encoding ("auto": detected),
    a chunk size and the line naming the columns, yields frames of at most ``chunk_rows``
    rows holding exactly those columns as strings ("" when empty); raises SourceError when
    the file is empty, lacks a column, or cannot be decoded or parsed."""
    try:
        actual = _encoding_of(path, encoding)
        with open(path, encoding=actual, errors="replace", newline="") as handle:
            sample = handle.read(_SAMPLE_CHARACTERS)
        below = "\n".join(sample.splitlines()[header_line - 1:])
        delimiter, quotechar = sniff_dialect(below)
        header = next(csv.reader(below.splitlines()[:1], delimiter=delimiter,
                                 quotechar=quotechar), None)
        if not header:
            raise SourceError(f"{path.name} is empty: it needs a header line naming the columns"
                              + (f" (source.header_line = {header_line})" if header_line > 1
                                 else ""))
        require_columns(path.name, header, columns, first_csv_rows(sample), header_line)
        with pandas.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                             encoding=actual, sep=delimiter, quotechar=quotechar,
                             usecols=columns, index_col=False, skiprows=header_line - 1,
                             skip_blank_lines=False,  # a blank line keeps its line number
                             chunksize=chunk_rows) as chunks:
            yield from _without_trailing_blank_rows((chunk[columns] for chunk in chunks),
                                                    chunk_rows)
    except UnicodeDecodeError:
        found = "neither UTF-8 nor Windows-1252" if encoding == AUTO else f"not valid {encoding}"
        raise SourceError(f"{path.name} is {found}: set source.encoding to the file's encoding "
                          f'(for example "auto", "{FALLBACK_ENCODING}" or "latin-1")') from None
    except (pandas.errors.ParserError, pandas.errors.EmptyDataError, ValueError) as error:
        raise SourceError(f"{path.name} cannot be read as CSV: {str(error).strip()}") from None
    except OSError as error:
        raise SourceError(f"{path.name} cannot be read: {error.strerror or error}") from None


def file_lines(path: Path, encoding: str, header_line: int = 1) -> Callable[[int], int]:
    """Given a CSV source, its configured encoding and header line, returns the function from a
    row's line as the agent counts rows (the header line plus the row's place) to the file
    line the row starts on: the two differ below a quoted cell that holds a line break. Reads
    the file once, keeping only where the difference changes; the identity when the file
    cannot be read (reading it for the rows reports why)."""
    starts: list[int] = []  # counted lines from which ...
    shifts: list[int] = []  # ... rows start this many lines further down the file
    try:
        actual = _encoding_of(path, encoding)
        with open(path, encoding=actual, errors="replace", newline="") as handle:
            for _ in range(header_line - 1):
                handle.readline()
            position = handle.tell()
            delimiter, quotechar = sniff_dialect(handle.read(_SAMPLE_CHARACTERS))
            handle.seek(position)
            reader = csv.reader(handle, delimiter=delimiter, quotechar=quotechar)
            consumed = 0
            for index, _ in enumerate(reader):
                shift = consumed - index
                if shift != (shifts[-1] if shifts else 0):
                    starts.append(header_line + index)
                    shifts.append(shift)
                consumed = reader.line_num
    except (OSError, UnicodeError, csv.Error):
        return lambda line: line
    if not starts:
        return lambda line: line

    def file_line(line: int) -> int:
        place = bisect.bisect_right(starts, line) - 1
        return line + (shifts[place] if place >= 0 else 0)
    return file_line
