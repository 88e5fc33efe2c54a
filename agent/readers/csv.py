"""Read a CSV source in chunks of text cells, whatever its dialect and encoding.

The delimiter (comma, semicolon, tab or pipe) is the one that splits the header line into
the most fields: header names seldom hold a delimiter, while data cells often do (an
address, "Last, First"). The quote character comes from ``csv.Sniffer`` when it agrees on
that delimiter, else the standard double quote. A row with more fields than the header
keeps its first ones (never is the first column taken as an index, which would shift every
row); a row with fewer has "" for the rest.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pandas

from hublink.agent.readers.cells import require_columns
from hublink.agent.readers.encoding import AUTO, FALLBACK_ENCODING, detect_encoding
from hublink.shared.errors import SourceError

__all__ = ["iter_csv", "sniff_dialect"]

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


def _encoding_of(path: Path, encoding: str) -> str:
    if encoding == AUTO:
        return detect_encoding(path)
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return "utf-8-sig"  # also reads UTF-8 without a BOM, and keeps a BOM out of the header
    return encoding


def iter_csv(path: Path, columns: list[str], encoding: str,
             chunk_rows: int) -> Iterator[pandas.DataFrame]:
    """Given a CSV path, the configured columns, the configured encoding ("auto": detected)
    and a chunk size, yields frames of at most ``chunk_rows`` rows holding exactly those
    columns as strings ("" when empty); raises SourceError when the file is empty, lacks a
    column, or cannot be decoded or parsed."""
    try:
        actual = _encoding_of(path, encoding)
        with open(path, encoding=actual, errors="replace", newline="") as handle:
            sample = handle.read(_SAMPLE_CHARACTERS)
        delimiter, quotechar = sniff_dialect(sample)
        header = next(csv.reader(sample.splitlines()[:1], delimiter=delimiter,
                                 quotechar=quotechar), None)
        if not header:
            raise SourceError(f"{path.name} is empty: it needs a header line naming the columns")
        require_columns(path.name, header, columns)
        with pandas.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                             encoding=actual, sep=delimiter, quotechar=quotechar,
                             usecols=columns, index_col=False,
                             chunksize=chunk_rows) as chunks:
            for chunk in chunks:
                yield chunk[columns]
    except UnicodeDecodeError:
        found = "neither UTF-8 nor Windows-1252" if encoding == AUTO else f"not valid {encoding}"
        raise SourceError(f"{path.name} is {found}: set source.encoding to the file's encoding "
                          f'(for example "auto", "{FALLBACK_ENCODING}" or "latin-1")') from None
    except (pandas.errors.ParserError, pandas.errors.EmptyDataError, ValueError) as error:
        raise SourceError(f"{path.name} cannot be read as CSV: {str(error).strip()}") from None
    except OSError as error:
        raise SourceError(f"{path.name} cannot be read: {error.strerror or error}") from None
