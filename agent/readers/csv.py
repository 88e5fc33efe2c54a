"""Read a CSV source into a table of strings."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas

from hublink.shared.errors import SourceError

__all__ = ["read_csv"]


def read_csv(path: Path, columns: list[str], encoding: str = "utf-8-sig") -> pandas.DataFrame:
    """Given a CSV path and the needed columns, returns them as strings ("" when empty);
    raises SourceError when the file cannot be read."""
    try:
        return pandas.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                               encoding=encoding, usecols=lambda name: name in columns,
                               sep=_sniff_delimiter(path, encoding))
    except UnicodeDecodeError:
        raise SourceError(f"{path.name} is not valid {encoding}: set source.encoding "
                          '(for example "cp1252")') from None
    except (pandas.errors.ParserError, pandas.errors.EmptyDataError, OSError) as error:
        raise SourceError(f"{path.name} cannot be read as CSV: {type(error).__name__}") from None


def _sniff_delimiter(path: Path, encoding: str) -> str:
    """Returns the delimiter of the file's first lines: comma, semicolon, tab or pipe."""
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(65536)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","
