"""Load and validate the agent's TOML configuration against ``settings.SETTINGS``."""

from __future__ import annotations

import codecs
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hublink.agent.logs import DEFAULT_LOG_FILE_NAME, LEVELS
from hublink.agent.settings import IDENTIFIER_KEYS, IDENTIFIER_OPTION_KEYS, SETTINGS, Setting
from hublink.agent.deidentify import attribute_columns, parse_attribute_specs, parse_date
from hublink.agent.normalise.dates import DATE_FROM_PARTS_COLUMN, date_format_problems
from hublink.shared.errors import ConfigError

__all__ = ["AgentConfig", "load_config"]


@dataclass(frozen=True)
class AgentConfig:
    """A validated configuration; every path is absolute. Each attribute but ``config_path``
    and ``identifiers`` holds one setting of ``settings.SETTINGS`` (its ``config_attribute``),
    whose defaults and types it takes: ``load_config`` builds it from that table alone."""

    config_path: Path
    identifiers: dict[str, Any]  # [identifiers]: the keys set, column names and options
    coordinator_url: str
    token_file: Path
    timeout: float
    retries: int
    chunk_records: int
    secret_file: Path
    source_path: Path | None
    source_url: str | None
    password_env: str | None
    source_query: str | None
    source_table: str | None
    record_key: str | list[str]  # see record_key_columns
    sheet: str | list[str] | None  # one worksheet or several, read in order
    header_line: int
    encoding: str
    chunk_rows: int
    opt_out_file: Path | None
    min_age: int | None
    max_age: int | None
    age_reference_date: date | None
    attributes: dict[str, Any]  # as declared; see deidentify
    enrollments: dict[str, Any]  # as declared, like attributes
    enrollment_file_path: Path | None  # enrollments kept apart from the roster
    enrollment_file_record_key: str | list[str] | None
    enrollment_file_sheet: str | list[str] | None
    enrollment_file_header_line: int
    state_dir: Path
    log_file: Path
    log_level: str
    log_max_bytes: int
    log_backups: int

    @property
    def record_key_columns(self) -> list[str]:
        """Returns the column(s) whose cells make a row's record key (``record_keys_of``)."""
        return [self.record_key] if isinstance(self.record_key, str) else list(self.record_key)

    @property
    def dob_column(self) -> str | None:
        """Returns the column the date of birth is read from: identifiers.dob, or, when that
        names three columns, the one the reader builds from them (``DATE_FROM_PARTS_COLUMN``)."""
        dob = self.identifiers.get("dob")
        return DATE_FROM_PARTS_COLUMN if isinstance(dob, list) else dob

    @property
    def source_columns(self) -> list[str]:
        """Returns every source column the configuration names, record key first (the
        [enrollments] columns too, unless they are read from ``enrollment_file``)."""
        columns = list(self.record_key_columns)
        for key, value in self.identifiers.items():
            if key in IDENTIFIER_OPTION_KEYS:
                continue
            columns += value if isinstance(value, list) else [value]
        columns += attribute_columns(self.attributes)
        if not self.enrollment_file_path:
            columns += attribute_columns(self.enrollments)
        return list(dict.fromkeys(columns))

    @property
    def enrollment_key_columns(self) -> list[str]:
        """Returns the enrollment file's record-key column(s): by default the roster's."""
        key = self.enrollment_file_record_key or self.record_key
        return [key] if isinstance(key, str) else list(key)

    @property
    def enrollment_file_columns(self) -> list[str]:
        """Returns the columns read from ``enrollment_file``: its key, then the enrollments'."""
        return list(dict.fromkeys(self.enrollment_key_columns
                                  + attribute_columns(self.enrollments)))

    @property
    def first_data_line(self) -> int:
        """Returns the file line (1-based, as reports number them) of the first data row."""
        return self.header_line + 1

    @property
    def source_name(self) -> str:
        """Returns how messages name the source: the file's name, or the database table, or
        "database query"; never the URL, which may hold a password."""
        if self.source_url:
            return f"database table {self.source_table}" if self.source_table else "database query"
        return self.source_path.name if self.source_path else "source"


