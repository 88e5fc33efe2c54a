"""Date cells to dates, and dates of birth to the birth features.

A date column is read under its format setting: one strptime format, a list of formats tried
in order, or ``"auto"`` (the default), which recognises per value the common forms:
ISO ``2009-08-12`` (also with ``/`` or ``.``), month/day/year ``8/12/2009`` or ``08-12-2009``,
day/month/year ``12/08/2009``, both also with a two-digit year (``8/12/09``; 00-68 are 20xx,
69-99 19xx, as strptime's ``%y``), ``12-Aug-2009`` (also ``12 Aug 09`` and SAS's ``12AUG2009``), ``Aug 12, 2009``,
month names in English or Spanish, written out as people type them (``Wednesday, August 12th, 2009``,
``12 de agosto de 2009``, ``the 12th of August 2009``; weekday, ordinal and connecting words are
dropped), compact ``20090812``, five-digit Excel serial day numbers (``40037``, dates from 1927 on) and
spreadsheet date cells. A numeric date whose first two parts could both be the month
(``08/12/2009``) follows the column's dominant unambiguous order (``25/12/2009`` is day first,
``12/25/2009`` month first) among the rows read so far, including the whole current chunk;
with no unambiguous value, month first (the US order). The choice is reported by ``check``.

Surrounding whitespace and a trailing time of day (" 00:00:00", "T00:00", " 12:00 AM", as
Excel exports write them; "T00:00:00Z" or "+00:00" as ISO 8601 timestamps do, whose date is
taken as written, never shifted between zones) are ignored. A ``date``, ``datetime`` or pandas ``Timestamp``
(what an .xlsx reader gives) is used as it is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from hublink.agent.normalise.text import cell_text, is_missing

__all__ = ["AUTO", "BirthFeatures", "DATE_FROM_PARTS_COLUMN", "DateReader", "MAXIMUM_AGE",
           "SPREADSHEET_DATE", "date_format_problems", "date_from_parts", "dates_from_parts",
           "normalise_birth_date"]

AUTO = "auto"
SPREADSHEET_DATE = "spreadsheet date cell"
MONTH_FIRST, DAY_FIRST = "M/D/YYYY", "D/M/YYYY"
_SHORT_FORMS = {MONTH_FIRST: "M/D/YY", DAY_FIRST: "D/M/YY"}
_ORDER_OF = {form: order for order in (MONTH_FIRST, DAY_FIRST)
             for form in (order, _SHORT_FORMS[order])}
"""Numeric form -> the day/month order it is read in (the order decides ambiguous values)."""
# birth_year, birth_month, birth_day, birth_day_month, problem kind or None
BirthFeatures = tuple[str, str, str, str, str | None]

MAXIMUM_AGE = 120
_NO_DATE: BirthFeatures = ("", "", "", "", None)
_TIME_OF_DAY = re.compile(
    r"[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AP]\.?M\.?)?(?:\s*(?:Z|UTC|[+-]\d{2}:?\d{2}))?"
    r"\s*$", re.IGNORECASE)
_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january", "ene", "enero"), ("feb", "february", "febrero"), ("mar", "march", "marzo"),
    ("apr", "april", "abr", "abril"), ("may", "mayo"), ("jun", "june", "junio"),
    ("jul", "july", "julio"), ("aug", "august", "ago", "agosto"),
    ("sep", "sept", "september", "set", "septiembre", "setiembre"), ("oct", "october", "octubre"),
    ("nov", "november", "noviembre"), ("dec", "december", "dic", "diciembre")), start=1)
    for name in names}
"""Month names and abbreviations in English and Spanish, lower case (no two months share one)."""
_WEEKDAY = re.compile(
    r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo)\.?,?\s+",
    re.IGNORECASE)
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|º|°)(?![a-z])", re.IGNORECASE)
_CONNECTOR = re.compile(r"\s+(?:de|del|of)\s+", re.IGNORECASE)
"""A written date's weekday ("Friday, March 5, 2010"), ordinal ("5th", "5º") and connecting
words ("5 de marzo de 2010", "the 5th of March") are dropped before its form is read."""
_ISO = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})[-\s]?([a-z]{3,10})\.?[-\s,]*(\d{4}|\d{2})", re.IGNORECASE)
_MONTH_NAME_DAY = re.compile(r"([a-z]{3,10})\.?\s+(\d{1,2}),?\s+(\d{4})", re.IGNORECASE)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"(\d{5})(?:\.0+)?")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's leap-year bug included)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _two_digit_year(year: int) -> int:
    return year + (2000 if year < 69 else 1900)  # strptime's %y pivot


@lru_cache(maxsize=65_536)
def _auto_candidates(text: str) -> tuple[tuple[str, date], ...]:
    """Given date text, returns every (form, date) it can be read as: two for an ambiguous
    numeric date (month first, then day first), one or none otherwise."""
    text = _TIME_OF_DAY.sub("", text.strip())
    if any(character.isalpha() for character in text):
        text = _written(text)
    if match := _ISO.fullmatch(text):
        found = _date(int(match[1]), int(match[3]), int(match[4]))
        return (("YYYY-MM-DD", found),) if found else ()
    if match := _NUMERIC.fullmatch(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        short = len(match[4]) == 2
        if short:
            year = _two_digit_year(year)
        readings = tuple((_SHORT_FORMS[order] if short else order, found) for order, found in (
            (MONTH_FIRST, _date(year, first, second)), (DAY_FIRST, _date(year, second, first))))
        readings = tuple((form, found) for form, found in readings if found)
        return readings[:1] if first == second else readings
    if match := _DAY_MONTH_NAME.fullmatch(text):
        month = _MONTHS.get(match[2].lower())
        year = int(match[3]) if len(match[3]) == 4 else _two_digit_year(int(match[3]))
        found = _date(year, month, int(match[1])) if month else None
        return (("D-Mon-YYYY", found),) if found else ()
    if match := _MONTH_NAME_DAY.fullmatch(text):
        month = _MONTHS.get(match[1].lower())
        found = _date(int(match[3]), month, int(match[2])) if month else None
        return (("Mon D, YYYY", found),) if found else ()
    if match := _COMPACT.fullmatch(text):
        found = _date(int(match[1]), int(match[2]), int(match[3]))
        return (("YYYYMMDD", found),) if found else ()
    if match := _SERIAL.fullmatch(text):
        return (("Excel serial number", _EXCEL_EPOCH + timedelta(days=int(match[1]))),)
    return ()


def _written(text: str) -> str:
    """Given a date with words in it, returns it without weekday, ordinals and connectors."""
    text = _ORDINAL.sub(r"\1", _WEEKDAY.sub("", text))
    return _CONNECTOR.sub(" ", re.sub(r"^the\s+", "", text, flags=re.IGNORECASE))


@lru_cache(maxsize=32_768)
def _parse_text(text: str, date_format: str) -> date | None:
    """Given date text and a strptime format, returns the date or None."""
    text = text.strip()
    for candidate in (text, _TIME_OF_DAY.sub("", text)):
        try:
            return datetime.strptime(candidate, date_format).date()
        except ValueError:
            continue
    return None


def date_format_problems(value: Any, where: str) -> list[str]:
    """Given a date format setting (None: not set), returns a problem line when it is not
    "auto", a strptime format or a non-empty list of them."""
    formats = value if isinstance(value, list) else [value]
    if value is None or value == AUTO or (formats and all(
            isinstance(item, str) and "%" in item for item in formats)):
        return []
    return [f'{where} must be "auto", a strptime format such as "%m/%d/%Y", or a list of '
            "formats tried in order"]


class DateReader:
    """Reads the dates of one column under its format setting, remembering which forms it
    read (``forms``: form -> rows) and, with ``"auto"``, the unambiguous day/month orders
    seen, which decide the ambiguous values."""

    def __init__(self, setting: str | list[str] | None = AUTO) -> None:
        self.formats: tuple[str, ...] | None = (
            None if setting in (None, AUTO) else tuple(setting) if isinstance(setting, list)
            else (setting,))
        self.orders: Counter[str] = Counter()
        self.forms: Counter[str] = Counter()
        self.ambiguous = 0

    @property
    def day_first(self) -> bool:
        """Returns whether ambiguous numeric dates are read day first (the dominant order)."""
        return self.orders[DAY_FIRST] > self.orders[MONTH_FIRST]

    def observe(self, cells: Iterable[object]) -> None:
        """Counts the unambiguous day/month orders among ``cells`` (auto only)."""
        if self.formats is not None:
            return
        for cell in cells:
            if isinstance(cell, str) and not is_missing(cell):
                readings = _auto_candidates(cell)
                if len(readings) == 1 and readings[0][0] in _ORDER_OF:
                    self.orders[_ORDER_OF[readings[0][0]]] += 1

    def read(self, value: object, count: bool = True) -> date | None:
        """Given a non-missing cell, returns its date or None; with ``count``, adds the form
        it was read in to ``forms``."""
        found, form, ambiguous = self._read(value)
        if count and found is not None:
            self.forms[form] += 1
            self.ambiguous += ambiguous
        return found

    def _read(self, value: object) -> tuple[date | None, str, bool]:
        if isinstance(value, datetime):
            return value.date(), SPREADSHEET_DATE, False
        if isinstance(value, date):
            return value, SPREADSHEET_DATE, False
        text = cell_text(value)
        if text is None:
            return None, "", False
        if self.formats is not None:
            for date_format in self.formats:
                found = _parse_text(text, date_format)
                if found is not None:
                    return found, date_format, False
            return None, "", False
        readings = _auto_candidates(text)
        if not readings:
            return None, "", False
        form, found = readings[1 if len(readings) == 2 and self.day_first else 0]
        return found, form, len(readings) == 2

    def describe(self) -> str:
        """Returns the forms read, with counts, and how ambiguous values were decided."""
        forms = ", ".join(f"{form} ({count})" for form, count in self.forms.most_common())
        text = forms or "no dates read"
        if self.ambiguous:
            order = "day first" if self.day_first else "month first"
            text += (f"; {self.ambiguous} values could be month or day first, read {order} as "
                     f"the column's unambiguous values ({self.orders[MONTH_FIRST]} month first, "
                     f"{self.orders[DAY_FIRST]} day first)")
        return text


def normalise_birth_date(value: object, reader: DateReader | str | list[str] | None,
                         today: date, count: bool = True) -> BirthFeatures:
    """Given a date-of-birth cell, its column's reader (or format setting), today's date and
    whether to count the form read, returns the four birth features and the problem kind
    (None when fine). A missing cell gives empty features and no problem; an unparseable,
    future or implausible date (an age over MAXIMUM_AGE years) gives empty features and its
    problem kind."""
    if is_missing(value):
        return _NO_DATE
    if not isinstance(reader, DateReader):
        reader = DateReader(reader)
    born = reader.read(value, count=count)
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


DATE_FROM_PARTS_COLUMN = "from its year, month and day columns"
"""The column a source's reader adds when identifiers.dob names three columns; no file has it."""
_WHOLE_NUMBER = re.compile(r"\d{1,4}(?:\.0+)?")


