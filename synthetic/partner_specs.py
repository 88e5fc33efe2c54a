"""The synthetic partner organisations: whom each serves, how messy its records are, and the
layout of its file (``PartnerSpec``), the default six, and the same six as their files really
look (``real_world_partners``). ``synthetic.partners`` writes their files."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from hublink.synthetic.names import AIAN, ASIAN, BLACK, HISPANIC, MENA, MULTIRACIAL, NHPI, WHITE

__all__ = ["PartnerSpec", "DEFAULT_PARTNERS", "EXCEL_SERIAL", "WRITTEN_SPANISH", "real_world_partners",
           "IDENTIFIER_FIELDS", "DOB_PART_FIELDS", "ADDRESS_FIELDS", "ATTRIBUTE_FIELDS",
           "ENROLLMENT_FIELDS"]

# Logical fields a partner's ``columns`` may name; the agent sees them through PartnerFile.
IDENTIFIER_FIELDS = ("first_name", "middle_name", "last_name", "full_name", "dob", "sex", "city",
                     "zip")
DOB_PART_FIELDS = ("birth_year", "birth_month", "birth_day")
"""A date of birth in three columns instead of ``dob``, as a sign-up form's drop-downs give it
(the month by name)."""
ADDRESS_FIELDS = ("street_number", "street_name", "address_line", "full_address")
"""``full_address`` is the whole address in one cell, "12 Oak Lane, Baltimore, MD 21218", as a
sign-up form collects it."""
ATTRIBUTE_FIELDS = ("race_ethnicity", "program", "neighbourhood", "age_band")
ENROLLMENT_FIELDS = ("program", "site", "start")
EXCEL_SERIAL = "excel"  # a date form: the spreadsheet's serial day number, as text
WRITTEN_SPANISH = "written in Spanish"  # a date form typed into a form: "12 de agosto de 2009"


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
    # (columns "site" and "start"); the file's text encoding; lines above the header (a
    # report export's title and run date); how many exports the file is, appended one to
    # another, each with its header; whether the file is a workbook with a sheet per site;
    # the key column of a separate enrollment file (the roster then one row per youth).
    date_forms: tuple[str, ...] = ()
    enrollment_rate: float = 0.0
    sites: tuple[str, ...] = ()
    encoding: str = "utf-8"
    title_lines: tuple[str, ...] = ()
    appended_exports: int = 1
    sheet_per_site: bool = False
    enrollment_file_key: str = ""


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
                 "sex": "Gender", "full_address": "Address",
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


# Partners whose file is a report export: its title lines above the header.
_TITLE_LINES = {"rec_and_parks": ("Baltimore City Recreation and Parks - Participant Roster",
                                  "Run date: 06/30/2026", "")}
# Partners whose file is several exports appended one to another (each month's added to the last).
_APPENDED_EXPORTS = {"youthworks": 3}
# Partners that keep a workbook with a sheet per site (a youth at two sites is on both).
_SHEET_PER_SITE = {"westside_mentoring"}
# Partners whose roster lists each youth once, beside a file of enrollments: its key column.
_ENROLLMENT_FILE_KEY = {"harbor_youth_alliance": "Participant"}
# Partners whose sign-up form asks for the birth month, day and year apart: their columns.
_DOB_IN_PARTS = {"westside_mentoring": {"birth_month": "Birth Month", "birth_day": "Birth Day",
                                        "birth_year": "Birth Year"}}
# Per partner: the date forms its file mixes (a system migration, hand entry, exports from
# a spreadsheet), how often a youth takes a further program, and whether it saves cp1252.
_REAL_WORLD = {
    "city_schools": (("%m/%d/%Y", "%Y-%m-%d", EXCEL_SERIAL), 0.15, ("Main", "Annex"), "utf-8"),
    "youthworks": (("%Y-%m-%d", "%m/%d/%Y", "%d-%b-%Y"), 0.25, ("Downtown", "Eastside"), "cp1252"),
    "health_department": (("%Y%m%d", "%m/%d/%Y", "%m/%d/%y"), 0.30, ("Clinic A", "Clinic B"),
                          "utf-8"),
    "rec_and_parks": (("%m/%d/%Y", "%-m/%-d/%Y", "%d-%b-%Y", EXCEL_SERIAL), 0.45,
                      ("Cahill", "Patterson Park", "Clifton Park"), "cp1252"),
    "harbor_youth_alliance": (("%m/%d/%Y", "%-m/%-d/%Y", "%Y-%m-%d", "%d-%b-%Y", WRITTEN_SPANISH),
                              0.40, ("Fells Point", "Highlandtown"), "cp1252"),
    "westside_mentoring": (("%m-%d-%Y", "%m/%d/%Y", EXCEL_SERIAL, "%d-%b-%y"), 0.35,
                           ("Sandtown", "Harlem Park"), "cp1252"),
}


def real_world_partners(partners: Sequence[PartnerSpec] = DEFAULT_PARTNERS,
                        mixed_dates: bool = True) -> tuple[PartnerSpec, ...]:
    """Given partners, returns them as their files really look: one row per enrollment
    (program, site, start date), most saved as cp1252, one asking for the birth month, day and
    year apart, one a report export with title lines above its header, one three monthly
    exports appended one to another (the header repeated at each join), one a workbook with a
    sheet per site, one a roster beside a separate file of enrollments, and with
    ``mixed_dates`` each other date of birth in one of the partner's several forms (without:
    the partner's one dob_format, the same people, errors and enrollments otherwise)."""
    specs = []
    for spec in partners:
        forms, rate, sites, encoding = _REAL_WORLD.get(spec.name, ((), 0.3, ("Main",), "cp1252"))
        columns = {**spec.columns, "site": "Site", "start": "Start Date"}
        if spec.name in _DOB_IN_PARTS and "dob" in columns:
            columns = {part: name for logical, column in columns.items()
                       for part, name in (_DOB_IN_PARTS[spec.name].items() if logical == "dob"
                                          else ((logical, column),))}
        specs.append(dataclasses.replace(
            spec, columns=columns, date_forms=forms if mixed_dates else (),
            enrollment_rate=rate, sites=sites, encoding=encoding,
            title_lines=_TITLE_LINES.get(spec.name, ()),
            appended_exports=_APPENDED_EXPORTS.get(spec.name, 1),
            sheet_per_site=spec.name in _SHEET_PER_SITE,
            enrollment_file_key=_ENROLLMENT_FILE_KEY.get(spec.name, "")))
    return tuple(specs)


