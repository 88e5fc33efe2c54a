"""Turn a source table into what may leave the building: features, keys, attributes and
enrollments.

This is the shared path of ``check``, ``preview`` and ``sync``: every row is normalised,
record-level problems are counted with their row numbers (never their values), and rows
that cannot be sent at all (the header again, where files were appended one to another; an
empty record key; a repeated one without ``[enrollments]``; fewer identifiers than a record
needs to be linked, ``normalise.MIN_LINKING_IDENTIFIERS``) are set aside.

With ``[enrollments]``, rows sharing a record key are one youth's enrollments. The rule that
decides: the key's first row in the file that can be linked gives the record's identifiers
and attributes (a row before it is skipped as ``too_few_identifiers``, its enrollment with it);
a later row whose identifiers (or attributes) differ is reported as
``conflicting_identifiers`` (``conflicting_attributes``) with its line, and its enrollment
still counts. Each row's enrollment values (all empty: no enrollment) join the record's
list once (an identical repeat is ``repeated_enrollment``), at most MAX_RECORD_ENROLLMENTS.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import pandas

from hublink.agent.config import AgentConfig
from hublink.agent.normalise import RawIdentifiers, linkable, normalise_record
from hublink.agent.normalise.text import record_keys_of
from hublink.agent.readers import iter_enrollment_file
from hublink.agent.readers.cells import repeated_header_rows
from hublink.agent.settings import IDENTIFIER_COLUMN_KEYS
from hublink.agent.deidentify import SourceDates, build_attributes, read_opt_out_file
from hublink.shared.sync_protocol import MAX_RECORD_ENROLLMENTS

__all__ = ["PreparedSource", "FeatureSink", "prepare_source", "record_digest",
           "enrollment_digest", "RECORD_KEY_FIELD"]

# The field of problems that concern a record key's rows together.
RECORD_KEY_FIELD = "record key"


Chunks = Iterable[tuple[int, pandas.DataFrame]]


@dataclass
class PreparedSource:
    """The records of one source, in source order, plus what went wrong where.

    ``digests`` change whenever what a record would send changes (its enrollments too);
    ``rows`` (the features to encode) are kept only for the positions asked for, so a whole
    source never sits in memory as features. ``enrollment_lists`` holds each record's
    enrollments (tuples in ``enrollment_names`` order, sorted) when ``[enrollments]`` is
    declared; ``dates`` the pass's date readers, which know the forms they read.
    """

    row_count: int = 0
    sent_count: int = 0
    keep_records: bool = True
    record_keys: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    rows: dict[int, tuple[str, ...]] = field(default_factory=dict)
    attributes: dict[str, list[str | None]] = field(default_factory=dict)
    problem_rows: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(list))
    skipped_rows: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    enrollment_names: list[str] = field(default_factory=list)
    enrollment_lists: list[list[tuple[str | None, ...]]] = field(default_factory=list)
    enrollment_count: int = 0
    conflicts: list[tuple[int, int]] = field(default_factory=list)  # (line, the key's first line)
    dates: SourceDates | None = None
    unlinked_rows: dict[str, list[tuple[int, tuple[str, ...], tuple[str | None, ...],
                                        tuple[str | None, ...]]]] = field(default_factory=dict)
    """With [enrollments]: rows too poor to link, by record key, while no row of the key could
    be linked (line, features, attributes, enrollment); a later row that can takes them in."""
    enrollment_file_rows: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(list))
    """With ``enrollment_file``: its problems, (kind, field) -> its rows' counted lines."""

    def enrollments_of(self, position: int) -> list[dict[str, str | None]]:
        """Returns the enrollments of the record at ``position`` as they are sent."""
        if not self.enrollment_names:
            return []
        return [dict(zip(self.enrollment_names, values))
                for values in self.enrollment_lists[position]]

    @property
    def record_count(self) -> int:
        """Returns how many records the source holds (rows less the skipped ones)."""
        return self.sent_count

    def problem_counts(self) -> dict[str, int]:
        """Returns problem label -> number of rows, e.g. ``{"unparseable_date (dob)": 3}``."""
        counts = {f"{kind} ({field_name})": len(rows)
                  for (kind, field_name), rows in self.problem_rows.items()}
        counts.update({kind: len(rows) for kind, rows in self.skipped_rows.items()})
        return dict(sorted(counts.items()))


def record_digest(features: tuple[str, ...], attributes: tuple[str | None, ...]) -> str:
    """Returns a digest that changes whenever what would be sent for a record changes."""
    return hashlib.sha256(json.dumps([list(features), list(attributes)]).encode()).hexdigest()[:32]


def _sort_key(enrollment: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, value or "") for value in enrollment)


def enrollment_digest(digest: str, enrollments: list[tuple[str | None, ...]]) -> str:
    """Given a record's digest and its (sorted) enrollments, returns the digest of both; the
    record's own digest when it has none."""
    if not enrollments:
        return digest
    return hashlib.sha256(json.dumps([digest, enrollments]).encode()).hexdigest()[:32]


