"""Text primitives shared by the identifier normalisers: cell values to text, text to ASCII.

Every feature is upper-case ASCII, so each normaliser first folds its input here: letters
that Unicode decomposition does not reduce to ASCII (ß, Æ, Ø, Ł, Đ, Þ, Œ, ı) are spelled
out, accents are dropped, and whatever is still not ASCII (another script) is dropped.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas

__all__ = ["KEY_PART_SEPARATOR", "cell_text", "fold_to_ascii", "is_missing", "record_key_text",
           "record_keys_of"]

# Joins the parts of a record key made of several columns; no cell holds it.
KEY_PART_SEPARATOR = "\x1f"

_SPELLED_OUT = str.maketrans({
    "ß": "SS", "ẞ": "SS", "Æ": "AE", "æ": "AE", "Œ": "OE", "œ": "OE", "Ø": "O", "ø": "O",
    "Ł": "L", "ł": "L", "Đ": "D", "đ": "D", "Ð": "D", "ð": "D", "Þ": "TH", "þ": "TH",
    "ı": "I", "Ħ": "H", "ħ": "H", "Ŧ": "T", "ŧ": "T", "ĸ": "K", "Ŋ": "NG", "ŋ": "NG",
    # Typographic apostrophes and accents used as apostrophes: removed like "'" itself,
    # before decomposition turns the spacing accents into a space.
    "’": "'", "‘": "'", "ʼ": "'", "ʻ": "'", "`": "'", "´": "'", "′": "'",
    # Typographic dashes become the ASCII hyphen, so callers treat them alike.
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
})

_MISSING_TYPES = frozenset({"NAType", "NaTType"})


def is_missing(value: object) -> bool:
    """Given a cell value, returns True for None, NaN, pandas NA/NaT and blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if type(value).__name__ in _MISSING_TYPES:
        return True
    if isinstance(value, float):
        return value != value
    return False


def cell_text(value: object) -> str | None:
    """Given a cell value of any type, returns its text, or None when the cell is missing.

    Whole floats lose their ``.0`` (a spreadsheet's 21201.0 is the ZIP 21201).
    """
    if is_missing(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def record_key_text(value: object) -> str | None:
    """Given a record-key cell (or an opt-out file's line), returns the key as the agent
    uses it everywhere, its text without surrounding space, or None when there is none."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _key_part(value: object) -> str:
    text = cell_text(value)
    return " ".join(text.split()).casefold() if text else ""


def record_keys_of(frame: pandas.DataFrame, columns: list[str]) -> list[str | None]:
    """Given source rows and the record-key column(s), returns each row's record key as the
    agent uses it everywhere (None: the row has none). One column: its text without
    surrounding space (``record_key_text``). Several (a file without an ID): their texts with
    runs of space collapsed and case folded, joined by ``KEY_PART_SEPARATOR``; None only when
    every part is empty, so rows that differ in any part are different records."""
    if len(columns) == 1:
        return [record_key_text(value) for value in frame[columns[0]].tolist()]
    keys: list[str | None] = []
    for parts in zip(*(frame[column].tolist() for column in columns)):
        texts = [_key_part(value) for value in parts]
        keys.append(KEY_PART_SEPARATOR.join(texts) if any(texts) else None)
    return keys


def fold_to_ascii(text: str) -> str:
    """Given text, returns it upper-cased ASCII: accents dropped, special letters spelled
    out (ß -> SS, Æ -> AE, Ł -> L), characters of other scripts removed."""
    if text.isascii():
        return text.upper()
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT))
    return decomposed.encode("ascii", "ignore").decode("ascii").upper()
