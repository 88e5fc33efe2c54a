"""``init --from FILE``: a first configuration guessed from a source file's header and sample.

Column names are compared folded (letters and digits only, lower case) after removing a
leading subject word (``STU_``, ``Student``, ``Youth``, ``Participant``...) and a trailing
type word (``_NM``, ``_CD``, ``_DT``...), so ``STU_FIRST_NM``, ``First Name`` and
``FIRST_NAME`` all name the first name. The date of birth's format is left to the default,
``"auto"``, which reads mixed forms value by value (``agent/normalise/dates.py``): the note
above ``dob_format`` and the report say which forms the sample holds, how an ambiguous
day/month order was read, and how many sample dates no form reads. Nothing is sent and no
sample value is printed: the report names columns, formats and counts only.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas

from hublink.agent.normalise import LINKING_IDENTIFIERS, MIN_LINKING_IDENTIFIERS
from hublink.agent.normalise.dates import DateReader, dates_from_parts
from hublink.agent.normalise.text import fold_to_ascii, is_missing, record_keys_of
from hublink.agent.readers import (CSV_SUFFIXES, SUPPORTED, WORKBOOK_SUFFIXES, iter_workbook,
                                    workbook_previews)
from hublink.agent.readers.cells import header_position, repeated_header_rows
from hublink.agent.readers.csv import first_csv_rows, iter_csv, sniff_dialect
from hublink.agent.readers.encoding import detect_encoding
from hublink.agent.settings_render import render_example_config
from hublink.shared.errors import SourceError

__all__ = ["SAMPLE_ROWS", "Guess", "guess_config"]

SAMPLE_ROWS = 1_000
_SUBJECT_PREFIXES = ("student", "youth", "participant", "client", "childs", "child", "person",
                     "member", "mentee", "patient", "applicant", "enrollee", "camper", "case",
                     "stu", "pt")
# A sign-up form's questions as column names (Google or Microsoft Forms): "What is your
# child's date of birth?" is the date of birth.
_QUESTION_PREFIXES = ("whatisyour", "whatsyour", "whatisthe", "pleaseenteryour", "pleaseenter",
                      "pleaseprovideyour", "enteryour", "provideyour", "your", "cualestu",
                      "cualessu", "escribatu", "escribasu", "which", "what", "cual")
_SHORT_QUESTION_PREFIXES = ("tu", "su")  # only in a question: "Surname" is no question
_TYPE_SUFFIXES = ("nm", "cd", "dt", "code", "txt")
# Folded core names -> configuration key; the first match of a key wins. English, with the
# Spanish (and a little French) of partners that serve families in those languages.
_COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "source.record_key": ("id", "key", "recordid", "recordkey", "number", "no", "mrn",
                          "idnumber", "idno", "identifier", "numero", "codigo", "folio",
                          "matricula", "expediente"),
    "identifiers.first_name": ("first", "firstname", "fname", "given", "givenname", "forename",
                               "nombres", "primernombre", "prenom"),
    "identifiers.middle_name": ("middle", "middlename", "mname", "mi", "middleinitial"),
    "identifiers.last_name": ("last", "lastname", "lname", "surname", "family", "familyname",
                              "apellido", "apellidos", "nomdefamille"),
    "identifiers.full_name": ("name", "fullname", "nombre", "nombrecompleto", "nom"),
    "identifiers.dob": ("dob", "birth", "birthdate", "dateofbirth", "birthday", "bday",
                        "dobdate", "datebirth", "fechadenacimiento", "fechanacimiento",
                        "nacimiento", "fechadenac", "datedenaissance"),
    "identifiers.sex": ("sex", "gender", "sexo", "genero", "sexe"),
    "identifiers.city": ("city", "town", "ciudad", "ville"),
    "identifiers.zip": ("zip", "zipcode", "postal", "postalcode", "postcode", "zip5",
                        "codigopostal", "codepostal"),
    "attributes.race_ethnicity": ("race", "ethnicity", "raceethnicity", "raceeth", "raza",
                                  "etnia", "razaetnia"),
    "attributes.program": ("program", "programname", "programme", "track", "service",
                           "activity", "programa", "actividad"),
    "enrollments.site": ("site", "sitename", "location", "venue", "campus", "center", "centre",
                         "sitio", "sede"),
    "enrollments.start": ("start", "startdate", "started", "enrolled", "enrolldate",
                          "enrollmentdate", "entrydate", "begin", "begindate", "fechadeinicio",
                          "fechainicio", "inicio"),
}
# Columns of one enrollment each row: they travel as [enrollments] when record keys repeat in
# the sample with these values differing, and are dropped from the guess otherwise.
_PER_ENROLLMENT = ("program", "site", "start")
_ADDRESS_NUMBER = ("streetno", "streetnumber", "streetnum", "houseno", "housenumber")
_ADDRESS_STREET = ("street", "streetname", "address", "streetaddress", "address1",
                   "addressline", "addressline1", "addr", "addr1", "homeaddress",
                   "streetaddress1", "homestreet", "residenceaddress", "mailingaddress",
                   "direccion", "domicilio", "calle", "adresse")
# Tried in this order; an equal count keeps the earlier (US month-first before day-first).



@dataclass
class Guess:
    """What ``init --from`` found: configuration values, one note per guess, and the lines of
    its report (what was guessed, what is left to declare)."""

    values: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    guessed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    def render(self) -> str:
        """Returns the commented configuration (from ``agent/settings.py``)."""
        return render_example_config(self.values, self.notes)


def _core(name: str) -> str:
    """Returns a column name's core: folded to letters and digits, with a parenthesised note
    ("(MM/DD/YYYY)"), a form's question ("What is your ...?"), a leading subject ("Student",
    "PT_") and a trailing type ("_NM", "_DT") taken off; "#" reads as "no" ("Client #" is a
    number)."""
    folded = re.sub(r"[^0-9a-z]", "", fold_to_ascii(re.sub(r"\([^)]*\)", "", name))
                    .replace("#", "no").casefold())
    question = _QUESTION_PREFIXES + (_SHORT_QUESTION_PREFIXES if name.rstrip().endswith("?")
                                     else ())
    for prefix in question:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            folded = folded[len(prefix):]
            break
    for prefix in _SUBJECT_PREFIXES:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            folded = folded[len(prefix):]
            break
    for suffix in _TYPE_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix):
            return folded[:-len(suffix)]
    return folded


_KNOWN_CORES = frozenset({name for names in _COLUMN_NAMES.values() for name in names}
                         | set(_ADDRESS_NUMBER) | set(_ADDRESS_STREET))
# The year, month and day columns of a date of birth kept apart; "Birth Day" beside a birth
# year and month is the day, not a whole date ("birthday").
_DOB_PART_NAMES = (
    ("birthyear", "yearofbirth", "yob", "dobyear", "birthdateyear", "anodenacimiento",
     "anonacimiento", "anonac"),
    ("birthmonth", "monthofbirth", "dobmonth", "birthdatemonth", "mesdenacimiento",
     "mesnacimiento", "mesnac"),
    ("birthday", "dayofbirth", "dobday", "birthdateday", "diadenacimiento", "dianacimiento",
     "dianac"))
# The name columns a record key of several columns starts with, in this order.
_KEY_NAME_KEYS = ("identifiers.last_name", "identifiers.first_name", "identifiers.full_name")


def _recognised(row: tuple[object, ...]) -> int:
    """Returns how many of a header row's cells name a column the guess knows."""
    return sum(1 for cell in row if cell is not None and _core(str(cell)) in _KNOWN_CORES)


