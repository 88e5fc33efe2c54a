"""The CSV files the synthetic partners (``synthetic.partner_specs``) would hand the agent, and
the truth about whom each record is of."""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from hublink.synthetic.corruption import ErrorRates, Recording, corrupt, strip_accents
from hublink.synthetic.dataset import TRUTH_COLUMNS, PartnerFile, SyntheticDataset, TruthRecord
from hublink.synthetic.partner_specs import (ADDRESS_FIELDS, ATTRIBUTE_FIELDS, DEFAULT_PARTNERS,
                                             DOB_PART_FIELDS, ENROLLMENT_FIELDS, EXCEL_SERIAL,
                                             IDENTIFIER_FIELDS, WRITTEN_SPANISH, PartnerSpec)
from hublink.synthetic.population import Person, age_on, generate_population

__all__ = ["write_partner_files", "generate_dataset", "age_band"]

_EXCEL_EPOCH = date(1899, 12, 30)
_SPANISH_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                   "septiembre", "octubre", "noviembre", "diciembre")
_SUMMER_STARTS = tuple(date(2026, 6, 15) + timedelta(days=7 * week) for week in range(8))


def age_band(age: int) -> str:
    """Given an age in years, returns the band community partners report it in."""
    for low, high in ((0, 9), (10, 13), (14, 17), (18, 21)):
        if low <= age <= high:
            return f"{max(low, 5)}-{high}"
    return "22-24"


def write_partner_files(out_dir: Path, population: list[Person],
                        partners: Sequence[PartnerSpec] = DEFAULT_PARTNERS, seed: int = 0,
                        error_rates: ErrorRates | None = None) -> SyntheticDataset:
    """Given a population and partners, writes one CSV per partner and truth.csv to out_dir.

    Returns the dataset description; the same inputs and seed always give the same files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    base_rates = error_rates or ErrorRates()
    files: list[PartnerFile] = []
    truth: dict[tuple[str, str], TruthRecord] = {}
    for spec in partners:
        rng = random.Random(f"{seed}:{spec.name}")
        rates = base_rates.scaled(spec.error_multiplier)
        if spec.name_order_swap is not None:
            rates = replace(rates, name_order_swap=spec.name_order_swap,
                            name_order_swap_asian=max(spec.name_order_swap, rates.name_order_swap_asian))
        people = [person for person in _roll(spec, population, rng)
                  for _ in range(_copies(spec, rng))]
        rng.shuffle(people)
        keys = _record_keys(spec, len(people), rng)
        rows = []
        # Their own generators, so that the people and errors stay those of the plain files.
        date_rng = random.Random(f"{seed}:{spec.name}:dates")
        enrollment_rng = random.Random(f"{seed}:{spec.name}:enrollments")
        for key, person in zip(keys, people):
            recording = corrupt(person, rates, rng)
            row = _row(spec, key, person, recording, rng)
            if spec.date_forms and "dob" in spec.columns:
                row[spec.columns["dob"]] = _date_text(recording.birth_date,
                                                      date_rng.choice(spec.date_forms))
            rows += _enrollment_rows(spec, row, enrollment_rng)
            truth[(spec.name, key)] = TruthRecord(spec.name, key, person.person_id,
                                                  person.race_ethnicity, recording.errors)
        if spec.enrollment_rate:
            enrollment_rng.shuffle(rows)  # a youth's enrollments are scattered in the file
        path = out_dir / f"{spec.name}.{'xlsx' if spec.sheet_per_site else 'csv'}"
        row_count, header = len(rows), list(spec.columns.values())
        if spec.enrollment_file_key:
            rows, header = _write_enrollment_file(_enrollment_path(out_dir, spec), spec, rows)
        if spec.sheet_per_site:
            _write_sheets(path, spec, header, rows)
        else:
            _write_csv(path, spec, header, rows)
        files.append(_partner_file(spec, path, len(keys), row_count))
    truth_path = out_dir / "truth.csv"
    with open(truth_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRUTH_COLUMNS)
        writer.writerows((t.partner, t.record_key, t.person_id, t.race_ethnicity,
                          ";".join(t.errors)) for t in truth.values())
    return SyntheticDataset(out_dir, files, truth_path, truth)


def generate_dataset(out_dir: Path, youth: int = 5000, seed: int = 0,
                     partners: Sequence[PartnerSpec] = DEFAULT_PARTNERS) -> SyntheticDataset:
    """Given a folder, a population size, a seed and the partners (default: the default
    partners), writes the partners' files there."""
    return write_partner_files(Path(out_dir), generate_population(youth, seed), partners,
                               seed=seed)


