"""The opt-out list: record keys of people whose records must not leave the building.

The file holds one record key per line, or is a CSV whose header has a ``record_key``
column (any case). Keys are compared after trimming spaces, as record keys are read. When
the record key is made of several columns (a file without an ID), the list is a CSV whose
header holds each of those columns (any case), read into keys as the source's rows are.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas

from hublink.agent.normalise.text import record_key_text, record_keys_of
from hublink.shared.errors import SourceError

__all__ = ["OPT_OUT_COLUMN", "read_opt_out_file"]

OPT_OUT_COLUMN = "record_key"


def read_opt_out_file(path: Path | None, key_columns: list[str]) -> frozenset[str]:
    """Given the opt-out file (None: no list) and the record key's column(s), returns its
    record keys; raises SourceError when a configured file is missing or unreadable, or
    lacks a column of a record key made of several, so opted-out records are never sent
    by mistake."""
    if path is None:
        return frozenset()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourceError(f"opt-out file {path} does not exist; create it (it may be empty) "
                          "or remove source.opt_out_file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"opt-out file {path} cannot be read: {error.__class__.__name__}") \
            from None
    lines = text.splitlines()
    header = next(csv.reader(lines[:1]), []) if lines else []
    columns = [name.strip().casefold() for name in header]
    if len(key_columns) > 1:
        return _composite_keys(path, lines, columns, key_columns)
    if OPT_OUT_COLUMN in columns:
        position = columns.index(OPT_OUT_COLUMN)
        rows = csv.reader(io.StringIO("\n".join(lines[1:])))
        keys = (row[position] for row in rows if len(row) > position)
    else:
        keys = iter(lines)
    return frozenset(key for key in map(record_key_text, keys) if key is not None)


def _composite_keys(path: Path, lines: list[str], columns: list[str],
                    key_columns: list[str]) -> frozenset[str]:
    missing = [name for name in key_columns if name.strip().casefold() not in columns]
    if missing:
        raise SourceError(f"opt-out file {path} must be a CSV whose first line names the record "
                          f"key's columns ({', '.join(key_columns)}); it lacks "
                          + ", ".join(missing))
    rows = [row + [""] * (len(columns) - len(row)) for row in csv.reader(lines[1:]) if row]
    frame = pandas.DataFrame([[row[columns.index(name.strip().casefold())]
                               for name in key_columns] for row in rows],
                             columns=key_columns, dtype=object)
    return frozenset(key for key in record_keys_of(frame, key_columns) if key is not None)
