"""The agent's declared configuration schema: one table drives validation, docs and `init`.

Each setting has a section, a key, a kind, whether it is required, a default, a help text, an
example and, for numbers, the range accepted. ``config.load_config`` validates a TOML file
against this table, reporting every problem in one pass, and builds ``AgentConfig`` from it
(each setting is one attribute, with this table's default); ``docs/agent-config.md`` and
``hublink-agent init`` are generated from it (``agent.settings_render``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hublink.agent.readers.cells import HEADER_SEARCH_LINES
from hublink.shared.sync_protocol import MAX_CHUNK_RECORDS

__all__ = ["Setting", "SETTINGS", "IDENTIFIER_KEYS", "IDENTIFIER_COLUMN_KEYS", "IDENTIFIER_OPTION_KEYS",
           "NAME_KEYS", "ATTRIBUTE_TABLE_KEYS"]


@dataclass(frozen=True)
class Setting:
    """One configuration key: ``kind`` is one of str, path, float, int, bool, date,
    dateformat, columns, list, table."""

    section: str
    key: str
    kind: str
    help: str
    example: Any = None
    required: bool = False
    default: Any = None
    unless: str | None = None  # a key of the same section that, when set, lifts ``required``
    attribute: str | None = None  # the AgentConfig attribute, when it is not ``key``
    minimum: int | None = None  # for int settings: the smallest value accepted
    maximum: int | None = None  # for int settings: the largest value accepted

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def config_attribute(self) -> str:
        """Returns the name of the ``AgentConfig`` attribute holding this setting's value."""
        return self.attribute or (self.section if self.key == "*" else self.key)

    @property
    def described(self) -> str:
        """Returns the help text with the accepted range, as docs and ``init`` show it."""
        if self.minimum is None and self.maximum is None:
            return self.help
        if self.maximum is None:
            return f"{self.help} At least {self.minimum}."
        return f"{self.help} From {self.minimum or 0} to {self.maximum}."


