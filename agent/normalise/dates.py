"""Dates of birth to the birth features: year, month, day and the sorted day-and-month.

A text date is parsed with the partner's configured strptime format, after surrounding
whitespace is stripped; when that fails, a trailing time of day (" 00:00:00", "T00:00",
" 12:00 AM", as Excel exports write them) is removed and the date parsed again. Without a
configured format only ISO dates (2009-03-07) are read. A ``date``, ``datetime`` or pandas
``Timestamp`` (what an .xlsx reader gives) is used as it is. A whole number (a spreadsheet's
20090307) is read as its digits with the format; Excel serial day numbers are not guessed.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from hublink.agent.normalise.text import cell_text, is_missing

__all__ = ["BirthFeatures", "normalise_birth_date", "MAXIMUM_AGE"]

# birth_year, birth_month, birth_day, birth_day_month, problem kind or None
BirthFeatures = tuple[str, str, str, str, str | None]

MAXIMUM_AGE = 120
_NO_DATE: BirthFeatures = ("", "", "", "", None)
_TIME_OF_DAY = re.compile(
    r"[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AP]\.?M\.?)?\s*$", re.IGNORECASE)


@lru_cache(maxsize=32_768)
def _parse_text(text: str, dob_format: str | None) -> date | None:
    """Given date text and a strptime format (None: ISO), returns the date or None."""
    text = text.strip()
    for candidate in (text, _TIME_OF_DAY.sub("", text)):
        try:
            if dob_format is None:
                return date.fromisoformat(candidate)
            return datetime.strptime(candidate, dob_format).date()
        except ValueError:
            continue
    return None


def _as_date(value: object, dob_format: str | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    return None if text is None else _parse_text(text, dob_format)


def normalise_birth_date(value: object, dob_format: str | None, today: date) -> BirthFeatures:
    """Given a date-of-birth cell, the configured format and today's date, returns the
    four birth features and the problem kind (None when fine). A missing cell gives empty
    features and no problem; an unparseable, future or implausible date (an age over
    MAXIMUM_AGE years) gives empty features and its problem kind."""
    if is_missing(value):
        return _NO_DATE
    born = _as_date(value, dob_format)
    if born is None:
        return ("", "", "", "", "unparseable_date")
    if born > today:
        return ("", "", "", "", "future_date")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age > MAXIMUM_AGE:
        return ("", "", "", "", "implausible_date")
    month = f"{born.month:02d}"
    day = f"{born.day:02d}"
    day_month = f"{month} {day}" if month <= day else f"{day} {month}"
    return (str(born.year), month, day, day_month, None)
