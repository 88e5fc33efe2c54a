"""Sex codes to the sex feature: "F", "M" or "" (no bits set).

Only codes that mean one thing are read: F, FEMALE, GIRL, WOMAN and M, MALE, BOY, MAN, and
their Spanish (FEMENINO, MUJER, NIÑA; MASCULINO, HOMBRE, NIÑO, ...).
Codes for unknown, not stated, other or non-binary (U, UNKNOWN, X, NB, OTHER, ...) give
"" without a problem. Numeric codes (1, 2, 0) are reported as unknown codes because
systems disagree on them (ISO 5218 has 1 = male, 2 = female; others use 0/1 or the
reverse), and so is W, which in US data is as often a race code (White) mapped to the
wrong column as it is "woman".
"""

from __future__ import annotations

from functools import lru_cache
from string import punctuation

from hublink.agent.normalise.text import cell_text, fold_to_ascii

__all__ = ["normalise_sex"]

_CODES = {
    "F": "F", "FEMALE": "F", "GIRL": "F", "WOMAN": "F", "FEM": "F",
    "M": "M", "MALE": "M", "BOY": "M", "MAN": "M",
    # Spanish, as forms for Spanish-speaking families print them (Niña folds to NINA)
    "FEMENINO": "F", "FEMENINA": "F", "MUJER": "F", "NINA": "F", "CHICA": "F",
    "MASCULINO": "M", "HOMBRE": "M", "NINO": "M", "CHICO": "M", "VARON": "M",
}
_NOT_STATED = frozenset({
    "", "U", "UNK", "UNKNOWN", "X", "NB", "NONBINARY", "NON BINARY", "O", "OTHER", "N",
    "NA", "N A", "NOT STATED", "NOT REPORTED", "NOT SPECIFIED", "UNSPECIFIED", "DECLINED",
    "REFUSED", "PREFER NOT TO SAY", "PREFER NOT TO ANSWER",
})
_PUNCTUATION = str.maketrans({mark: " " for mark in punctuation})


@lru_cache(maxsize=1_024)
def _code(text: str) -> tuple[str, str | None]:
    key = " ".join(fold_to_ascii(text).translate(_PUNCTUATION).split())
    if key in _CODES:
        return _CODES[key], None
    if key in _NOT_STATED:
        return "", None
    return "", "unknown_sex_code"


def normalise_sex(value: object) -> tuple[str, str | None]:
    """Given a sex cell, returns the feature ("F", "M" or "") and the problem kind or None."""
    text = cell_text(value)
    if text is None:
        return "", None
    return _code(text)
