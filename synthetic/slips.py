"""Slips in one value, as a clerk makes them: keyboard typos, lost accents, punctuation, a
year's digit.

Each function draws only from the ``random.Random`` it is given, so a seed gives the same
slips (``corruption.corrupt`` decides which record gets which).
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date

__all__ = ["change_year_digit", "has_punctuation", "punctuation_variant", "strip_accents", "typo"]

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, str] = {}
for _row_index, _row in enumerate(_KEYBOARD_ROWS):
    for _column, _key in enumerate(_row):
        _near = [_row[i] for i in (_column - 1, _column + 1) if 0 <= i < len(_row)]
        for _other_row in (_row_index - 1, _row_index + 1):
            if 0 <= _other_row < len(_KEYBOARD_ROWS):
                _above_below = _KEYBOARD_ROWS[_other_row]
                _near += [c for i, c in enumerate(_above_below) if abs(i - _column) <= 1]
        _NEIGHBOURS[_key] = "".join(_near)

_INNER_CAPITAL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def strip_accents(text: str) -> str:
    """Given text, returns it without combining accents (García -> Garcia)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def typo(rng: random.Random, name: str) -> str:
    """Given a name, returns it with one substitution, deletion, insertion or transposition."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 2:
        return name
    kind = rng.choice(("substitute", "delete", "insert", "transpose"))
    pairs = [i for i in letters[:-1] if name[i + 1].isalpha()
             and name[i].lower() != name[i + 1].lower()]
    if kind == "transpose" and pairs:
        low = rng.choice(pairs)
        first, second = name[low], name[low + 1]
        # The case stays with the position: Marcus -> aMrcus would be a rarer slip than Amrcus.
        first, second = (second.upper() if first.isupper() else second.lower(),
                         first.upper() if second.isupper() else first.lower())
        return name[:low] + first + second + name[low + 2:]
    position = rng.choice(letters)
    char = name[position]
    replacement = rng.choice(_NEIGHBOURS.get(char.lower(), "e"))
    if kind == "delete":
        return name[:position] + name[position + 1:]
    if kind == "insert":
        return name[:position + 1] + replacement + name[position + 1:]
    replacement = replacement.upper() if char.isupper() else replacement
    return name[:position] + replacement + name[position + 1:]


def punctuation_variant(rng: random.Random, name: str) -> str:
    """Given a name with an apostrophe, a hyphen or an inner capital (see ``has_punctuation``),
    returns it written another way: O'Neil -> ONeil, Oneil or O Neil; the name itself when
    there is no other way."""
    plain = name.replace("'", "").replace("-", "")
    choices = [plain, plain.capitalize() if plain[:1].isupper() else plain,
               _INNER_CAPITAL.sub(" ", name.replace("'", " ").replace("-", " ")).replace("  ", " ")]
    options = [c for c in choices if c != name]
    return rng.choice(options) if options else name


def has_punctuation(name: str) -> bool:
    """Whether ``name`` holds an apostrophe, a hyphen or a capital inside it (McDonald)."""
    return "'" in name or "-" in name or bool(_INNER_CAPITAL.search(name))


def change_year_digit(rng: random.Random, birth: date) -> date:
    """Given a birth date, returns it with the year's last digit one off (mostly) or its decade
    ten years off; 29 February becomes the 28th."""
    year = birth.year
    if rng.random() < 0.8:
        year = year - year % 10 + (year % 10 + rng.choice((-1, 1))) % 10
    else:
        year = year + rng.choice((-10, 10))
    day = 28 if (birth.month, birth.day) == (2, 29) else birth.day
    return birth.replace(year=year, day=day)