def _column_names(header: list[str]) -> tuple[list[str], list[str]]:
    """Returns the header's column names that are not blank, split into those named once (the
    ones a configuration can name, ``cells.require_columns``) and those repeated, each in
    header order."""
    counts = Counter(name for name in header if name.strip())
    return ([name for name, count in counts.items() if count == 1],
            [name for name, count in counts.items() if count > 1])


def _read_sample(path: Path, sheet: str | None
                 ) -> tuple[list[str], pandas.DataFrame, int, str | list[str] | None]:
    """Returns the header's cells, up to SAMPLE_ROWS rows of its named columns, the header's
    line (1-based: below a report's title lines, ``cells.header_position``) and the sheet of
    a CSV file or workbook.
    Without ``sheet``, a workbook's sheet whose header names the most known columns is read
    (a cover or instructions sheet often comes first); None when it is the first. When other
    sheets have the same header on the same line (a sheet per month or site), all of them
    are the source, in workbook order, as a list."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        encoding = detect_encoding(path)
        with open(path, encoding=encoding, errors="replace", newline="") as handle:
            text = handle.read(16_384)
        line = header_position(first_csv_rows(text)) + 1
        below = "\n".join(text.splitlines()[line - 1:])
        delimiter, quotechar = sniff_dialect(below)
        full = next(csv.reader(below.splitlines()[:1], delimiter=delimiter,
                               quotechar=quotechar), [])
        header = _column_names(full)[0]
        chunks = iter_csv(path, header, "auto", SAMPLE_ROWS, line)
    elif suffix in WORKBOOK_SUFFIXES:
        previews = workbook_previews(path)
        titles = [title for title, _ in previews]
        if sheet and sheet not in titles:
            raise SourceError(f"{path.name} has no sheet {sheet!r}",
                              details=[f"its sheets: {', '.join(titles)}"])
        headers = [(rows, header_position(rows) + 1 if rows else 1) for _, rows in previews]
        chosen = sheet
        if sheet:
            best = titles.index(sheet)
        else:
            known = [_recognised(rows[line - 1]) if rows else 0 for rows, line in headers]
            best = known.index(max(known))  # the first of equals: the first sheet wins ties
            sheet = titles[best] if best else None
        first, line = headers[best]
        full = [str(cell) for cell in (first[line - 1] if first else ()) if cell is not None]
        header = _column_names(full)[0]
        chunks = iter_workbook(path, header, sheet, SAMPLE_ROWS, line)
        alike = [title for title, (rows, at) in zip(titles, headers)
                 if at == line and rows and _same_header(rows[at - 1], first[line - 1])]
        if not chosen and len(alike) > 1 and header:
            sheet = alike  # the sample holds each sheet's first rows: a youth in two months
            firsts = [next(iter(iter_workbook(path, header, name, SAMPLE_ROWS, line)), None)
                      for name in alike]
            chunks = iter([pandas.concat([frame for frame in firsts if frame is not None],
                                         ignore_index=True)])
    else:
        raise SourceError(f"init --from reads {SUPPORTED} files, not {suffix!r}")
    if not header:
        raise SourceError(f"{path.name} has no header line naming its columns")
    sample = next(iter(chunks), None)
    if sample is None:
        return full, pandas.DataFrame(columns=header), line, sheet
    # the header again, where files were appended one to another: not a sample row
    return full, sample[~repeated_header_rows(sample, header)], line, sheet


def _sample_dates(values: list[object]) -> tuple[DateReader, int]:
    """Returns the "auto" reader after reading the sample's dates (its forms and orders
    counted), and how many sample cells are not empty."""
    cells = [value for value in values if not is_missing(value)]
    reader = DateReader()
    reader.observe(cells)
    for cell in cells:
        reader.read(cell)
    return reader, len(cells)


def _relative(path: Path, folder: Path) -> str:
    try:
        relative = os.path.relpath(path.resolve(), folder.resolve())
    except ValueError:  # another drive, on Windows
        return str(path.resolve())
    return str(path.resolve()) if relative.startswith("..") else relative


def _same_header(cells: tuple[object, ...], other: tuple[object, ...]) -> bool:
    """Whether two header rows name the same columns in the same order (case and surrounding
    space ignored)."""
    def names(row: tuple[object, ...]) -> list[str]:
        return [str(cell).strip().casefold() for cell in row if cell not in (None, "")]
    return names(cells) == names(other)


def guess_config(path: Path, sheet: str | None = None, config_folder: Path | None = None,
                 enrollments: Path | None = None, enrollments_sheet: str | None = None) -> Guess:
    """Given a source file (and the folder the configuration goes in, to which source.path is
    made relative; optionally a file of enrollments kept apart from it, and its sheet),
    returns the guessed configuration and report; raises SourceError when a file cannot be
    read."""
    if not path.is_file():
        raise SourceError(f"source file {path} does not exist")
    full_header, sample, header_line, found_sheet = _read_sample(path, sheet)
    header, repeated = _column_names(full_header)
    guess = Guess()
    if repeated:
        guess.left.append(f"columns named more than once on line {header_line}, not read "
                          "(rename one of each to use it): " + ", ".join(repeated))
    guess.values["source.path"] = _relative(path, config_folder or Path.cwd())
    if isinstance(found_sheet, list):
        guess.values["source.sheet"] = found_sheet
        guess.notes["source.sheet"] = "guessed: these sheets have the same columns"
        guess.guessed.append(f"source.sheet = {found_sheet!r} (sheets with the same columns: "
                             "read one after another; check names rows as \"Sheet row N\")")
    elif found_sheet:
        guess.values["source.sheet"] = found_sheet
        if not sheet:
            guess.notes["source.sheet"] = "guessed: its columns are the ones recognised"
            guess.guessed.append(f"source.sheet = {found_sheet!r} (the sheet whose columns "
                                 "look like youth records; the first sheet's do not)")
    if header_line > 1:
        guess.values["source.header_line"] = header_line
        guess.notes["source.header_line"] = (
            f"guessed: the columns are named on line {header_line}; the lines above (a title?) "
            "are not read")
        guess.guessed.append(f"source.header_line = {header_line} (the {header_line - 1} "
                             "lines above the column names are not read)")
    taken: set[str] = set()
    parts = _dob_parts(header)
    if parts:
        guess.values["identifiers.dob"] = parts
        taken.update(parts)
    for column in header:
        core = _core(column)
        for key, names in _COLUMN_NAMES.items():
            if core in names and key not in guess.values and column not in taken:
                guess.values[key] = column
                taken.add(column)
    if "source.record_key" not in guess.values:
        keys = [column for column in header if column not in taken
                and (re.sub(r"[^0-9a-z]", "", column.casefold()).endswith(("id", "key"))
                     or _core(column).startswith(("numerode", "codigode", "iddel", "idde")))]
        if keys:
            guess.values["source.record_key"] = keys[0]
            taken.add(keys[0])
    if (guess.values.get("identifiers.last_name") and guess.values.get("identifiers.full_name")
            and not guess.values.get("identifiers.first_name")):
        # "Name" beside "Surname" ("Nombre" beside "Apellidos") is the given name
        guess.values["identifiers.first_name"] = guess.values.pop("identifiers.full_name")
    if guess.values.get("identifiers.first_name") or guess.values.get("identifiers.last_name"):
        guess.values.pop("identifiers.full_name", None)
    if "source.record_key" not in guess.values:
        _guess_composite_key(guess)
    address = [column for kind in (_ADDRESS_NUMBER, _ADDRESS_STREET) for column in header
               if _core(column) in kind and column not in taken][:2]
    if address:
        guess.values["identifiers.address"] = address[0] if len(address) == 1 else address
        taken.update(address)
    if enrollments is None:
        _guess_enrollments(guess, sample, taken)
    else:
        _guess_enrollment_file(guess, enrollments, enrollments_sheet, config_folder or Path.cwd())
    _describe(guess, header, sample, taken)
    return guess


def _guess_enrollment_file(guess: Guess, path: Path, sheet: str | None, folder: Path) -> None:
    """Declares ``[enrollment_file]`` and its program, site and start columns as
    [enrollments]: its key is the column(s) named as the roster's, else its ID column, else
    its first column that is no enrollment's. In a workbook without ``sheet``, the first
    sheet other than the roster's whose header names an enrollment column."""
    if not path.is_file():
        raise SourceError(f"enrollment file {path} does not exist")
    if sheet is None and path.suffix.lower() in WORKBOOK_SUFFIXES:
        sheet = _enrollment_sheet(path, guess.values.get("source.sheet"))
    full, _, header_line, found_sheet = _read_sample(path, sheet)
    header = _column_names(full)[0]
    guess.values["enrollment_file.path"] = _relative(path, folder)
    if found_sheet:
        guess.values["enrollment_file.sheet"] = found_sheet
    if header_line > 1:
        guess.values["enrollment_file.header_line"] = header_line
    columns = {name: next((column for column in header if _core(column) in _COLUMN_NAMES[setting]),
                          None)
               for name, setting in (("program", "attributes.program"), ("site", "enrollments.site"),
                                     ("start", "enrollments.start"))}
    found = {name: column for name, column in columns.items() if column}
    roster_key = guess.values.get("source.record_key")
    wanted = [roster_key] if isinstance(roster_key, str) else list(roster_key or [])
    folded = {column.casefold().strip(): column for column in header}
    if wanted and all(column.casefold().strip() in folded for column in wanted):
        found_key = True  # the roster's key columns, by name
        named = [folded[column.casefold().strip()] for column in wanted]
        if named != wanted:
            guess.values["enrollment_file.record_key"] = named[0] if len(named) == 1 else named
    else:
        # its ID column; else its first column that is no enrollment's ("Participant")
        others = [column for column in header if column not in found.values()]
        ids = [column for column in others
               if _core(column) in _COLUMN_NAMES["source.record_key"]
               or re.sub(r"[^0-9a-z]", "", column.casefold()).endswith(("id", "key"))] + others
        found_key = len(wanted) == 1 and bool(ids)
        if found_key:
            guess.values["enrollment_file.record_key"] = ids[0]
            guess.notes["enrollment_file.record_key"] = (
                "guessed: its ID column, or its first column that is no enrollment's: check "
                "that it holds the roster's record key")
    enrollments: dict[str, Any] = dict(found)
    if "start" in enrollments:
        enrollments["start"] = {"column": enrollments["start"], "transform": "month"}
    if enrollments:
        guess.values["enrollments"] = enrollments
        guess.values.pop("attributes.program", None)  # one name, one meaning: the enrollments'
    if not found_key:
        guess.left.append(f"enrollment_file.record_key: {path.name} does not name the roster's "
                          "record-key columns: name the column(s) holding it")
    if not enrollments:
        guess.left.append(f"[enrollments]: no program, site or start column recognised in "
                          f"{path.name}: declare the columns to send")
    guess.notes["enrollment_file.path"] = ("guessed: enrollments kept apart from the roster, "
                                           "each row joined to the roster record of its key")
    if enrollments:
        guess.notes["enrollments"] = (
            f"guessed: the columns of {path.name}: "
            + ", ".join(f"{name} from column {column!r}" for name, column in found.items())
            + ("; a start date travels as its month" if "start" in found else ""))


