"""The opt-out list: record keys of people whose records must not leave the building.

The file holds one record key per line, or is a CSV whose header has a ``record_key``
column (any case). Keys are compared after trimming spaces, as record keys are read.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hublink.agent.normalise.text import record_key_text
from hublink.shared.errors import SourceError

__all__ = ["OPT_OUT_COLUMN", "read_opt_out_file"]

OPT_OUT_COLUMN = "record_key"


def read_opt_out_file(path: Path | None) -> frozenset[str]:
    """Given the opt-out file (None: no list), returns its record keys; raises SourceError
    when a configured file is missing or unreadable, so opted-out records are never sent
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
    if OPT_OUT_COLUMN in columns:
        position = columns.index(OPT_OUT_COLUMN)
        rows = csv.reader(io.StringIO("\n".join(lines[1:])))
        keys = (row[position] for row in rows if len(row) > position)
    else:
        keys = iter(lines)
    return frozenset(key for key in map(record_key_text, keys) if key is not None)