def date_from_parts(year: object, month: object, day: object) -> str:
    """Given the cells of a date kept in three columns (a form's birth year, month and day),
    returns the date as text "auto" reads: "YYYY-MM-DD" for a four-digit year, "M/D/YY" for a
    two-digit one (read with the column's other values), "" when every part is empty, and the
    parts joined by "-" otherwise, which is then reported as unparseable. A month may be a
    number or a name (Aug, August)."""
    parts = [(cell_text(cell) or "").strip() for cell in (year, month, day)]
    if not any(parts):
        return ""
    if all(_WHOLE_NUMBER.fullmatch(part) for part in (parts[0], parts[2])):
        year_text, day_number = parts[0].split(".")[0], int(float(parts[2]))
        if _WHOLE_NUMBER.fullmatch(parts[1]):
            month_number = int(float(parts[1]))
        else:
            month_number = _MONTHS.get(parts[1].rstrip(".").lower(), 0)
        if month_number and len(year_text) == 4:
            return f"{year_text}-{month_number:02d}-{day_number:02d}"
        if month_number and len(year_text) == 2:
            return f"{month_number}/{day_number}/{year_text}"
    return "-".join(parts)


def dates_from_parts(frame: Any, parts: list[str]) -> list[str]:
    """Given source rows (a pandas frame) and the [year, month, day] columns, returns each
    row's ``date_from_parts``: the column a reader adds as ``DATE_FROM_PARTS_COLUMN``."""
    return [date_from_parts(*cells) for cells in zip(*(frame[part].tolist() for part in parts))]
