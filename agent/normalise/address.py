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

A whole address in the address cell ("12 Oak Lane, Apt 2, Baltimore, MD 21218-1234", as a
sign-up form collects it) is split first (``split_address``): a trailing ZIP and a US state
(code or name) are taken off, then, after a comma, the city, unless that part is a unit
("Apt 2") or holds digits. The street is what is left, so it agrees with a partner that keeps
the parts in their own columns; the ZIP and city found serve when the partner has no column of
their own. Without a comma the city cannot be told from the street and stays in it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hublink.agent.normalise.text import cell_text, fold_to_ascii

__all__ = ["normalise_street", "normalise_city", "normalise_zip", "split_address"]

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


_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY".split()) | frozenset(
    name.replace(" ", "") for name in (
        "ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "CALIFORNIA", "COLORADO", "CONNECTICUT",
        "DELAWARE", "DISTRICT OF COLUMBIA", "FLORIDA", "GEORGIA", "HAWAII", "IDAHO", "ILLINOIS",
        "INDIANA", "IOWA", "KANSAS", "KENTUCKY", "LOUISIANA", "MAINE", "MARYLAND",
        "MASSACHUSETTS", "MICHIGAN", "MINNESOTA", "MISSISSIPPI", "MISSOURI", "MONTANA",
        "NEBRASKA", "NEVADA", "NEW HAMPSHIRE", "NEW JERSEY", "NEW MEXICO", "NEW YORK",
        "NORTH CAROLINA", "NORTH DAKOTA", "OHIO", "OKLAHOMA", "OREGON", "PENNSYLVANIA",
        "PUERTO RICO", "RHODE ISLAND", "SOUTH CAROLINA", "SOUTH DAKOTA", "TENNESSEE", "TEXAS",
        "UTAH", "VERMONT", "VIRGINIA", "WASHINGTON", "WEST VIRGINIA", "WISCONSIN", "WYOMING"))
_TRAILING_ZIP = re.compile(r"[\s,]+(\d{5}(?:\s*-\s*\d{4})?)\s*$")
_UNIT_WORDS = frozenset({"APT", "APARTMENT", "UNIT", "STE", "SUITE", "FL", "FLOOR", "RM", "ROOM",
                         "BLDG", "BUILDING", "PO", "BOX", "LOT", "TRLR"})
_DIRECTION_STATES = frozenset({"NE"})  # Nebraska, or a street's north-east


def _without_state(rest: str) -> str:
    """Returns the address text with a trailing US state taken off: a code or name (up to
    three words) that is the whole part after a comma, or else a two-letter code other than
    NE (a street's north-east as often as Nebraska); a full name without a comma may be a
    street's ("12 Washington")."""
    head, comma, tail = rest.rpartition(",")
    words = (tail if comma else rest).split()
    for count in (3, 2, 1):
        if len(words) < count or (not comma and len(words) == count):
            continue  # without a comma, the state cannot be the whole address
        name = re.sub(r"[^A-Z]", "", fold_to_ascii("".join(words[-count:])).upper())
        if name not in _STATES:
            continue
        if (not comma or len(words) > count) and (
                len(name) != 2 or name in _DIRECTION_STATES):
            return rest
        kept = " ".join(words[:-count])
        return f"{head}{comma} {kept}" if comma else kept
    return rest


@lru_cache(maxsize=16_384)
def split_address(text: str) -> tuple[str, str | None, str | None]:
    """Given an address cell, returns (street, city or None, ZIP or None): the cell itself
    with (None, None) unless it ends in a ZIP, a state or a comma-separated city."""
    rest, zip_code, city = text.strip(), None, None
    if match := _TRAILING_ZIP.search(rest):
        zip_code, rest = match[1], rest[:match.start()]
    rest = _without_state(rest).strip(" ,")
    street, comma, last = rest.rpartition(",")
    if comma and street.strip() and last.strip() and not any(
            character.isdigit() for character in last) and not (
            set(_NOT_STREET.sub(" ", fold_to_ascii(last).upper()).split()) & _UNIT_WORDS):
        city, rest = last.strip(), street
    return rest.strip(" ,"), city, zip_code


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
