"""Partner organisations and the CSV files they would hand the agent."""

from __future__ import annotations

import csv
import dataclasses
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from hublink.synthetic.corruption import ErrorRates, Recording, corrupt, strip_accents
from hublink.synthetic.dataset import TRUTH_COLUMNS, PartnerFile, SyntheticDataset, TruthRecord
from hublink.synthetic.names import AIAN, ASIAN, BLACK, HISPANIC, MENA, MULTIRACIAL, NHPI, WHITE
from hublink.synthetic.population import Person, age_on, generate_population

__all__ = ["PartnerSpec", "DEFAULT_PARTNERS", "EXCEL_SERIAL", "write_partner_files",
           "generate_dataset", "age_band", "real_world_partners"]

# Logical fields a partner's ``columns`` may name; the agent sees them through PartnerFile.
IDENTIFIER_FIELDS = ("first_name", "middle_name", "last_name", "full_name", "dob", "sex", "city",
                     "zip")
ADDRESS_FIELDS = ("street_number", "street_name", "address_line")
ATTRIBUTE_FIELDS = ("race_ethnicity", "program", "neighbourhood", "age_band")
ENROLLMENT_FIELDS = ("program", "site", "start")
EXCEL_SERIAL = "excel"  # a date form: the spreadsheet's serial day number, as text
_EXCEL_EPOCH = date(1899, 12, 30)
_SUMMER_STARTS = tuple(date(2026, 6, 15) + timedelta(days=7 * week) for week in range(8))


@dataclass(frozen=True)
class PartnerSpec:
    """One partner: whom it serves, how messy its records are, and its file layout.

    ``columns`` maps logical fields (record_key, the identifier, address and attribute fields
    above) to the partner's own column names, in file order. ``full_name_style`` is
    "last_first" ("Last, First") or "first_last" ("First Last") when the partner keeps one
    name column instead of first/middle/last.
    """

    name: str
    kind: str
    coverage: float                      # share of eligible youth on the partner's roll
    columns: dict[str, str]
    key_prefix: str
    key_digits: int
    ages: tuple[int, int] = (5, 24)
    zips: tuple[str, ...] = ()           # the area served; empty for the whole city
    group_weights: dict[str, float] = field(default_factory=dict)  # over-representation
    duplicate_rate: float = 0.02         # people entered twice under different record keys
    error_multiplier: float = 1.0
    name_order_swap: float | None = None  # this partner's rate of given and family swapped
    dob_format: str = "%m/%d/%Y"
    unpadded_dates: bool = False         # 7/4/2010 rather than 07/04/2010 (same dob_format)
    sex_codes: tuple[str, str, str] = ("F", "M", "")  # female, male, missing
    full_name_style: str | None = None
    middle_initial_only: bool = False
    upper_case: bool = False
    strips_accents: bool = False
    race_labels: dict[str, str] = field(default_factory=dict)  # partner's own coding
    race_unknown_rate: float = 0.02
    unknown_race_label: str = ""
    programs: tuple[str, ...] = ("",)
    # Real-world files (see real_world_partners): every date of birth in one of these forms
    # (strptime formats or EXCEL_SERIAL) instead of dob_format; one row per enrollment, a
    # youth taking a further program with this chance each time (at most 4), at these sites
    # (columns "site" and "start"); the file's text encoding.
    date_forms: tuple[str, ...] = ()
    enrollment_rate: float = 0.0
    sites: tuple[str, ...] = ()
    encoding: str = "utf-8"


_OLD_STANDARD_LABELS = {  # the 1997 standard: MENA youth were recorded as White
    BLACK: "Black/African American", HISPANIC: "Hispanic/Latino", MENA: WHITE,
    MULTIRACIAL: "Two or More Races", AIAN: "American Indian/Alaska Native",
    NHPI: "Native Hawaiian/Other Pacific Islander",
}

