"""Human-readable reports for the partner's own terminal: ``check`` and ``preview``.

They show counts, rates, file line numbers, attribute values and codes outside a mapping,
never identifier values: no name, date, address or record key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas

from hublink.agent.config import AgentConfig
from hublink.agent.deidentify import attribute_specs, unmapped_codes
from hublink.agent.keys import load_or_create_pseudonym_key, pseudonymise
from hublink.agent.normalise import has_birth_date
from hublink.agent.prepare import RECORD_KEY_FIELD, PreparedSource, prepare_source
from hublink.agent.readers import enrollment_file, is_pattern, iter_source, source_lines
from hublink.agent.settings import NAME_KEYS

__all__ = ["check_report", "check_source", "preview_report", "MAX_ROWS_LISTED", "PREVIEW_ROWS"]

MAX_ROWS_LISTED = 10
PREVIEW_ROWS = 10
_MAX_VALUES_LISTED = 25
_MAX_CODES_LISTED = 10
_MAX_CELL_WIDTH = 30
_PSEUDONYM_SHOWN = 12
_NOT_PROBLEMS = frozenset({"opted_out"})
# The name columns, and "name" itself: the field of problems about the name as a whole.
_NAME_FIELDS = frozenset(NAME_KEYS) | {"name"}

# kind -> what it means, so a person knows what to fix
_HINTS = {
    "repeated_header": "row skipped: the header's column names again (files appended one to "
                       "another)",
    "empty_record_key": "row skipped: no record key",
    "enrollment_without_record": "enrollment not sent: no roster record of its key is sent "
                                 "(none in the roster, or too few identifiers to link)",
    "duplicate_record_key": "row skipped: its record key is on an earlier line",
    "opted_out": "not a problem: on the opt-out list, not sent",
    "too_few_identifiers": "row skipped: a record is linked only with two of a name, a whole "
                           "date of birth and a street address (fewer cannot tell namesakes "
                           "apart)",
    "unparseable_date": "not a date in any form the column's date format reads",
    "future_date": "after today",
    "implausible_date": "an age over 120 years",
    "outside_age_range": "outside [checks] min_age..max_age",
    "born_after_reference_date": "born after the attribute's reference_date",
    "name_has_digits": "a name holding digits",
    "missing_name": "no name",
    "placeholder_name": "a placeholder such as UNKNOWN or FNU, read as no name",
    "whole_name_in_one_column": 'a whole "Last, First" name in one name column, the other '
                                "empty: read as both",
    "unsupported_script": "letters that cannot be written in ASCII were dropped",
    "unknown_sex_code": "not F/M/Female/Male/U/Unknown",
    "bad_zip": "not a 5- or 9-digit ZIP code (identifiers.zip_pad = true restores leading "
               "zeros a spreadsheet dropped)",
    "conflicting_identifiers": "identifiers differ from the first row of the same record key, "
                               "which decides; the row's enrollment still counts",
    "conflicting_attributes": "attributes differ from the first row of the same record key, "
                              "which decides; the row's enrollment still counts",
    "repeated_enrollment": "the same enrollment as an earlier row of the record key, sent once",
    "too_many_enrollments": "the record key already has the most enrollments a record may "
                            "carry; this one is not sent",
    "unmapped_value": "a code outside the mapping, sent as null",
    "not_a_number": "not a number, sent as null",
    "attribute_too_long": "longer than 64 characters, sent as null",
}


FEW_BIRTH_DATES_SHARE = 0.5
"""``check`` warns when at least this share of the records it would send lack a date of birth."""


def _rows(lines: list[int], file_line: Callable[[int], int | str]) -> str:
    shown = ", ".join(str(file_line(line)) for line in lines[:MAX_ROWS_LISTED])
    more = len(lines) - MAX_ROWS_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _issue_line(label: str, kind: str, lines: list[int],
                file_line: Callable[[int], int | str]) -> str:
    hint = _HINTS.get(kind)
    return (f"  {label}: {len(lines)} rows: {_rows(lines, file_line)}"
            + (f"  ({hint})" if hint else ""))


def _codes(counts: Counter[str]) -> str:
    shown = [f"{code[:24]!r} ({count})" for code, count in counts.most_common(_MAX_CODES_LISTED)]
    more = len(counts) - _MAX_CODES_LISTED
    return ", ".join(shown) + (f" and {more} more codes" if more > 0 else "")


@dataclass
class SourceStatistics:
    """What ``check`` counts over the raw source, chunk by chunk: empty cells per column and
    codes outside each attribute's mapping."""

    rows: int = 0
    without_birth_date: int = 0  # records to be sent (``check_source`` counts them)
    empty: Counter[str] = field(default_factory=Counter)
    unmapped: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, config: AgentConfig, frame: pandas.DataFrame, first_line: int,
            skipped: set[int]) -> None:
        """Counts one chunk whose first row is file line ``first_line``."""
        self.rows += len(frame)
        for column in config.source_columns:
            values = frame[column]
            self.empty[column] += int((values.isna() | (values.astype(str).str.strip() == "")).sum())
        for name, counts in unmapped_codes(config, frame, first_line, skipped).items():
            self.unmapped.setdefault(name, Counter()).update(counts)