def _date_text(born: date | None, form: str) -> str:
    if born is None:
        return ""
    if form == EXCEL_SERIAL:
        return str((born - _EXCEL_EPOCH).days)
    if form == WRITTEN_SPANISH:
        return f"{born.day} de {_SPANISH_MONTHS[born.month - 1]} de {born.year}"
    if "%-" in form:  # unpadded, portably (strftime's %-d is not on Windows)
        return re.sub(r"\b0(\d)", r"\1", born.strftime(form.replace("%-", "%")))
    return born.strftime(form)


def _enrollment_rows(spec: PartnerSpec, row: dict[str, str],
                     rng: random.Random) -> list[dict[str, str]]:
    """Returns the youth's rows: one, or with enrollments one per program taken (distinct
    programs, each at a site and a start date)."""
    if not spec.enrollment_rate:
        return [row]
    count = 1
    while count < min(4, len(spec.programs)) and rng.random() < spec.enrollment_rate:
        count += 1
    programs = [row[spec.columns["program"]]] if "program" in spec.columns else []
    programs += rng.sample([p for p in spec.programs if p not in programs], count - len(programs))
    rows = []
    for program in programs[:count]:
        enrollment = dict(row)
        if "program" in spec.columns:
            enrollment[spec.columns["program"]] = program
        enrollment[spec.columns["site"]] = rng.choice(spec.sites)
        enrollment[spec.columns["start"]] = rng.choice(_SUMMER_STARTS).strftime("%m/%d/%Y")
        rows.append(enrollment)
    return rows


def _roll(spec: PartnerSpec, population: list[Person], rng: random.Random) -> list[Person]:
    """Returns the people on the partner's roll, over-represented groups more often."""
    low, high = spec.ages
    eligible = [p for p in population if low <= age_on(p.birth_date) <= high
                and (not spec.zips or p.zip in spec.zips)]
    weights = [spec.group_weights.get(p.race_ethnicity, 1.0) for p in eligible]
    scale = spec.coverage * len(eligible) / (sum(weights) or 1.0)
    return [p for p, weight in zip(eligible, weights) if rng.random() < scale * weight]


def _copies(spec: PartnerSpec, rng: random.Random) -> int:
    copies = 1
    while rng.random() < (spec.duplicate_rate if copies == 1 else 0.15):
        copies += 1
    return copies


def _record_keys(spec: PartnerSpec, count: int, rng: random.Random) -> list[str]:
    digits = max(spec.key_digits, len(str(count * 4)))
    low = 1 if spec.key_digits == 0 else 10 ** (digits - 1)
    numbers = rng.sample(range(low, 10 ** digits), count)
    width = digits if spec.key_digits else 0  # key_digits 0: plain, unpadded numbers
    return [f"{spec.key_prefix}{number:0{width}d}" for number in numbers]


def _row(spec: PartnerSpec, key: str, person: Person, recording: Recording,
         rng: random.Random) -> dict[str, str]:
    given, middle, family = recording.given_name, recording.middle_name, recording.family_name
    if spec.middle_initial_only:
        middle = middle.strip()[:1]
    if recording.suffix:
        family = f"{family} {recording.suffix}"
    if spec.strips_accents:
        given, middle, family = strip_accents(given), strip_accents(middle), strip_accents(family)
    if spec.upper_case:
        given, middle, family = given.upper(), middle.upper(), family.upper()
    full_name = f"{given} {family}"
    if spec.full_name_style == "last_first":
        full_name = f"{family}, {given}"
    born = recording.birth_date
    birth = born.strftime(spec.dob_format) if born else ""
    if spec.unpadded_dates:
        birth = re.sub(r"\b0(\d)", r"\1", birth)
    race = spec.race_labels.get(person.race_ethnicity, person.race_ethnicity)
    if rng.random() < spec.race_unknown_rate:
        race = spec.unknown_race_label
    street = recording.street_name.upper() if spec.upper_case else recording.street_name
    address_line = f"{recording.street_number} {street}".strip()
    place = ", ".join(part for part in (recording.city, f"MD {recording.zip}".strip()) if part)
    full_address = ", ".join(part for part in (address_line, place) if part) if (
        address_line or recording.city or recording.zip) else ""
    female, male, missing = spec.sex_codes
    values = {
        "record_key": key, "first_name": given, "middle_name": middle, "last_name": family,
        "full_name": full_name.strip(), "dob": birth,
        # a form's three drop-downs: the month by name
        "birth_year": str(born.year) if born else "",
        "birth_month": born.strftime("%B") if born else "",
        "birth_day": str(born.day) if born else "",
        "sex": {"F": female, "M": male}.get(recording.sex, missing),
        "street_number": recording.street_number, "street_name": street,
        "address_line": address_line, "full_address": full_address, "city": recording.city,
        "zip": recording.zip,
        "race_ethnicity": race, "program": rng.choice(spec.programs),
        "neighbourhood": recording.neighbourhood, "age_band": age_band(age_on(person.birth_date)),
        "site": "", "start": "",  # per enrollment: see _enrollment_rows
    }
    return {column: values[logical] for logical, column in spec.columns.items()}