SETTINGS: tuple[Setting, ...] = (
    Setting("coordinator", "url", "str", "Base URL of the hub's coordinator.",
            "https://hub.example.org", required=True, attribute="coordinator_url"),
    Setting("coordinator", "token_file", "path",
            "File holding this partner's API token (printed once by `partner add`).",
            "partner.token", required=True),
    Setting("coordinator", "timeout", "float", "Seconds to wait for the coordinator per request.",
            60.0, default=60.0),
    Setting("coordinator", "chunk_records", "int",
            "Records per upload chunk; a killed sync resumes from the first missing chunk.",
            5000, default=5000, minimum=1, maximum=MAX_CHUNK_RECORDS),
    Setting("coordinator", "retries", "int",
            "Retries, with exponential backoff, after a connection error or a 5xx answer.",
            5, default=5),
    Setting("linkage", "secret_file", "path",
            "The linkage secret shared by all partners, from the key custodian. Never sent anywhere.",
            "linkage.secret", required=True),
    Setting("source", "path", "path",
            "The source file: .csv, .tsv, .txt, .xlsx or .xls. Required unless source.url is set. A "
            "name with a wildcard, such as exports/*.csv, reads every file it matches, sorted by "
            "name, each with the same columns (a folder each month's export is dropped into).",
            "students.csv", required=True, unless="url", attribute="source_path"),
    Setting("source", "url", "str",
            "SQLAlchemy URL of a database source, instead of source.path. postgresql:// uses "
            "psycopg and mysql:// or mariadb:// use PyMySQL (the `sql` extra). Keep the "
            "password out of it: see source.password_env.",
            "postgresql://hublink@db.example.org/students", attribute="source_url"),
    Setting("source", "password_env", "str",
            "Environment variable holding the database password; it is never logged.",
            "HUBLINK_SOURCE_PASSWORD"),
    Setting("source", "query", "str",
            "SQL query whose rows are the source (with source.url; or source.table).",
            "SELECT * FROM enrolment WHERE school_year = 2025", attribute="source_query"),
    Setting("source", "table", "str",
            "Table or view whose rows are the source, as name or schema.name (with source.url; "
            "or source.query).", "public.students", attribute="source_table"),
    Setting("source", "record_key", "columns",
            "Column holding this partner's own record key; it leaves only as a keyed pseudonym. "
            "A file with no ID column names the columns that together tell its records apart, "
            'such as ["Last Name", "First Name", "DOB"] (compared with case and runs of space '
            "ignored; a corrected spelling then makes a new record, which the next match links "
            "to the old one's youth).",
            "STUDENT_ID", required=True),
    Setting("source", "sheet", "sheets",
            "Worksheet of an .xlsx or .xls source (default: the first), or a list of worksheets "
            "read one after another, each with the same columns on the same header line, such as "
            'a sheet per month ["June", "July", "August"]; reports then name rows as "July row 5".',
            "Sheet1"),
    Setting("source", "header_line", "int",
            "Line (spreadsheet row) of a .csv, .xlsx or .xls source that names the columns; lines "
            "above it (a report's title, an export date) are not read, and reported line "
            "numbers stay the file's own. `init --from` finds it.",
            3, default=1, minimum=1, maximum=HEADER_SEARCH_LINES),
    Setting("source", "encoding", "str",
            'Text encoding of a .csv source; "auto" reads UTF-8 (with or without BOM) or '
            'UTF-16 with BOM, and otherwise Windows-1252.', "cp1252", default="auto"),
    Setting("source", "chunk_rows", "int",
            "Rows read at a time: bounds the agent's memory whatever the source's size.",
            50000, default=50000, minimum=1),
    Setting("source", "opt_out_file", "path",
            "Record keys of people who opted out, one per line or a CSV with a record_key "
            "column (for a record key of several columns, a CSV with those columns): their "
            "records are not sent.", "opt-out.csv"),
    Setting("identifiers", "first_name", "str", "Column with the given name.", "STU_FIRST_NM"),
    Setting("identifiers", "middle_name", "str", "Column with the middle name.", "STU_MIDDLE_NM"),
    Setting("identifiers", "last_name", "str", "Column with the family name.", "STU_LAST_NM"),
    Setting("identifiers", "full_name", "str",
            'Column with the whole name, "Last, First" or "First Last", instead of first/last.',
            None),
    Setting("identifiers", "dob", "columns",
            "Column with the date of birth, or the list of three columns [year, month, day] "
            "of a form that asks for them apart (a month as a number or a name).", "BIRTH_DT"),
    Setting("identifiers", "dob_format", "dateformat",
            'How dates of birth are written: "auto" (the default) recognises ISO, month/day/'
            "year with or without zero padding or with a two-digit year (00-68: 20xx), "
            "day-month name-year (also SAS's 12AUG2009), YYYYMMDD, ISO timestamps, Excel serial "
            "numbers and spreadsheet date cells, value by value, and reads a day/month that "
            "could be either in the column's dominant unambiguous order (month first when "
            "none is), so a file that mixes forms loses no dates; `check` reports the forms "
            'found. Or one strptime format ("%m/%d/%Y"), or a list tried in order.',
            "auto", default="auto"),
    Setting("identifiers", "sex", "str", "Column with sex: F/M/Female/Male/U/Unknown/blank. "
            'A gender attribute may read it through map = "gender" (see Attribute tables).',
            "GENDER_CD"),
    Setting("identifiers", "address", "columns",
            "Column, or list of columns joined with spaces, holding the street address.",
            ["STREET_NO", "STREET"]),
    Setting("identifiers", "city", "str", "Column with the city.", "CITY"),
    Setting("identifiers", "zip", "str", "Column with the ZIP code: 5 or 9 digits (ZIP+4, "
            "with or without the dash); any other shape is counted as a bad_zip problem.",
            "ZIP_CD"),
    Setting("identifiers", "zip_pad", "bool",
            "Restore a leading zero a spreadsheet dropped (2134 -> 02134). Off by default: in "
            "most of the country a 4-digit ZIP is an error, and padding it would make another "
            "place's ZIP.", False, default=False),
    Setting("checks", "min_age", "int",
            "`check` reports dates of birth giving a younger age at checks.reference_date.", 5),
    Setting("checks", "max_age", "int",
            "`check` reports dates of birth giving an older age at checks.reference_date.", 24),
    Setting("checks", "reference_date", "date",
            "The date at which ages are checked (default: the day of the run).", "2026-07-01",
            attribute="age_reference_date"),
    Setting("attributes", "*", "table",
            "De-identified attributes sent with the encodings: name = source column (sent as "
            "it is), or a table [attributes.NAME] that transforms a column or the date of "
            "birth (see Attribute tables in docs/agent-config.md).",
            {"race_ethnicity": "RACE_ETHNICITY", "program": "Program"}, default={}),
    Setting("enrollments", "*", "table",
            "Per-row participation attributes: rows sharing a record key are one youth's "
            "enrollments (the key's first row that can be linked gives its identifiers and "
            "attributes; its rows too poor to link, before or after it, still add their "
            "enrollments), and "
            "each row's values, declared like [attributes] (name = column, or a table "
            "[enrollments.NAME] with a transform), travel as that record's enrollment list. "
            "Without [enrollments] a repeated record key is reported and skipped. `init --from` "
            "declares them when the sample's record keys repeat with a program, site or start "
            "column differing.",
            {"program": "Program", "site": "Site"}, default={}),
    Setting("enrollment_file", "path", "path",
            "A file of enrollments kept apart from the roster (a program's attendance or "
            "sign-up export, one row per enrollment, keyed by the roster's record key): the "
            "[enrollments] columns are then read from it, and each row joins the roster record "
            "of its key (a key the roster lacks is reported as enrollment_without_record). "
            "Read like source.path (.csv, .xlsx or .xls; a wildcard reads every matching file).",
            "attendance.csv", attribute="enrollment_file_path"),
    Setting("enrollment_file", "record_key", "columns",
            "The enrollment file's column(s) holding the roster's record key (default: "
            "source.record_key's names).", "Participant ID",
            attribute="enrollment_file_record_key"),
    Setting("enrollment_file", "sheet", "sheets",
            "Worksheet(s) of a workbook enrollment file, as source.sheet.", "Enrollments",
            attribute="enrollment_file_sheet"),
    Setting("enrollment_file", "header_line", "int",
            "The line that names the enrollment file's columns, as source.header_line.", 1,
            default=1, minimum=1, maximum=HEADER_SEARCH_LINES,
            attribute="enrollment_file_header_line"),
    Setting("agent", "state_dir", "path",
            "Folder for the agent's own state (pseudonym key). Default: .hublink-agent beside "
            "the config file.", ".hublink-agent", default=".hublink-agent"),
    Setting("logging", "file", "path",
            "Log file, rotated by size; it holds counts, row numbers, problem codes and timings, "
            "never identifier values. Default: hublink-agent.log in agent.state_dir.",
            "logs/hublink-agent.log", attribute="log_file"),
    Setting("logging", "level", "str", "Least severe messages logged: DEBUG, INFO, WARNING "
            "or ERROR.", "INFO", default="INFO", attribute="log_level"),
    Setting("logging", "max_bytes", "int",
            "Size at which the log file is rotated (0: never rotate).", 5_000_000,
            default=5_000_000, attribute="log_max_bytes"),
    Setting("logging", "backups", "int", "Rotated log files kept (hublink-agent.log.1, ...).",
            5, default=5, attribute="log_backups"),
)

