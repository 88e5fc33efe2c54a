"""Turn a source table into what may leave the building: features, keys and attributes.

This is the shared path of ``check``, ``preview`` and ``sync``: every row is normalised,
record-level problems are counted with their row numbers (never their values), and rows
that cannot be sent at all (empty or repeated record key) are set aside.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import pandas

from hublink.agent.config import AgentConfig
from hublink.agent.normalise import RawIdentifiers, normalise_record
from hublink.shared.attributes import MAX_ATTRIBUTE_VALUE_LENGTH

__all__ = ["PreparedSource", "prepare_source", "HEADER_ROWS"]

# Data row n of a file with one header line is line n + HEADER_ROWS of the file.
HEADER_ROWS = 2


@dataclass
class PreparedSource:
    """The normalised records of one source, in source order, plus what went wrong where."""

    row_count: int = 0
    record_keys: list[str] = field(default_factory=list)
    rows: list[tuple[str, ...]] = field(default_factory=list)
    attributes: dict[str, list[str | None]] = field(default_factory=dict)
    problem_rows: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(list))
    skipped_rows: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    @property
    def record_count(self) -> int:
        return len(self.record_keys)

    def problem_counts(self) -> dict[str, int]:
        """Returns problem label -> number of rows, e.g. ``{"unparseable_date (dob)": 3}``."""
        counts = {f"{kind} ({field_name})": len(rows)
                  for (kind, field_name), rows in self.problem_rows.items()}
        counts.update({kind: len(rows) for kind, rows in self.skipped_rows.items()})
        return dict(sorted(counts.items()))


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


def prepare_source(config: AgentConfig, frame: pandas.DataFrame,
                   today: date | None = None) -> PreparedSource:
    """Given the configuration and the source table, returns the prepared records."""
    prepared = PreparedSource(row_count=len(frame))
    prepared.attributes = {name: [] for name in config.attributes}
    identifiers = config.identifiers
    columns = {key: _column_text(frame, identifiers.get(key))
               for key in ("first_name", "middle_name", "last_name", "full_name", "dob", "sex",
                           "address", "city", "zip")}
    attribute_columns = {name: frame[column].tolist() for name, column in config.attributes.items()}
    record_keys = frame[config.record_key].tolist()
    dob_format = identifiers.get("dob_format")
    seen: set[str] = set()
    for index, raw_key in enumerate(record_keys):
        line = index + HEADER_ROWS
        record_key = _text_or_none(raw_key)
        if record_key is None:
            prepared.skipped_rows["empty_record_key"].append(line)
            continue
        if record_key in seen:
            prepared.skipped_rows["duplicate_record_key"].append(line)
            continue
        seen.add(record_key)
        raw = RawIdentifiers(**{key: _raw_value(values[index]) for key, values in columns.items()})
        normalised = normalise_record(raw, dob_format, today=today)
        for problem in normalised.problems:
            prepared.problem_rows[(problem.kind, problem.field)].append(line)
        prepared.record_keys.append(record_key)
        prepared.rows.append(normalised.features)
        for name, values in attribute_columns.items():
            value = _text_or_none(values[index])
            if value is not None and len(value) > MAX_ATTRIBUTE_VALUE_LENGTH:
                prepared.problem_rows[("attribute_too_long", name)].append(line)
                value = None
            prepared.attributes[name].append(value)
    return prepared


def _raw_value(value: object) -> object:
    if isinstance(value, str):
        return value if value.strip() else None
    return value
