"""Read an Excel .xlsx source into a table of strings and dates."""

from __future__ import annotations

from pathlib import Path

import pandas

from hublink.shared.errors import SourceError

__all__ = ["read_xlsx"]


def read_xlsx(path: Path, columns: list[str], sheet: str | None = None) -> pandas.DataFrame:
    """Given an .xlsx path, the needed columns and an optional sheet name, returns the
    sheet; cells Excel stores as dates stay dates; raises SourceError if unreadable."""
    try:
        frame = pandas.read_excel(path, sheet_name=sheet if sheet else 0, dtype=object,
                                  usecols=lambda name: name in columns, engine="openpyxl")
    except ValueError as error:
        raise SourceError(f"{path.name}: {error}") from None
    except OSError as error:
        raise SourceError(f"{path.name} cannot be read as .xlsx: {type(error).__name__}") from None
    return frame.map(_cell_text)


def _cell_text(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, int)):
        return str(value)
    return value