def _check_kind(setting: Setting, value: Any) -> str | None:
    if setting.kind in ("str", "path"):
        return None if isinstance(value, str) and value.strip() else "must be a non-empty string"
    if setting.kind in ("float", "int"):
        number = int if setting.kind == "int" else (int, float)
        ok = isinstance(value, number) and not isinstance(value, bool) and value >= 0
        if not ok:
            return f"must be a non-negative {'whole ' if setting.kind == 'int' else ''}number"
        if setting.minimum is not None and value < setting.minimum:
            return f"must be at least {setting.minimum}"
        if setting.maximum is not None and value > setting.maximum:
            return f"must be at most {setting.maximum}"
        return None
    if setting.kind == "columns":
        if isinstance(value, str) and value.strip():
            return None
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return None
        return "must be a column name or a list of column names"
    if setting.kind == "sheets":
        if isinstance(value, str) and value.strip():
            return None
        if (isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
                and len(set(value)) == len(value)):
            return None
        return "must be a sheet name or a list of different sheet names"
    if setting.kind == "table":
        return None if isinstance(value, dict) else "must be a table"
    if setting.kind == "date":
        return None if parse_date(value) else "must be a date such as 2026-07-01"
    if setting.kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if setting.kind == "dateformat":
        problems = date_format_problems(value, "")
        return problems[0].strip() if problems else None
    return None


