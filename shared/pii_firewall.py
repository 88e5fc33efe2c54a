"""The PII firewall: refuses attribute values that look like direct identifiers.

Attributes travel beside the CLKs in the clear, so they must be de-identified categories
(program, age band, neighbourhood, race/ethnicity, month of birth...). This module catches the
mistakes a partner's column mapping can make: a date of birth, phone number, e-mail address,
street address, SSN-like digit group or free text sent as an "attribute", and a
column whose values are nearly all different (a name or record key column in disguise).

It is deliberately blind to personal names one value at a time, even with a title or a middle
initial: schools and centres are named after people ("Mary E. Rodman", "Dr. Bernard Harris
Sr. Elementary"). Plain capitalised words are as ambiguous: "Black or African American", "Summer
Camp" and "Washington Village" are legitimate values and look exactly like names one value at
a time; a name column is caught by the distinct-values rule instead, which the coordinator
applies to the whole sync at its commit (``QuasiIdentifierTally``), never chunk by chunk. Attribute
names are checked too (``first_name``, ``birth_date``, ``street``...).

This is the second line: the first is the hub's allow-list of declared attribute types
(``shared.attribute_types``). Problems name the attribute and the rule, never a value.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = ["VALUE_RULES", "QUASI_IDENTIFIER_MIN_VALUES", "QuasiIdentifierTally",
           "attribute_name_problems", "firewall_problems", "value_rule_problems"]

_STREET_WORDS = ("street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|"
                 "terrace|ter|way|circle|cir|parkway|pkwy|highway|hwy|alley|aly|square|sq")
_MONTH_NAMES = ("jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|"
                "april|june|july|august|september|october|november|december")

_SENTENCE_WORDS = ("the|a|an|and|or|but|with|her|his|him|she|he|they|them|their|is|was|were|are|"
                   "has|had|have|to|of|in|on|at|by|for|from|up|not|no|who|that|this|it|be|been|"
                   "will|would|lives|said|because|after|before|mom|dad|mother|father")
_DAY = r"(0[1-9]|[12]\d|3[01])"
_MONTH = r"(0[1-9]|1[0-2])"
_CENTURY_YEAR = r"(19|20)\d\d"

# Rule name -> (pattern searched in the value, what the partner should do). Month and year
# alone ("2009-04", "2009", "April 2009") are legitimate generalisations and do not match
# the date rule.
VALUE_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "control_characters": (re.compile(r"[\x00-\x1f\x7f]"),
                           "values must not contain control characters"),
    "email_address": (re.compile(
        r"[^@\s]+@[^@\s]+\.[a-z]{2,}"
        r"|[\w.+-]+\s*[(\[{<]\s*at\s*[)\]}>]\s*[\w-]+(\s*[(\[{<]?\s*(dot|\.)\s*[)\]}>]?\s*[\w-]+)+"
        r"|\b[\w.+-]+\s+at\s+[\w-]+\s+dot\s+[a-z]{2,}\b", re.IGNORECASE),
        "e-mail addresses must not be sent"),
    "ssn_or_long_number": (re.compile(r"(?<!\d)(\d{3}[-.\s]\d{2}[-.\s]\d{4}|\d{9,})(?!\d)"),
                           "SSN-like or long numbers (record numbers, ZIP+4 without dash) must "
                           "not be sent"),
    "phone_number": (re.compile(r"(?<!\d)(\+?1[\s.-]?)?(\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
                                r"(?!\d)"
                                r"|\+\d{1,3}[\s.-]?\(?\d{1,4}\)?([\s.-]?\d{2,4}){2,4}(?!\d)"),
                     "phone numbers must not be sent"),
    "full_date": (re.compile(
        r"(?<!\d)(\d{4}(?P<iso>[-/. ])\d{1,2}(?P=iso)\d{1,2}"
        r"|\d{1,2}(?P<us>[-/. ])\d{1,2}(?P=us)(\d{4}|\d{2}))(?!\d)"
        rf"|(?<!\d)({_CENTURY_YEAR}{_MONTH}{_DAY}|{_MONTH}{_DAY}{_CENTURY_YEAR}"
        rf"|{_DAY}{_MONTH}{_CENTURY_YEAR})(?!\d)"
        rf"|\b({_MONTH_NAMES})\.?\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}\b"
        rf"|\b\d{{1,2}}(st|nd|rd|th)?\s+({_MONTH_NAMES})\.?,?\s+\d{{4}}\b"
        rf"|\b\d{{4}},?\s+({_MONTH_NAMES})\.?,?\s+\d{{1,2}}(st|nd|rd|th)?\b", re.IGNORECASE),
        "full dates (such as a date of birth) must not be sent: use the month or age transforms"),
    "street_address": (re.compile(
        rf"\b\d+[a-z]?\s+([nsew]\.?\s+)?([a-z0-9.'-]+\s+){{1,4}}({_STREET_WORDS})\b\.?"
        r"|\bp\.?\s?o\.?\s+box\s+\d+", re.IGNORECASE),
        "street addresses must not be sent: use the zip5/zip3 transforms or a neighbourhood"),
    "free_text": (re.compile(
        r"^(\S+\s+){8,}\S+|^(\S+\s+){3,}.*[a-z]{2}[.!?](\s|$)"
        rf"|^(?=(.*\b(?i:{_SENTENCE_WORDS})\b){{3}})(\S+\s+){{6,}}\S+"),
        "free text (sentences, notes, nine or more words) must not be sent"),
}

# Attribute names that say the column holds a direct identifier, whatever its values.
_PERSON_WORDS = frozenset("first last given family middle full sur maiden nick preferred legal "
                          "student child youth client parent guardian mother father person "
                          "participant".split())
_IDENTIFIER_WORDS = frozenset(
    "surname firstname lastname fullname givenname familyname middlename nickname forename "
    "dob birthdate birthday street address addr phone telephone mobile cell email e-mail ssn "
    "mrn medicaid passport initials".split())
_IDENTIFIER_PAIRS = (("birth", "date"), ("birth", "day"), ("date", "birth"), ("social", "security"),
                     ("record", "key"), ("record", "number"), ("house", "number"),
                     ("zip", "plus4"), ("postcode", "full"))

# A column of this many values or more whose values are nearly all different is a
# quasi-identifier (names, record keys), not a category. Below it, a legitimate category with
# a few hundred values (neighbourhoods, schools) can be all different by chance.
QUASI_IDENTIFIER_MIN_VALUES = 50
_REPEATS_REQUIRED_PER = 50  # at least one repeated value per 50 values, else refused
_GENERALISED_NUMBER = re.compile(r"^[\d\s.,:<>+/-]*$")  # years, months, ZIPs, bands, buckets


class QuasiIdentifierTally:
    """Counts the textual values and distinct values of each attribute over a whole sync, so
    the quasi-identifier rule sees the whole column however the sync was cut into chunks."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._distinct: dict[str, set[str]] = {}

    def add(self, attributes: Mapping[str, Sequence[str | None]]) -> None:
        """Adds one chunk's attribute name -> values."""
        for name, values in attributes.items():
            textual = [value for value in values if isinstance(value, str) and value
                       and not _GENERALISED_NUMBER.match(value)]
            self._counts[name] = self._counts.get(name, 0) + len(textual)
            self._distinct.setdefault(name, set()).update(textual)

    def problems(self) -> list[str]:
        """Returns one problem line per attribute whose values are nearly all different."""
        problems = []
        for name, count in self._counts.items():
            repeats = count - len(self._distinct[name])
            if count >= QUASI_IDENTIFIER_MIN_VALUES and \
                    repeats < max(1, count // _REPEATS_REQUIRED_PER):
                problems.append(f"attribute {name!r} breaks the PII rule quasi_identifier: its "
                                f"{count} values are nearly all different, like names or "
                                "record keys; send a category (a band, a group) instead")
        return problems


def attribute_name_problems(names: Sequence[str]) -> list[str]:
    """Given attribute names, returns one problem line for each name that says it holds a
    direct identifier (``first_name``, ``birth_date``, ``street``, ``phone``...)."""
    problems = []
    for name in names:
        words = set(name.lower().replace("-", "_").split("_"))
        named_person = "name" in words and (words & _PERSON_WORDS or words == {"name"})
        paired = any(set(pair) <= words for pair in _IDENTIFIER_PAIRS)
        if named_person or words & _IDENTIFIER_WORDS or paired:
            problems.append(f"attribute name {name!r} breaks the PII rule identifier_name: it "
                            "names a direct identifier (a name, date of birth, address, phone, "
                            "e-mail or record key), which never leaves the partner")
    return problems


def value_rule_problems(attributes: Mapping[str, Sequence[str | None]]) -> list[str]:
    """Given attribute name -> values, returns one problem line per attribute and value rule
    it breaks (naming the attribute, the rule and the count of values, never a value)."""
    problems: list[str] = []
    for name, values in attributes.items():
        present = [value for value in values if isinstance(value, str) and value]
        for rule, (pattern, advice) in VALUE_RULES.items():
            hits = sum(1 for value in present if pattern.search(value))
            if hits:
                problems.append(f"attribute {name!r} breaks the PII rule {rule} in {hits} "
                                f"value(s): {advice}")
    return problems


def firewall_problems(attributes: Mapping[str, Sequence[str | None]]) -> list[str]:
    """Given attribute name -> every value of a whole sync (strings or None), returns one
    problem line per attribute and rule it breaks: its name, its values one at a time, and the
    whole column (quasi-identifier); never a value. An empty list when it may pass."""
    tally = QuasiIdentifierTally()
    tally.add(attributes)
    return attribute_name_problems(list(attributes)) + value_rule_problems(attributes) \
        + tally.problems()