DEFAULT_PARTNERS: tuple[PartnerSpec, ...] = (
    PartnerSpec(
        name="city_schools", kind="school", coverage=0.82, ages=(5, 19), duplicate_rate=0.01,
        error_multiplier=0.6, key_prefix="S", key_digits=7, upper_case=True, strips_accents=True,
        columns={"record_key": "STUDENT_ID", "first_name": "STU_FIRST_NM",
                 "middle_name": "STU_MIDDLE_NM", "last_name": "STU_LAST_NM", "dob": "BIRTH_DT",
                 "sex": "GENDER_CD", "street_number": "STREET_NO", "street_name": "STREET",
                 "city": "CITY", "zip": "ZIP_CD", "race_ethnicity": "RACE_ETHNICITY",
                 "program": "Program"},
        race_labels=_OLD_STANDARD_LABELS, race_unknown_rate=0.005,
        programs=("Summer Learning", "Extended School Year", "Summer Bridge", "")),
    PartnerSpec(
        name="youthworks", kind="employment", coverage=0.40, ages=(14, 21),
        group_weights={BLACK: 1.4, WHITE: 0.5}, duplicate_rate=0.03, key_prefix="YW-",
        key_digits=5, dob_format="%Y-%m-%d", sex_codes=("Female", "Male", ""),
        middle_initial_only=True,
        columns={"record_key": "YW_ID", "first_name": "FIRST_NAME", "middle_name": "MI",
                 "last_name": "LAST_NAME", "dob": "DOB", "sex": "GENDER",
                 "address_line": "ADDRESS_LINE1", "city": "CITY", "zip": "ZIP",
                 "race_ethnicity": "RACE", "neighbourhood": "NEIGHBORHOOD",
                 "program": "WORKSITE_TYPE"},
        programs=("Public sector", "Private sector", "Nonprofit", "Career Academy",
                  "Hire One Youth")),
    PartnerSpec(
        name="health_department", kind="health", coverage=0.30, duplicate_rate=0.04,
        error_multiplier=1.2, name_order_swap=0.20, key_prefix="HD", key_digits=8, dob_format="%Y%m%d",
        sex_codes=("F", "M", "U"), full_name_style="last_first", upper_case=True,
        columns={"record_key": "MRN", "full_name": "CLIENT_NAME", "dob": "DOB", "sex": "SEX",
                 "address_line": "ADDR", "city": "CITY", "zip": "ZIP",
                 "race_ethnicity": "RACE_ETH", "program": "SERVICE"},
        unknown_race_label="Unknown",
        programs=("Vision for Baltimore", "School-Based Health Center", "Teen Clinic",
                  "Immunization", "Lead Poisoning Prevention", "Youth Violence Prevention")),
    PartnerSpec(
        name="rec_and_parks", kind="recreation", coverage=0.22, ages=(5, 17),
        duplicate_rate=0.03, error_multiplier=1.3, key_prefix="RP", key_digits=6,
        unpadded_dates=True,
        columns={"record_key": "Participant ID", "first_name": "First Name",
                 "last_name": "Last Name", "dob": "Birthdate", "sex": "Gender",
                 "address_line": "Street Address", "city": "City", "zip": "Zip Code",
                 "race_ethnicity": "Race/Ethnicity", "program": "Rec Center"},
        race_unknown_rate=0.06,
        programs=("Cahill", "Chick Webb", "Patterson Park", "Carroll F. Cook", "Farring Baybrook",
                  "Mary E. Rodman", "Towanda", "Bentalou", "Morrell Park", "Clifton Park")),
    PartnerSpec(
        name="harbor_youth_alliance", kind="community", coverage=0.30, ages=(8, 18),
        zips=("21224", "21231", "21205", "21213", "21206", "21202"),
        group_weights={HISPANIC: 3.0, ASIAN: 1.5}, duplicate_rate=0.07, error_multiplier=2.0,
        name_order_swap=0.10,
        key_prefix="HYA-", key_digits=4, sex_codes=("Female", "Male", ""),
        full_name_style="first_last",
        columns={"record_key": "ID", "full_name": "Participant Name", "dob": "DOB",
                 "sex": "Gender", "address_line": "Address", "zip": "Zip",
                 "race_ethnicity": "Race/Ethnicity", "program": "Program",
                 "age_band": "Age Group"},
        race_labels={HISPANIC: "Latino/a", BLACK: "Black", MULTIRACIAL: "Mixed"},
        race_unknown_rate=0.08,
        programs=("ESOL Homework Club", "Soccer", "Summer Camp", "Teen Leadership")),
    PartnerSpec(
        name="westside_mentoring", kind="community", coverage=0.25, ages=(10, 24),
        zips=("21216", "21217", "21223", "21229", "21215", "21207"),
        group_weights={BLACK: 1.2}, duplicate_rate=0.08, error_multiplier=2.5, key_prefix="",
        key_digits=0, dob_format="%m-%d-%Y", full_name_style="first_last",
        columns={"record_key": "Mentee ID", "full_name": "Name", "dob": "Date of Birth",
                 "sex": "Sex", "zip": "Zip", "race_ethnicity": "Race", "program": "Track",
                 "age_band": "Age Band"},
        race_labels={BLACK: "African American", MULTIRACIAL: "Biracial/Multiracial"},
        race_unknown_rate=0.10,
        programs=("Mentoring", "Workforce Readiness", "Credit Recovery", "Summer Arts")),
)


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
        path = out_dir / f"{spec.name}.csv"
        with open(path, "w", newline="", encoding=spec.encoding, errors="replace") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(spec.columns.values()))
            writer.writeheader()
            writer.writerows(rows)
        files.append(_partner_file(spec, path, len(keys), len(rows)))
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