def _collect(document: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    by_section: dict[str, dict[str, Setting]] = {}
    for setting in SETTINGS:
        by_section.setdefault(setting.section, {})[setting.key] = setting
    for section, content in document.items():
        if section not in by_section:
            problems.append(f"[{section}] is not a known section")
        elif not isinstance(content, dict):
            problems.append(f"[{section}] must be a table")
    for section, settings in by_section.items():
        content = document.get(section, {})
        if not isinstance(content, dict):
            continue
        if "*" in settings:
            setting = settings["*"]
            values[section] = content
            continue
        for key in content:
            if key not in settings:
                problems.append(f"{section}.{key} is not a known setting")
        for key, setting in settings.items():
            if key not in content:
                if setting.required and not (setting.unless and setting.unless in content):
                    problems.append(f"{setting.dotted} is required: {setting.help}")
                values[setting.dotted] = setting.default
                continue
            problem = _check_kind(setting, content[key])
            if problem:
                problems.append(f"{setting.dotted} {problem}")
            values[setting.dotted] = content[key]
    return values


def _check_coordinator_url(values: dict[str, Any], problems: list[str]) -> None:
    url = values.get("coordinator.url")
    if not (isinstance(url, str) and url.strip()):
        return
    parts = urlsplit(url.strip())
    if "://" not in url:
        problems.append(f"coordinator.url {url!r} has no scheme: write "
                        f'"https://{url.strip().rstrip("/")}" (or http:// on a test network)')
    elif parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(f"coordinator.url {url!r} must be an http:// or https:// address "
                        'with a host, for example "https://hub.example.org"')


def _check_source(values: dict[str, Any], problems: list[str]) -> None:
    url = values.get("source.url")
    if url and values.get("source.path"):
        problems.append("source: use either path (a file) or url (a database), not both")
    if isinstance(url, str) and url.strip() and "://" not in url:
        problems.append("source.url must be an SQLAlchemy URL, for example "
                        '"postgresql://hublink@db.example.org/students"')
    if url and not values.get("source.query") and not values.get("source.table"):
        problems.append("source.url needs source.query or source.table")
    if values.get("source.query") and values.get("source.table"):
        problems.append("source: use either query or table, not both")
    for key in ("query", "table", "password_env"):
        if values.get(f"source.{key}") and not url:
            problems.append(f"source.{key} is used only with source.url")
    if values.get("enrollment_file.path") and not values.get("enrollments"):
        problems.append("enrollment_file needs [enrollments]: the columns to read from it")
    keys = [values.get(f"{section}.record_key") for section in ("source", "enrollment_file")]
    if keys[1] and len(keys[1] if isinstance(keys[1], list) else [keys[1]]) != \
            len(keys[0] if isinstance(keys[0], list) else [keys[0]]):
        problems.append("enrollment_file.record_key must name as many columns as "
                        "source.record_key")
    if values.get("enrollment_file.path"):
        problems += [f"enrollments.{name} derives from an identifier, which the enrollment file "
                     "does not hold: declare it under [attributes]"
                     for name, declared in (values.get("enrollments") or {}).items()
                     if isinstance(declared, dict) and declared.get("from")]
    for dotted in ("record_key", "sheet"):
        if values.get(f"enrollment_file.{dotted}") and not values.get("enrollment_file.path"):
            problems.append(f"enrollment_file.{dotted} is used only with enrollment_file.path")
    encoding = values.get("source.encoding")
    if isinstance(encoding, str) and encoding.strip() and encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            problems.append(f"source.encoding {encoding!r} is not a known encoding "
                            '(use "auto", "utf-8" or "cp1252")')


def _check_identifiers(identifiers: dict[str, Any], attributes: dict[str, Any],
                       enrollments: dict[str, Any], record_key: Any,
                       problems: list[str]) -> None:
    has_parts = identifiers.get("first_name") or identifiers.get("last_name")
    if not has_parts and not identifiers.get("full_name"):
        problems.append("identifiers: name one of first_name/last_name, or full_name")
    if has_parts and identifiers.get("full_name"):
        problems.append("identifiers: use either full_name or first_name/last_name, not both")
    dob = identifiers.get("dob")
    if isinstance(dob, list) and len(dob) != 3:
        problems.append("identifiers.dob: name one column, or three: [year, month, day]")
    problems += parse_attribute_specs(attributes, identifiers, record_key)[1]
    problems += parse_attribute_specs(enrollments, identifiers, record_key, "enrollments")[1]
    for name in sorted(set(attributes) & set(enrollments)):
        problems.append(f"enrollments.{name}: {name!r} is already an attribute; an enrollment "
                        "attribute needs its own name")


def _check_age_range(values: dict[str, Any], identifiers: dict[str, Any],
                     problems: list[str]) -> None:
    low, high = values.get("checks.min_age"), values.get("checks.max_age")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append("checks.min_age must not be larger than checks.max_age")
    if (low is not None or high is not None) and not identifiers.get("dob"):
        problems.append("checks.min_age and checks.max_age need identifiers.dob")


def load_config(path: str | Path) -> AgentConfig:
    """Given a TOML file, returns the validated configuration; raises ConfigError listing
    every problem at once."""
    config_path = Path(path).resolve()
    try:
        document = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file {config_path} does not exist "
                          "(`hublink-agent init` writes an example)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"configuration file {config_path} is not valid TOML: {error}") from None
    problems: list[str] = []
    values = _collect(document, problems)
    _check_coordinator_url(values, problems)
    _check_source(values, problems)
    level = values.get("logging.level")
    if not (isinstance(level, str) and level.upper() in LEVELS):
        problems.append(f"logging.level must be one of {', '.join(LEVELS)}")
    identifiers = {key: values[f"identifiers.{key}"] for key in IDENTIFIER_KEYS
                   if values.get(f"identifiers.{key}")}
    attributes = values.get("attributes") or {}
    enrollments = values.get("enrollments") or {}
    _check_identifiers(identifiers, attributes, enrollments, values.get("source.record_key"),
                       problems)
    _check_age_range(values, identifiers, problems)
    if problems:
        raise ConfigError(f"{config_path.name} has {len(problems)} problem(s)", details=problems)

    base = config_path.parent
    built = {setting.config_attribute: _typed(setting, values[setting.section if setting.key == "*"
                                                           else setting.dotted], base)
             for setting in SETTINGS if setting.section != "identifiers"}
    built["coordinator_url"] = built["coordinator_url"].rstrip("/")
    built["log_level"] = built["log_level"].upper()
    built["log_file"] = built["log_file"] or built["state_dir"] / DEFAULT_LOG_FILE_NAME
    return AgentConfig(config_path=config_path, identifiers=identifiers, **built)


def _typed(setting: Setting, value: Any, base: Path) -> Any:
    """Given a setting, its validated value (or default) and the config file's folder,
    returns the value as ``AgentConfig`` holds it: paths absolute, numbers and dates typed."""
    if value is None:
        return None
    if setting.kind == "path":
        return (base / value).resolve()
    if setting.kind == "float":
        return float(value)
    if setting.kind == "int":
        return int(value)
    if setting.kind == "date":
        return parse_date(value)
    if setting.kind == "table":
        return dict(value)
    return value