def _enrollment_sheet(path: Path, roster_sheet: str | list[str] | None) -> str | None:
    """Returns the workbook's first sheet, other than the roster's, whose header names a
    program, site or start column (None: none does, so the usual choice stands)."""
    names = {name for setting in ("attributes.program", "enrollments.site", "enrollments.start")
             for name in _COLUMN_NAMES[setting]}
    previews = workbook_previews(path)
    roster = roster_sheet if roster_sheet is not None else previews[0][0] if previews else None
    for title, rows in previews:
        if rows and title != roster and not (isinstance(roster, list) and title in roster):
            header = rows[header_position(rows)]
            if any(cell is not None and _core(str(cell)) in names for cell in header):
                return title
    return None


def _dob_parts(header: list[str]) -> list[str] | None:
    """Returns the [year, month, day] columns of a date of birth kept apart (a form's three
    drop-downs), when the header has all three; None otherwise."""
    found = [next((column for column in header if _core(column) in names), None)
             for names in _DOB_PART_NAMES]
    return found if all(found) and len(set(found)) == 3 else None  # type: ignore[return-value]


def _guess_composite_key(guess: Guess) -> None:
    """With no ID column, names the name and date-of-birth columns as the record key when
    there are both: together they tell a roster's youth apart (twins aside, whose records
    would share a key), where a name alone joins namesakes."""
    names = [guess.values[key] for key in _KEY_NAME_KEYS if guess.values.get(key)]
    dob = guess.values.get("identifiers.dob")
    if not names or not dob:
        return
    guess.values["source.record_key"] = [*names, *(dob if isinstance(dob, list) else [dob])]
    guess.notes["source.record_key"] = (
        "guessed: no ID column, so the name and date of birth identify a record; a corrected "
        "spelling makes a new record (the next match links it to the old one's youth). Name an "
        "ID column instead if the file has one")


