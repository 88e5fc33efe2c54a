"""Turn a source table into what may leave the building: features, keys and attributes.

This is the shared path of ``check``, ``preview`` and ``sync``: every row is normalised,
record-level problems are counted with their row numbers (never their values), and rows
that cannot be sent at all (empty or repeated record key) are set aside.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import pandas

from hublink.agent.config import AgentConfig
from hublink.agent.normalise import RawIdentifiers, normalise_record
from hublink.agent.deidentify import build_attributes, read_opt_out_file

__all__ = ["PreparedSource", "FeatureSink", "prepare_source", "record_digest", "HEADER_ROWS"]

# Data row n of a file with one header line is line n + HEADER_ROWS of the file.
HEADER_ROWS = 2


Chunks = Iterable[tuple[int, pandas.DataFrame]]


@dataclass
class PreparedSource:
    """The records of one source, in source order, plus what went wrong where.

    ``digests`` change whenever what a record would send changes; ``rows`` (the features to
    encode) are kept only for the positions asked for, so a whole source never sits in
    memory as features.
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


def _column_text(frame: pandas.DataFrame, column: str | list[str] | None) -> list[object]:
    if not column:
        return [None] * len(frame)
    if isinstance(column, list):
        parts = frame[column].astype(str).agg(" ".join, axis=1)
        return parts.str.strip().tolist()
    return frame[column].tolist()


def _text_or_none(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


FeatureSink = Callable[[int, tuple[str, ...], str], None]


def _prepare_chunk(config: AgentConfig, first_index: int, frame: pandas.DataFrame,
                   today: date | None, opted_out: set[str], seen: set[str],
                   prepared: PreparedSource, sink: FeatureSink, interned: dict[str, str]) -> None:
    identifiers = config.identifiers
    columns = {key: _column_text(frame, identifiers.get(key))
               for key in ("first_name", "middle_name", "last_name", "full_name", "dob", "sex",
                           "address", "city", "zip")}
    first_line = first_index + HEADER_ROWS
    attribute_values, attribute_problems = build_attributes(config, frame, first_line, today)
    names = list(prepared.attributes)
    # Attribute values repeat: keep one string object per distinct value, not one per cell.
    for name in names:
        attribute_values[name] = [None if value is None else interned.setdefault(value, value)
                                  for value in attribute_values[name]]
    dob_format = identifiers.get("dob_format")
    skipped: set[int] = set()
    for offset, raw_key in enumerate(frame[config.record_key].tolist()):
        line = first_line + offset
        record_key = _text_or_none(raw_key)
        reason = ("empty_record_key" if record_key is None else "opted_out"
                  if record_key in opted_out else "duplicate_record_key" if record_key in seen
                  else None)
        if reason:
            prepared.skipped_rows[reason].append(line)
            skipped.add(line)
            continue
        seen.add(record_key)
        raw = RawIdentifiers(**{key: _raw_value(values[offset]) for key, values in columns.items()})
        normalised = normalise_record(raw, dob_format, today=today)
        for problem in normalised.problems:
            prepared.problem_rows[(problem.kind, problem.field)].append(line)
        position = prepared.sent_count
        prepared.sent_count += 1
        values = tuple(attribute_values[name][offset] for name in names)
        digest = record_digest(normalised.features, values)
        sink(position, normalised.features, digest)
        if prepared.keep_records:
            prepared.record_keys.append(record_key)
            prepared.digests.append(digest)
            for name, value in zip(names, values):
                prepared.attributes[name].append(value)
    for problem in attribute_problems:
        if problem.line not in skipped:
            prepared.problem_rows[(problem.kind, problem.field)].append(problem.line)


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
    opted_out = read_opt_out_file(config.opt_out_file)
    seen: set[str] = set()
    interned: dict[str, str] = {}
    for first_index, frame in chunks:
        prepared.row_count += len(frame)
        _prepare_chunk(config, first_index, frame, today, opted_out, seen, prepared, sink,
                       interned)
    return prepared


def _raw_value(value: object) -> object:
    if isinstance(value, str):
        return value if value.strip() else None
    return value