def _column_text(frame: pandas.DataFrame, column: str | list[str] | None) -> list[object]:
    if not column:
        return [None] * len(frame)
    if isinstance(column, list):
        parts = frame[column].astype(str).agg(" ".join, axis=1)
        return parts.str.strip().tolist()
    return frame[column].tolist()


FeatureSink = Callable[[int, tuple[str, ...], str], None]


def _prepare_chunk(config: AgentConfig, first_index: int, frame: pandas.DataFrame,
                   today: date | None, opted_out: set[str], seen: dict[str, _FirstRow] | set[str],
                   prepared: PreparedSource, sink: FeatureSink, interned: dict[str, str]) -> None:
    identifiers = config.identifiers
    columns = {key: _column_text(frame, config.dob_column if key == "dob" else identifiers.get(key))
               for key in IDENTIFIER_COLUMN_KEYS}
    first_line = first_index + config.first_data_line
    prepared.dates.observe(frame)
    attribute_values, attribute_problems = build_attributes(config, frame, first_line, today,
                                                            prepared.dates)
    names = list(prepared.attributes)
    # Attribute values repeat: keep one string object per distinct value, not one per cell.
    for name in names:
        attribute_values[name] = [None if value is None else interned.setdefault(value, value)
                                  for value in attribute_values[name]]
    enrolling = isinstance(seen, dict)
    if config.enrollment_file_path:  # the roster's rows give records; their enrollments come later
        enrollment_rows = [tuple(None for _ in prepared.enrollment_names)] * len(frame)
    elif enrolling:
        enrollment_values, enrollment_problems = build_attributes(
            config, frame, first_line, today, prepared.dates, section="enrollments")
        attribute_problems += enrollment_problems
        enrollment_rows = [tuple(None if value is None else interned.setdefault(value, value)
                                 for value in row)
                           for row in zip(*(enrollment_values[name]
                                            for name in prepared.enrollment_names))]
    dob_reader = prepared.dates.reader("dob")
    zip_pad = bool(identifiers.get("zip_pad"))
    skipped: set[int] = set()
    later: set[int] = set()
    headers = repeated_header_rows(frame, config.source_columns)
    for offset, record_key in enumerate(record_keys_of(frame, config.record_key_columns)):
        line = first_line + offset
        reason = ("repeated_header" if headers[offset] else "empty_record_key"
                  if record_key is None else "opted_out"
                  if record_key in opted_out else "duplicate_record_key"
                  if not enrolling and record_key in seen else None)
        if reason:
            prepared.skipped_rows[reason].append(line)
            skipped.add(line)
            continue
        first = seen.get(record_key) if enrolling else None
        raw = RawIdentifiers(**{key: _raw_value(values[offset]) for key, values in columns.items()})
        normalised = normalise_record(raw, dob_reader, today=today, zip_pad=zip_pad)
        values = tuple(attribute_values[name][offset] for name in names)
        if first is not None:
            _add_enrollment_row(prepared, first, line, normalised.features, values,
                                enrollment_rows[offset])
            later.add(line)  # its identifiers and attributes are the first row's
            continue
        for problem in normalised.problems:  # also of a row skipped below: they say why
            prepared.problem_rows[(problem.kind, problem.field)].append(line)
        if not linkable(normalised.features):
            prepared.skipped_rows["too_few_identifiers"].append(line)
            skipped.add(line)
            if enrolling:  # its enrollment joins the key's record if a later row can be linked
                prepared.unlinked_rows.setdefault(record_key, []).append(
                    (line, normalised.features, values, enrollment_rows[offset]))
            continue
        position = prepared.sent_count
        prepared.sent_count += 1
        digest = record_digest(normalised.features, values)
        sink(position, normalised.features, digest)
        if enrolling:
            seen[record_key] = _FirstRow(position, line, hash(normalised.features), hash(values))
            prepared.enrollment_lists.append([])
            _add_enrollment_row(prepared, seen[record_key], line, normalised.features, values,
                                enrollment_rows[offset])
            for early in prepared.unlinked_rows.pop(record_key, ()):
                prepared.skipped_rows["too_few_identifiers"].remove(early[0])
                _add_enrollment_row(prepared, seen[record_key], *early)
        else:
            seen.add(record_key)
        if prepared.keep_records:
            prepared.record_keys.append(record_key)
            prepared.digests.append(digest)
            for name, value in zip(names, values):
                prepared.attributes[name].append(value)
    for problem in attribute_problems:
        if problem.line not in skipped and (problem.line not in later
                                            or problem.field in prepared.enrollment_names):
            prepared.problem_rows[(problem.kind, problem.field)].append(problem.line)


class _FirstRow(NamedTuple):
    """The row of a record key that decides its identifiers and attributes."""

    position: int
    line: int
    features_hash: int
    attributes_hash: int


