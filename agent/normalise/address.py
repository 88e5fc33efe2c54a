"""Address, city and ZIP to their features.

Street: upper-case ASCII, punctuation removed, USPS standard abbreviations for street
suffixes and directions (STREET -> ST, AVENUE -> AVE, NORTH -> N, SAINT -> ST), and every
unit designator (APARTMENT, APT, UNIT, #) written APT, so "Apt 2", "Unit 2" and "#2" agree.
Words are abbreviated wherever they stand: both partners apply the same rule, so agreement
matters more than grammatical correctness. City: upper-case ASCII, punctuation removed,
SAINT/MOUNT/FORT abbreviated. ZIP: the first five digits of a 5- or 9-digit code (ZIP+4 with
or without its dash); any other shape gives "" and ``bad_zip``. A 4-digit code is restored
as one whose leading zero a spreadsheet dropped (2134 -> 02134) only when the partner asks
(``zip_pad``): in most of the country a 4-digit ZIP is a typo, and padding it would turn it
into another place's ZIP.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hublink.agent.normalise.text import cell_text, fold_to_ascii

__all__ = ["normalise_street", "normalise_city", "normalise_zip"]

_UNIT = "APT"
_STREET_WORDS = {
    "ALLEY": "ALY", "AVENUE": "AVE", "AV": "AVE", "AVEN": "AVE", "BOULEVARD": "BLVD",
    "CIRCLE": "CIR", "COURT": "CT", "CRESCENT": "CRES", "DRIVE": "DR", "EXPRESSWAY": "EXPY",
    "FREEWAY": "FWY", "GARDENS": "GDNS", "HEIGHTS": "HTS", "HIGHWAY": "HWY", "LANE": "LN",
    "PARKWAY": "PKWY", "PLACE": "PL", "PLAZA": "PLZ", "ROAD": "RD", "SQUARE": "SQ",
    "STREET": "ST", "STR": "ST", "TERRACE": "TER", "TRAIL": "TRL", "TURNPIKE": "TPKE",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE",
    "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW", "SAINT": "ST", "MOUNT": "MT",
    "FORT": "FT", "SUITE": "STE", "FLOOR": "FL", "ROOM": "RM", "BUILDING": "BLDG",
    "APARTMENT": _UNIT, "APT": _UNIT, "UNIT": _UNIT, "#": _UNIT,
}
_CITY_WORDS = {"SAINT": "ST", "MOUNT": "MT", "FORT": "FT"}
_NOT_STREET = re.compile(r"[^A-Z0-9#]+")
_NOT_CITY = re.compile(r"[^A-Z0-9]+")
_ZIP = re.compile(r"(\d{5})(?:\s*-?\s*\d{4})?(?:\.0+)?")
_PADDABLE_ZIP = re.compile(r"(\d{4})(?:\s*-?\s*\d{4})?(?:\.0+)?")


def normalise_street(value: object) -> str:
    """Given an address cell (the configured columns already joined), returns the street
    feature: "" when missing."""
    text = cell_text(value)
    return "" if text is None else _street(text)


@lru_cache(maxsize=16_384)
def _street(text: str) -> str:
    words: list[str] = []
    folded = fold_to_ascii(text).replace("'", "").replace("#", " # ")
    for word in _NOT_STREET.sub(" ", folded).split():
        word = _STREET_WORDS.get(word, word)
        if not (word == _UNIT and words and words[-1] == _UNIT):
            words.append(word)
    return " ".join(words)


def normalise_city(value: object) -> str:
    """Given a city cell, returns the city feature: "" when missing."""
    text = cell_text(value)
    return "" if text is None else _city(text)


@lru_cache(maxsize=16_384)
def _city(text: str) -> str:
    words = _NOT_CITY.sub(" ", fold_to_ascii(text).replace("'", "")).split()
    return " ".join(_CITY_WORDS.get(word, word) for word in words)


def normalise_zip(value: object, pad: bool = False) -> tuple[str, str | None]:
    """Given a ZIP cell and whether to restore a dropped leading zero, returns the five-digit
    feature and the problem kind or None; a missing cell gives "" without a problem."""
    text = cell_text(value)
    if text is None:
        return "", None
    return _zip(text.strip(), pad)


@lru_cache(maxsize=16_384)
def _zip(text: str, pad: bool) -> tuple[str, str | None]:
    match = _ZIP.fullmatch(text) or (_PADDABLE_ZIP.fullmatch(text) if pad else None)
    if match is None:
        return "", "bad_zip"
    digits = match.group(1).zfill(5)
    if digits == "00000":
        return "", "bad_zip"
    return digits, None
