"""Cells that are safe to open in a spreadsheet (CSV formula injection, CWE-1236).

Every CSV the product writes (analyst export, published tables, link files) passes each cell
through ``safe_cell``: a text cell that a spreadsheet would read as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with a single quote, which
spreadsheets show as text and never evaluate. Numbers written as numbers are left alone, so a
count of ``-1`` stays a number; a text cell such as ``-2+3+cmd`` is neutralised. Pure: no I/O.
"""

from __future__ import annotations

__all__ = ["FORMULA_PREFIXES", "safe_cell", "safe_row"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Given a cell value, returns it unchanged unless it is text a spreadsheet would evaluate,
    which is returned prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(row: list | tuple) -> list:
    """Given a row of cells, returns the row with every cell made safe."""
    return [safe_cell(value) for value in row]