def _add_enrollment_row(prepared: PreparedSource, first: _FirstRow, line: int,
                        features: tuple[str, ...], values: tuple[str | None, ...],
                        enrollment: tuple[str | None, ...]) -> None:
    """Adds one row of a record key to its record: a later row's identifiers and attributes
    are compared with the first row's (which decide), its enrollment joins the record's."""
    if line != first.line:
        if hash(features) != first.features_hash:
            prepared.problem_rows[("conflicting_identifiers", RECORD_KEY_FIELD)].append(line)
            prepared.conflicts.append((line, first.line))
        elif hash(values) != first.attributes_hash:
            prepared.problem_rows[("conflicting_attributes", RECORD_KEY_FIELD)].append(line)
            prepared.conflicts.append((line, first.line))
    _add_enrollment(prepared, first.position, line, enrollment, prepared.problem_rows)


def _add_enrollment(prepared: PreparedSource, position: int, line: int,
                    enrollment: tuple[str | None, ...],
                    problems: dict[tuple[str, str], list[int]]) -> None:
    """Adds one row's enrollment (all empty: none) to the record at ``position`` once, at most
    MAX_RECORD_ENROLLMENTS; a repeat or one too many is noted in ``problems`` by line."""
    if all(value is None for value in enrollment):
        return
    enrollments = prepared.enrollment_lists[position]
    if enrollment in enrollments:
        problems[("repeated_enrollment", RECORD_KEY_FIELD)].append(line)
    elif len(enrollments) >= MAX_RECORD_ENROLLMENTS:
        problems[("too_many_enrollments", RECORD_KEY_FIELD)].append(line)
    else:
        enrollments.append(enrollment)
        prepared.enrollment_count += 1


def _add_enrollment_file(config: AgentConfig, prepared: PreparedSource, today: date | None,
                         opted_out: set[str], seen: dict[str, _FirstRow],
                         interned: dict[str, str]) -> None:
    """Reads ``enrollment_file`` and adds each row's enrollment to the roster record of its
    key; a row whose key sends no record (none in the roster, or its rows too poor to link)
    is ``enrollment_without_record``, one of an opted-out youth ``opted_out``."""
    problems = prepared.enrollment_file_rows
    first_data_line = config.enrollment_file_header_line + 1
    for first_index, frame in iter_enrollment_file(config):
        first_line = first_index + first_data_line
        prepared.dates.observe(frame)
        values, value_problems = build_attributes(config, frame, first_line, today,
                                                  prepared.dates, section="enrollments")
        rows = zip(*(values[name] for name in prepared.enrollment_names))
        headers = repeated_header_rows(frame, config.enrollment_file_columns)
        keys = record_keys_of(frame, config.enrollment_key_columns)
        for offset, (record_key, row) in enumerate(zip(keys, rows)):
            line = first_line + offset
            reason = ("repeated_header" if headers[offset] else "empty_record_key"
                      if record_key is None else "opted_out" if record_key in opted_out
                      else None if record_key in seen else "enrollment_without_record")
            if reason:
                problems[(reason, RECORD_KEY_FIELD)].append(line)
                continue
            enrollment = tuple(None if value is None else interned.setdefault(value, value)
                               for value in row)
            _add_enrollment(prepared, seen[record_key].position, line, enrollment, problems)
        for problem in value_problems:
            problems[(problem.kind, problem.field)].append(problem.line)


def prepare_source(config: AgentConfig, source: pandas.DataFrame | Chunks,
                   today: date | None = None, sink: FeatureSink | None = None,
                   keep_records: bool = True, into: PreparedSource | None = None) -> PreparedSource:
    """Given the configuration and the source (a table, or chunks from ``iter_source``),
    returns the prepared records. Each record's features go to ``sink(position, features,
    digest)`` as it is read; without a sink they are kept in ``rows``. With
    ``keep_records=False`` only counts and problems are kept (a second pass over a source).
    ``into`` lets a caller watch the result grow while the chunks stream."""
    chunks = [(0, source)] if isinstance(source, pandas.DataFrame) else source
    prepared = into if into is not None else PreparedSource(keep_records=keep_records)
    if sink is None:
        sink = lambda position, features, digest: prepared.rows.__setitem__(position, features)  # noqa: E731
    prepared.attributes = {name: [] for name in config.attributes}
    prepared.enrollment_names = list(config.enrollments)
    prepared.dates = SourceDates(config)
    opted_out = read_opt_out_file(config.opt_out_file, config.record_key_columns)
    seen: dict[str, _FirstRow] | set[str] = {} if config.enrollments else set()
    interned: dict[str, str] = {}
    for first_index, frame in chunks:
        prepared.row_count += len(frame)
        _prepare_chunk(config, first_index, frame, today, opted_out, seen, prepared, sink,
                       interned)
    if config.enrollment_file_path and isinstance(seen, dict):
        _add_enrollment_file(config, prepared, today, opted_out, seen, interned)
    for position, enrollments in enumerate(prepared.enrollment_lists):
        enrollments.sort(key=_sort_key)
        if prepared.keep_records:
            prepared.digests[position] = enrollment_digest(prepared.digests[position], enrollments)
    return prepared


def _raw_value(value: object) -> object:
    if isinstance(value, str):
        return value if value.strip() else None
    return value