def _missing_rates(config: AgentConfig, statistics: SourceStatistics) -> list[str]:
    lines = ["missing values per column:"]
    for column in config.source_columns:
        empty = statistics.empty[column]
        rate = 100.0 * empty / statistics.rows if statistics.rows else 0.0
        lines.append(f"  {column:<28} {rate:6.1f}% ({empty} rows)")
    return lines


def check_source(config: AgentConfig) -> tuple[str, int]:
    """Streams the source once and returns ``check``'s report and problem count; memory stays
    bounded by one chunk whatever the source's size."""
    prepared = PreparedSource(keep_records=False)
    statistics = SourceStatistics()

    def counted(chunks):  # type: ignore[no-untyped-def]
        for first_index, frame in chunks:
            yield first_index, frame
            skipped = {line for lines in prepared.skipped_rows.values() for line in lines}
            statistics.add(config, frame, first_index + config.first_data_line, skipped)

    def without_birth_date(position: int, features: tuple[str, ...], digest: str) -> None:
        statistics.without_birth_date += not has_birth_date(features)

    prepare_source(config, counted(iter_source(config)), sink=without_birth_date, into=prepared)
    enrollments = enrollment_file(config)
    return _render_check(config, prepared, statistics, source_lines(config),
                         enrollments.lines() if enrollments is not None else None)


def _section_of(field_name: str, attributes: set[str]) -> str:
    if field_name == RECORD_KEY_FIELD:
        return "record keys"
    if field_name == "dob":
        return "dates of birth"
    if field_name in _NAME_FIELDS:
        return "names"
    if field_name in attributes:
        return "attributes"
    return "other identifiers"


def check_report(config: AgentConfig, frame: pandas.DataFrame,
                 prepared: PreparedSource) -> tuple[str, int]:
    """Given the configuration, the source table and its prepared records, returns the
    data-quality report, in sections, and the number of problems found (opt-outs are not
    problems)."""
    statistics = SourceStatistics()
    statistics.add(config, frame, config.first_data_line,
                   {line for lines in prepared.skipped_rows.values() for line in lines})
    return _render_check(config, prepared, statistics)