def _guess_enrollments(guess: Guess, sample: pandas.DataFrame, taken: set[str]) -> None:
    """Declares the per-enrollment columns (program, site, start) as [enrollments] when record
    keys repeat in the sample and one of them differs between a key's rows: each row is then
    one enrollment, which would otherwise be skipped as a duplicate. Otherwise the site and
    start columns are not guessed (a program stays an attribute), and keys that repeat with
    nothing differing are reported as left to declare."""
    found = {name: guess.values.get(f"attributes.{name}", guess.values.get(f"enrollments.{name}"))
             for name in _PER_ENROLLMENT}
    found = {name: column for name, column in found.items() if column}
    for name in ("site", "start"):
        if guess.values.pop(f"enrollments.{name}", None):
            taken.discard(found[name])
    key = guess.values.get("source.record_key")
    key_columns = [key] if isinstance(key, str) else key or []
    if not key_columns or not all(column in sample for column in key_columns):
        return
    keys = pandas.Series([key or "" for key in record_keys_of(sample, key_columns)],
                         index=sample.index)
    kept = sample[keys != ""]
    repeated = kept[keys[keys != ""].duplicated(keep=False)]
    if repeated.empty:
        return
    later = int(keys[keys != ""].duplicated().sum())
    differing = [name for name, column in found.items()
                 if (repeated.groupby(keys[repeated.index])[column].nunique() > 1).any()]
    if not differing:
        guess.left.append(
            f"source.record_key: {later} of {len(sample)} sample rows repeat an earlier row's "
            f"record key ({key!r}) with no program, site or start column differing; `check` "
            "skips them as duplicates. If each row is one enrollment, declare the columns that "
            "differ under [enrollments]")
        return
    guess.values.pop("attributes.program", None)
    enrollments: dict[str, Any] = {name: column for name, column in found.items()}
    if "start" in enrollments:
        enrollments["start"] = {"column": enrollments["start"], "transform": "month"}
    taken.update(found.values())
    guess.values["enrollments"] = enrollments
    columns = ", ".join(repr(found[name]) for name in differing)
    guess.notes["enrollments"] = (
        f"guessed: {later} of {len(sample)} sample rows repeat an earlier row's record key with "
        f"{columns} differing, so each row is one enrollment; "
        + ", ".join(f"{name} from column {found[name]!r}" for name in enrollments)
        + ("; a start date travels as its month" if "start" in enrollments else ""))