def _write_csv(path: Path, spec: PartnerSpec, header: list[str],
               rows: list[dict[str, str]]) -> None:
    """Writes the rows as a CSV file: the title lines, then each export with its header."""
    with open(path, "w", newline="", encoding=spec.encoding, errors="replace") as handle:
        handle.writelines(line + "\r\n" for line in spec.title_lines)
        writer = csv.DictWriter(handle, fieldnames=header)
        part_rows = len(rows) // spec.appended_exports
        for part in range(spec.appended_exports):
            writer.writeheader()
            writer.writerows(rows[part * part_rows:None if part == spec.appended_exports - 1
                                  else (part + 1) * part_rows])


def _enrollment_path(out_dir: Path, spec: PartnerSpec) -> Path:
    return out_dir / f"{spec.name}-enrollments.csv"


def _write_enrollment_file(path: Path, spec: PartnerSpec, rows: list[dict[str, str]]
                           ) -> tuple[list[dict[str, str]], list[str]]:
    """Writes the rows' enrollments (the record key, then the program, site and start columns)
    to their own file; returns the roster (each key's first row, without them) and its header."""
    names = [spec.columns[field] for field in ENROLLMENT_FIELDS if field in spec.columns]
    key = spec.columns["record_key"]
    with open(path, "w", newline="", encoding=spec.encoding, errors="replace") as handle:
        writer = csv.writer(handle)
        writer.writerow([spec.enrollment_file_key, *names])
        writer.writerows([row[key], *(row[name] for name in names)] for row in rows)
    roster: dict[str, dict[str, str]] = {}
    for row in rows:
        roster.setdefault(row[key], {column: cell for column, cell in row.items()
                                     if column not in names})
    return list(roster.values()), [column for column in spec.columns.values() if column not in names]


def _write_sheets(path: Path, spec: PartnerSpec, header: list[str],
                  rows: list[dict[str, str]]) -> None:
    """Writes the rows as a workbook with one sheet per site, each with the header."""
    import openpyxl  # the agent's reader of workbooks: only real-world files need it

    workbook = openpyxl.Workbook(write_only=True)
    for site in spec.sites:
        sheet = workbook.create_sheet(site)
        sheet.append(header)
        for row in rows:
            if row[spec.columns["site"]] == site:
                sheet.append([row.get(column, "") for column in header])
    workbook.save(path)


def _partner_file(spec: PartnerSpec, path: Path, record_count: int,
                  row_count: int) -> PartnerFile:
    columns = spec.columns
    identifiers: dict[str, str | list[str]] = {
        name: columns[name] for name in IDENTIFIER_FIELDS if name in columns}
    if all(name in columns for name in DOB_PART_FIELDS):
        identifiers["dob"] = [columns[name] for name in DOB_PART_FIELDS]  # read with "auto"
    elif "dob" in identifiers:
        identifiers["dob_format"] = "auto" if spec.date_forms else spec.dob_format
    address = [columns[name] for name in ADDRESS_FIELDS if name in columns]
    if address:
        identifiers["address"] = address
    enrollments: dict[str, str | dict[str, str]] = {}
    if spec.enrollment_rate:
        enrollments = {name: columns[name] for name in ENROLLMENT_FIELDS if name in columns}
        enrollments["start"] = {"column": columns["start"], "transform": "month"}
    attributes = {name: columns[name] for name in ATTRIBUTE_FIELDS
                  if name in columns and name not in enrollments}
    return PartnerFile(spec.name, path, columns["record_key"], identifiers, attributes,
                       record_count, enrollments=enrollments, row_count=row_count,
                       encoding=spec.encoding, header_line=len(spec.title_lines) + 1,
                       sheets=spec.sites if spec.sheet_per_site else (),
                       enrollment_file=({"path": str(_enrollment_path(path.parent, spec)),
                                         "record_key": spec.enrollment_file_key}
                                        if spec.enrollment_file_key else {}))