def _render_check(config: AgentConfig, prepared: PreparedSource, statistics: SourceStatistics,
                  file_line: Callable[[int], int | str] | None = None,
                  enrollment_line: Callable[[int], int | str] | None = None) -> tuple[str, int]:
    """``file_line`` turns the rows' counted lines into the file's (``FileSource.lines``;
    None: the same), ``enrollment_line`` those of ``enrollment_file``."""
    file_line = file_line or (lambda line: line)
    sections: dict[str, list[str]] = {name: [] for name in (
        "record keys", "dates of birth", "names", "other identifiers", "attributes")}
    problems = 0
    for kind, lines in sorted(prepared.skipped_rows.items()):
        sections["record keys"].append(_issue_line(kind, kind, lines, file_line))
        problems += 0 if kind in _NOT_PROBLEMS else len(lines)
    attributes = set(config.attributes) | set(config.enrollments)
    for (kind, field_name), lines in sorted(prepared.problem_rows.items()):
        sections[_section_of(field_name, attributes)].append(
            _issue_line(f"{kind} ({field_name})", kind, lines, file_line))
        problems += len(lines)
    sent = prepared.record_count
    if sent and statistics.without_birth_date >= FEW_BIRTH_DATES_SHARE * sent:
        sections["dates of birth"].append(
            f"  {statistics.without_birth_date} of {sent} records to be sent have no whole date "
            "of birth: they link far worse (one partner of six sending none raised a city's "
            "unduplicated count by 4.9%, benchmarks/RESULTS-matching.md §19); send it if the "
            "partner holds it")
    if prepared.conflicts:
        shown = ", ".join(f"{file_line(line)} (first at {file_line(first)})"
                          for line, first in prepared.conflicts[:MAX_ROWS_LISTED])
        sections["record keys"].append(f"  conflicting rows and their key's first row: {shown}")
    if config.enrollment_file_path:
        title = f"enrollment file {config.enrollment_file_path.name}"
        sections[title] = []
        for (kind, field_name), lines in sorted(prepared.enrollment_file_rows.items()):
            label = kind if field_name == RECORD_KEY_FIELD else f"{kind} ({field_name})"
            sections[title].append(_issue_line(label, kind, lines,
                                               enrollment_line or (lambda line: line)))
            problems += 0 if kind in _NOT_PROBLEMS else len(lines)
    if _date_forms(prepared):
        sections["date formats found"] = _date_forms(prepared)
    specs = attribute_specs(config)
    for name, counts in sorted(statistics.unmapped.items()):
        fallback = specs[name].unmapped
        sections["attributes"].append(
            f"  {name}: codes outside the mapping: {_codes(counts)}"
            + (f"  (sent as {fallback!r}; add them to map or extra)" if fallback
               else "  (add them to map or extra)"))
    titles = {name: name for name in sections}
    if config.min_age is not None or config.max_age is not None:
        on = config.age_reference_date.isoformat() if config.age_reference_date else "today"
        low = "" if config.min_age is None else config.min_age
        high = "" if config.max_age is None else config.max_age
        titles["dates of birth"] += f" (ages {low}..{high} expected at {on})"
    enrollments = (f" with {prepared.enrollment_count} enrollments" if prepared.enrollment_names
                   else "")
    text = [f"source: {config.source_name}: {prepared.row_count} rows, "
            f"{prepared.record_count} records{enrollments} can be sent", "",
            *_missing_rates(config, statistics),
            "", f"file line numbers below count the header as line {config.header_line}"
            + _of_each(config)]
    for name, lines in sections.items():
        text += ["", f"{titles[name]}:", *(lines or ["  no problems"])]
    return "\n".join(text), problems


def _of_each(config: AgentConfig) -> str:
    """Says which parts the line numbers count in, for a source of several files or sheets."""
    if config.source_path and is_pattern(config.source_path):
        return f" of each file {config.source_path.name} matches"
    if isinstance(config.sheet, list):
        return f" of each sheet ({', '.join(config.sheet)})"
    return ""


def _date_forms(prepared: PreparedSource) -> list[str]:
    """Returns one line per date column: the forms read, with counts, and how ambiguous
    day/month values were read (unreadable values are listed with their rows above)."""
    if prepared.dates is None:
        return []
    lines = []
    for key, reader in prepared.dates.readers.items():
        label = "date of birth" if key == "dob" else key
        lines.append(f"  {label} ({prepared.dates.columns[key]}): {reader.describe()}")
    return lines