IDENTIFIER_KEYS: tuple[str, ...] = tuple(s.key for s in SETTINGS if s.section == "identifiers")
# The [identifiers] keys that name source columns (``normalise.RawIdentifiers`` has one field
# each); the others say how to read a column rather than name one.
IDENTIFIER_COLUMN_KEYS: tuple[str, ...] = tuple(
    s.key for s in SETTINGS if s.section == "identifiers" and s.kind in ("str", "columns"))
IDENTIFIER_OPTION_KEYS = frozenset(IDENTIFIER_KEYS) - frozenset(IDENTIFIER_COLUMN_KEYS)
# The identifier columns that hold (parts of) a name.
NAME_KEYS: tuple[str, ...] = tuple(key for key in IDENTIFIER_COLUMN_KEYS if key.endswith("_name"))

# The keys of an attribute table [attributes.NAME]; agent/deidentify validates them.
ATTRIBUTE_TABLE_KEYS: tuple[Setting, ...] = (
    Setting("attributes.NAME", "column", "str",
            "Source column the attribute reads (or from).", "RACE_CD"),
    Setting("attributes.NAME", "from", "str",
            'Identifier the attribute derives from: "dob" (a date transform) or "zip".', "dob"),
    Setting("attributes.NAME", "transform", "str",
            "What leaves: passthrough (default), map (default with map), age, age_band, "
            "birth_year, month, zip5, zip3 or bucket; see the transforms below.", "age_band"),
    Setting("attributes.NAME", "map", "table",
            'code = label for transform map, "spd15" for the ready SPD 15 mapping, or "gender" '
            "for female, male, another gender and unknown (the only labels a map of the "
            "identifiers' sex column may send). Codes match ignoring case, spaces and "
            "punctuation.", {"1": "Black or African American"}),
    Setting("attributes.NAME", "extra", "table",
            "More code = label pairs, added to (or overriding) map.", {"8": "Unknown"}),
    Setting("attributes.NAME", "unmapped", "str",
            'Label sent for a code outside map, or "error": count a problem and send null.',
            "Unknown", default="error"),
    Setting("attributes.NAME", "missing", "str",
            "Label sent for an empty cell or an unusable date of birth (default: null).",
            "Unknown"),
    Setting("attributes.NAME", "reference_date", "date",
            "The date at which age and age_band are computed.", "2026-07-01"),
    Setting("attributes.NAME", "bands", "list",
            "Ages (whole years) where each age band starts, increasing.", [0, 5, 11, 14, 18, 25]),
    Setting("attributes.NAME", "edges", "list",
            "Numbers where each bucket starts, increasing.", [0, 10, 20, 40]),
    Setting("attributes.NAME", "date_format", "dateformat",
            'How a date column is written: "auto" (the default, as identifiers.dob_format), '
            "a strptime format or a list of them; the date of birth uses "
            "identifiers.dob_format.", "%m/%d/%Y", default="auto"),
)
