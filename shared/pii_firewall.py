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
a time; a name column is caught by the distinct-values rule instead. Problems name the
attribute and the rule, never a value. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = ["VALUE_RULES", "QUASI_IDENTIFIER_MIN_VALUES", "firewall_problems"]

_STREET_WORDS = ("street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|"
                 "terrace|ter|way|circle|cir|parkway|pkwy|highway|hwy|alley|aly|square|sq")
_MONTH_NAMES = ("jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|"
                "april|june|july|august|september|october|november|december")

# Rule name -> (pattern searched in the value, what the partner should do). Month and year
# alone ("2009-04", "2009") are legitimate generalisations and do not match the date rule.
VALUE_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "control_characters": (re.compile(r"[\x00-\x1f\x7f]"),
                           "values must not contain control characters"),
    "email_address": (re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE),
                      "e-mail addresses must not be sent"),
    "ssn_or_long_number": (re.compile(r"(?<!\d)(\d{3}-\d{2}-\d{4}|\d{9,})(?!\d)"),
                           "SSN-like or long numbers (record numbers, ZIP+4 without dash) must "
                           "not be sent"),
    "phone_number": (re.compile(r"(?<!\d)(\+?1[\s.-]?)?(\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
                                r"(?!\d)"), "phone numbers must not be sent"),
    "full_date": (re.compile(
        r"(?<!\d)(\d{4}(?P<iso>[-/.])\d{1,2}(?P=iso)\d{1,2}|\d{1,2}(?P<us>[-/.])\d{1,2}(?P=us)(\d{4}|\d{2}))"
        r"(?!\d)"
        rf"|\b({_MONTH_NAMES})\.?\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}\b"
        rf"|\b\d{{1,2}}(st|nd|rd|th)?\s+({_MONTH_NAMES})\.?,?\s+\d{{4}}\b", re.IGNORECASE),
        "full dates (such as a date of birth) must not be sent: use the month or age transforms"),
    "street_address": (re.compile(
        rf"\b\d+[a-z]?\s+([nsew]\.?\s+)?([a-z0-9.'-]+\s+){{1,4}}({_STREET_WORDS})\b\.?"
        r"|\bp\.?\s?o\.?\s+box\s+\d+", re.IGNORECASE),
        "street addresses must not be sent: use the zip5/zip3 transforms or a neighbourhood"),
    "free_text": (re.compile(r"^(\S+\s+){7,}\S+|^(\S+\s+){3,}.*[a-z]{2}[.!?](\s|$)"),
                  "free text (sentences, notes, eight or more words) must not be sent"),
}

# A column of this many values or more whose values are nearly all different is a
# quasi-identifier (names, record keys), not a category. Below it, a legitimate category with
# a few hundred values (neighbourhoods, schools) can be all different by chance.
QUASI_IDENTIFIER_MIN_VALUES = 50
_REPEATS_REQUIRED_PER = 50  # at least one repeated value per 50 values, else refused
_GENERALISED_NUMBER = re.compile(r"^[\d\s.,:<>+/-]*$")  # years, months, ZIPs, bands, buckets


def _looks_like_quasi_identifier(values: Sequence[str]) -> bool:
    textual = [value for value in values if not _GENERALISED_NUMBER.match(value)]
    if len(textual) < QUASI_IDENTIFIER_MIN_VALUES:
        return False
    repeats = len(textual) - len(set(textual))
    return repeats < max(1, len(textual) // _REPEATS_REQUIRED_PER)


def firewall_problems(attributes: Mapping[str, Sequence[str | None]]) -> list[str]:
    """Given attribute name -> values of one chunk (strings or None), returns one problem line
    per attribute and rule it breaks (naming the attribute, the rule and the count of values,
    never a value); an empty list when the chunk may pass."""
    problems: list[str] = []
    for name, values in attributes.items():
        present = [value for value in values if isinstance(value, str) and value]
        for rule, (pattern, advice) in VALUE_RULES.items():
            hits = sum(1 for value in present if pattern.search(value))
            if hits:
                problems.append(f"attribute {name!r} breaks the PII rule {rule} in {hits} "
                                f"value(s): {advice}")
        if _looks_like_quasi_identifier(present):
            problems.append(f"attribute {name!r} breaks the PII rule quasi_identifier: its "
                            f"{len(present)} values are nearly all different, like names or "
                            "record keys; send a category (a band, a group) instead")
    return problems
