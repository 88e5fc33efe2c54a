"""Text primitives shared by the identifier normalisers: cell values to text, text to ASCII.

Every feature is upper-case ASCII, so each normaliser first folds its input here: letters
that Unicode decomposition does not reduce to ASCII (ß, Æ, Ø, Ł, Đ, Þ, Œ, ı) are spelled
out, accents are dropped, and whatever is still not ASCII (another script) is dropped.
"""

from __future__ import annotations

import unicodedata

__all__ = ["cell_text", "fold_to_ascii", "is_missing", "record_key_text"]

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


def fold_to_ascii(text: str) -> str:
    """Given text, returns it upper-cased ASCII: accents dropped, special letters spelled
    out (ß -> SS, Æ -> AE, Ł -> L), characters of other scripts removed."""
    if text.isascii():
        return text.upper()
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT))
    return decomposed.encode("ascii", "ignore").decode("ascii").upper()