def _describe(guess: Guess, header: list[str], sample: pandas.DataFrame, taken: set[str]) -> None:
    """Moves attribute guesses into their table and writes the notes and the report."""
    attributes = {key.split(".", 1)[1]: guess.values.pop(key)
                  for key in [k for k in guess.values if k.startswith("attributes.")]}
    if attributes:
        guess.values["attributes"] = attributes
        guess.notes["attributes"] = ("guessed: " + ", ".join(
            f"{name} from column {column!r}" for name, column in attributes.items())
            + '; race can be mapped to SPD 15 with [attributes.NAME] map = "spd15"')
    for key, value in guess.values.items():
        if key in ("source.path", "source.sheet", "source.header_line", "attributes",
                   "enrollments"):
            continue
        guess.notes.setdefault(key, f"guessed from column(s) {value!r}")
        guess.guessed.append(f"{key} = {value!r}" + (
            " (no ID column: the name and date of birth identify a record)"
            if key == "source.record_key" and isinstance(value, list) else ""))
    guess.guessed += [f"attribute {name} = {column!r}" for name, column in attributes.items()]
    if "enrollments" in guess.values:
        guess.guessed.append("enrollments " + guess.notes["enrollments"])
    dob = guess.values.get("identifiers.dob")
    if dob:
        if isinstance(dob, list):
            cells = (dates_from_parts(sample, dob) if all(part in sample for part in dob)
                     else [])
        else:
            cells = list(sample[dob]) if dob in sample else []
        reader, total = _sample_dates(cells)
        read = sum(reader.forms.values())
        found = f"reads {read} of {total} sample dates: {reader.describe()}"
        guess.notes["identifiers.dob_format"] = f'"auto" (the default) {found}'
        guess.guessed.append(f'identifiers.dob_format left "auto" (the default), which {found}')
        if read < total:
            guess.left.append(f"identifiers.dob_format: {total - read} of {total} sample dates "
                              f"in column {dob!r} are in no form \"auto\" reads: `check` lists "
                              "their rows; give their strptime format if they are dates")
    if "source.record_key" not in guess.values:
        guess.left.append("source.record_key: no column looks like the record key (an ID); "
                          "name it, or a list of the columns that together tell records apart")
    has_name = any(key in guess.values for key in
                   ("identifiers.first_name", "identifiers.last_name", "identifiers.full_name"))
    if not has_name:
        guess.left.append("identifiers: no name column recognised; name first_name/last_name "
                          "or full_name")
    if not dob:
        guess.left.append("identifiers.dob: no date-of-birth column recognised; name it if the "
                          "file has one: without it records link far worse (one partner of six "
                          "without dates of birth raised a city's unduplicated count by 4.9%)")
    held = sum((has_name, bool(dob), "identifiers.address" in guess.values))
    if held < MIN_LINKING_IDENTIFIERS:
        guess.left.append(
            f"identifiers: {held} of {', '.join(LINKING_IDENTIFIERS)} recognised; a row is "
            f"linked only with {MIN_LINKING_IDENTIFIERS} of them, so `check` would skip every "
            "row as too_few_identifiers: name the missing columns")
    unused = [column for column in header if column not in taken]
    if unused:
        guess.left.append("columns not used (declare any that should travel as attributes, "
                          "de-identified): " + ", ".join(unused))
    guess.left.append("coordinator.url, coordinator.token_file and linkage.secret_file: from "
                      "the hub operator and the key custodian")