def _size(count: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _describe_values(values: list[str | None], records: int) -> str:
    present = [value for value in values if value is not None]
    missing = len(values) - len(present)
    counts = Counter(present)
    if len(counts) <= _MAX_VALUES_LISTED:
        shown = ", ".join(f"{value} ({count})" for value, count in counts.most_common())
    else:
        numbers = pandas.to_numeric(pandas.Series(present), errors="coerce").dropna()
        if len(numbers) == len(present):
            shown = f"{len(counts)} distinct values from {numbers.min():g} to {numbers.max():g}"
        else:
            ordered = sorted(counts)
            shown = f"{len(counts)} distinct values from {ordered[0]!r} to {ordered[-1]!r}"
    if len(counts) > _MAX_VALUES_LISTED and len(counts) * 2 > records:
        shown += " (WARNING: nearly one value per record; could it identify someone?)"
    return shown + (f"; null ({missing})" if missing else "")


def _cell(value: str | None) -> str:
    if value is None:
        return "null"
    return value if len(value) <= _MAX_CELL_WIDTH else value[:_MAX_CELL_WIDTH - 3] + "..."


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    return ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
            for row in [header, ["-" * width for width in widths], *rows]]


def preview_report(config: AgentConfig, prepared: PreparedSource, clk_bytes: int,
                   rows: int = PREVIEW_ROWS) -> str:
    """Given the configuration, the prepared records and the CLK size, returns what a sync
    would send: counts, the first ``rows`` records as a table (pseudonym shortened, the CLK
    as its size) and every attribute's values. Creates the pseudonym key if it is missing,
    as a sync would."""
    size = prepared.record_count * (clk_bytes + 32)
    skipped = {kind: len(lines) for kind, lines in prepared.skipped_rows.items()}
    opted_out = skipped.pop("opted_out", 0)
    lines = [
        f"a sync would send {prepared.record_count} records to {config.coordinator_url}:",
        f"  encodings: {prepared.record_count} CLKs of {clk_bytes * 8} bits "
        f"and keyed record pseudonyms ({_size(size)})",
        "  identifiers: none (names, dates of birth, addresses and record keys stay here)",
        f"  not sent: {opted_out} records on the opt-out list, {sum(skipped.values())} rows "
        "with an empty or repeated record key or too few identifiers to link",
    ]
    shown = min(rows, prepared.record_count)
    if shown:
        key = load_or_create_pseudonym_key(config.state_dir)
        header = ["#", "pseudonym", "encoding", *prepared.attributes]
        table = [[str(index + 1),
                  pseudonymise(key, prepared.record_keys[index])[:_PSEUDONYM_SHOWN] + "...",
                  f"CLK, {clk_bytes} bytes",
                  *(_cell(values[index]) for values in prepared.attributes.values())]
                 for index in range(shown)]
        lines += ["", f"the first {shown} of {prepared.record_count} records, as they leave:",
                  *_table(header, table)]
    if prepared.enrollment_names:
        lines.append(f"  enrollments: {prepared.enrollment_count} "
                     f"({', '.join(prepared.enrollment_names)}), listed with their records")
    specs = attribute_specs(config)
    lines += ["", "attributes:" if prepared.attributes else "attributes: none"]
    for name, values in prepared.attributes.items():
        lines.append(f"    {name} ({specs[name].describe()}): "
                     f"{_describe_values(values, prepared.record_count)}")
    counts = {label: count for label, count in prepared.problem_counts().items()
              if label not in _NOT_PROBLEMS}
    if counts:
        lines += ["", "record-level problems, encoded as missing or skipped: "
                  + ", ".join(f"{label}: {count}" for label, count in counts.items())]
    return "\n".join(lines)