# Per partner: the date forms its file mixes (a system migration, hand entry, exports from
# a spreadsheet), how often a youth takes a further program, and whether it saves cp1252.
_REAL_WORLD = {
    "city_schools": (("%m/%d/%Y", "%Y-%m-%d", EXCEL_SERIAL), 0.15, ("Main", "Annex"), "utf-8"),
    "youthworks": (("%Y-%m-%d", "%m/%d/%Y", "%d-%b-%Y"), 0.25, ("Downtown", "Eastside"), "cp1252"),
    "health_department": (("%Y%m%d", "%m/%d/%Y"), 0.30, ("Clinic A", "Clinic B"), "utf-8"),
    "rec_and_parks": (("%m/%d/%Y", "%-m/%-d/%Y", "%d-%b-%Y", EXCEL_SERIAL), 0.45,
                      ("Cahill", "Patterson Park", "Clifton Park"), "cp1252"),
    "harbor_youth_alliance": (("%m/%d/%Y", "%-m/%-d/%Y", "%Y-%m-%d", "%d-%b-%Y"), 0.40,
                              ("Fells Point", "Highlandtown"), "cp1252"),
    "westside_mentoring": (("%m-%d-%Y", "%m/%d/%Y", EXCEL_SERIAL, "%d-%b-%y"), 0.35,
                           ("Sandtown", "Harlem Park"), "cp1252"),
}


def real_world_partners(partners: Sequence[PartnerSpec] = DEFAULT_PARTNERS,
                        mixed_dates: bool = True) -> tuple[PartnerSpec, ...]:
    """Given partners, returns them as their files really look: one row per enrollment
    (program, site, start date), most saved as cp1252, and with ``mixed_dates`` each date of
    birth in one of the partner's several forms (without: the partner's one dob_format, the
    same people, errors and enrollments otherwise)."""
    specs = []
    for spec in partners:
        forms, rate, sites, encoding = _REAL_WORLD.get(spec.name, ((), 0.3, ("Main",), "cp1252"))
        columns = {**spec.columns, "site": "Site", "start": "Start Date"}
        specs.append(dataclasses.replace(
            spec, columns=columns, date_forms=forms if mixed_dates else (),
            enrollment_rate=rate, sites=sites, encoding=encoding))
    return tuple(specs)


def _date_text(born: date | None, form: str) -> str:
    if born is None:
        return ""
    if form == EXCEL_SERIAL:
        return str((born - _EXCEL_EPOCH).days)
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
    birth = recording.birth_date.strftime(spec.dob_format) if recording.birth_date else ""
    if spec.unpadded_dates:
        birth = re.sub(r"\b0(\d)", r"\1", birth)
    race = spec.race_labels.get(person.race_ethnicity, person.race_ethnicity)
    if rng.random() < spec.race_unknown_rate:
        race = spec.unknown_race_label
    street = recording.street_name.upper() if spec.upper_case else recording.street_name
    address_line = f"{recording.street_number} {street}".strip()
    female, male, missing = spec.sex_codes
    values = {
        "record_key": key, "first_name": given, "middle_name": middle, "last_name": family,
        "full_name": full_name.strip(), "dob": birth,
        "sex": {"F": female, "M": male}.get(recording.sex, missing),
        "street_number": recording.street_number, "street_name": street,
        "address_line": address_line, "city": recording.city, "zip": recording.zip,
        "race_ethnicity": race, "program": rng.choice(spec.programs),
        "neighbourhood": recording.neighbourhood, "age_band": age_band(age_on(person.birth_date)),
        "site": "", "start": "",  # per enrollment: see _enrollment_rows
    }
    return {column: values[logical] for logical, column in spec.columns.items()}


def _partner_file(spec: PartnerSpec, path: Path, record_count: int,
                  row_count: int) -> PartnerFile:
    columns = spec.columns
    identifiers: dict[str, str | list[str]] = {
        name: columns[name] for name in IDENTIFIER_FIELDS if name in columns}
    if "dob" in identifiers:
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
                       encoding=spec.encoding)
