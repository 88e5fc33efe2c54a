"""A partner's raw identifiers to the features the linkage schema encodes into a CLK.

Every feature is an upper-case ASCII string and "" when missing (clkhash then sets no bits
for it). Problems with one record never raise: the bad part is encoded as missing and the
problem is returned by kind and field, never with the value, so values cannot reach a log.
The rules for each identifier are in the docstrings of ``names``, ``dates``, ``sex`` and
``address``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from datetime import date

from hublink.agent.settings import IDENTIFIER_COLUMN_KEYS
from hublink.agent.normalise.address import (normalise_city, normalise_street, normalise_zip,
                                             split_address)
from hublink.agent.normalise.dates import DateReader, normalise_birth_date
from hublink.agent.normalise.names import normalise_names
from hublink.agent.normalise.sex import normalise_sex
from hublink.agent.normalise.text import cell_text

__all__ = ["FEATURE_NAMES", "LINKING_IDENTIFIERS", "MIN_LINKING_IDENTIFIERS", "NormalisedRecord",
           "RawIdentifiers", "RecordProblem", "has_birth_date", "linkable", "normalise_record"]

FEATURE_NAMES: tuple[str, ...] = (
    "given_name", "family_name", "name_tokens", "middle_initial",
    "birth_year", "birth_month", "birth_day", "birth_day_month",
    "sex", "street", "city", "zip", "given_or_family",
)
"""Every feature the normaliser makes, in the order of a record's ``features``. A schema encodes
those it names (``agent/encode.py`` picks them by name); new features are appended, so a
schema's features keep their place."""


LINKING_IDENTIFIERS: tuple[str, ...] = ("a name", "a whole date of birth", "a street address")
MIN_LINKING_IDENTIFIERS = 2
"""A record is linked only when it holds at least this many of LINKING_IDENTIFIERS; a row with
fewer is not sent (``agent/prepare.py``). Under a balanced encoding a missing field is encoded
like a value, so records that miss the same fields agree on them: two rows with no identifier
have Dice 1.0, two namesakes holding only a name and a ZIP 0.95 whatever their ZIPs, and two
name-only records sharing a family name 0.74, above the city's threshold
(``tests/agent/test_linkable.py``). With two of the three, records of different youth stay
apart as any record pair does."""
_NAME, _YEAR, _DAY_MONTH, _STREET = (FEATURE_NAMES.index(name) for name in (
    "name_tokens", "birth_year", "birth_day_month", "street"))


def linkable(features: tuple[str, ...]) -> bool:
    """Given a record's features (FEATURE_NAMES order), returns whether it holds at least
    MIN_LINKING_IDENTIFIERS of a name, a whole date of birth and a street address."""
    held = (bool(features[_NAME]), has_birth_date(features), bool(features[_STREET]))
    return sum(held) >= MIN_LINKING_IDENTIFIERS


def has_birth_date(features: tuple[str, ...]) -> bool:
    """Given a record's features (FEATURE_NAMES order), returns whether they hold a whole date
    of birth (its year, day and month)."""
    return bool(features[_YEAR] and features[_DAY_MONTH])


RawIdentifiers = make_dataclass(
    "RawIdentifiers", [(key, "object", field(default=None)) for key in IDENTIFIER_COLUMN_KEYS],
    frozen=True, slots=True)
RawIdentifiers.__module__ = __name__
RawIdentifiers.__doc__ = (
    """One record's identifier cells as read (None when empty): a field for each column key of
    [identifiers], as ``agent/settings.py`` declares them (``IDENTIFIER_COLUMN_KEYS``).
    ``address`` is the configured address columns joined by a space. Cells that are not text
    (a date from an .xlsx reader, a number) are accepted as well.""")


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """What was wrong with one identifier of one record: a stable ``kind`` (for example
    "unparseable_date") and the ``field`` it concerns (for example "dob"), never the value."""

    kind: str
    field: str


@dataclass(frozen=True, slots=True)
class NormalisedRecord:
    """The record's features in FEATURE_NAMES order and its problems."""

    features: tuple[str, ...]
    problems: tuple[RecordProblem, ...]


def normalise_record(raw: RawIdentifiers, dob_format: DateReader | str | list[str] | None,
                     today: date | None = None, zip_pad: bool = False) -> NormalisedRecord:
    """Given one record's raw identifiers, the reader (or format setting, None: "auto") of
    its date of birth, today's date (default: the system date) and whether a ZIP's dropped
    leading zero is restored, returns its features and problems; never raises for a bad
    value."""
    given, family, name_tokens, middle_initial, given_or_family, name_problems = normalise_names(
        cell_text(raw.first_name), cell_text(raw.middle_name), cell_text(raw.last_name),
        cell_text(raw.full_name))
    problems = [RecordProblem(kind, field) for kind, field in name_problems]
    year, month, day, day_month, date_problem = normalise_birth_date(
        raw.dob, dob_format, today or date.today())
    if date_problem:
        problems.append(RecordProblem(date_problem, "dob"))
    sex, sex_problem = normalise_sex(raw.sex)
    if sex_problem:
        problems.append(RecordProblem(sex_problem, "sex"))
    address = cell_text(raw.address)
    street, found_city, found_zip = split_address(address) if address else ("", None, None)
    zip_cell = raw.zip if cell_text(raw.zip) is not None else found_zip
    city_cell = raw.city if cell_text(raw.city) is not None else found_city
    zip_code, zip_problem = normalise_zip(zip_cell, zip_pad)
    if zip_problem:
        problems.append(RecordProblem(zip_problem, "zip"))
    features = (given, family, name_tokens, middle_initial, year, month, day, day_month,
                sex, normalise_street(street), normalise_city(city_cell), zip_code,
                given_or_family)
    return NormalisedRecord(features=features, problems=tuple(problems))
