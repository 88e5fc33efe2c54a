"""Human-readable reports for the partner's own terminal: ``check`` and ``preview``.

They show counts, rates, row numbers and attribute values, never identifier values.
"""

from __future__ import annotations

from collections import Counter

import pandas

from hublink.agent.config import AgentConfig
from hublink.agent.prepare import PreparedSource

__all__ = ["check_report", "preview_report", "MAX_ROWS_LISTED"]

MAX_ROWS_LISTED = 10
_MAX_VALUES_LISTED = 25


def _rows(lines: list[int]) -> str:
    shown = ", ".join(str(line) for line in lines[:MAX_ROWS_LISTED])
    more = len(lines) - MAX_ROWS_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def check_report(config: AgentConfig, frame: pandas.DataFrame,
                 prepared: PreparedSource) -> tuple[str, int]:
    """Returns the report text and the number of problems found."""
    lines = [f"source: {config.source_path.name}: {prepared.row_count} rows, "
             f"{prepared.record_count} records can be sent", "", "missing values per column:"]
    for column in config.source_columns:
        empty = int((frame[column].astype(str).str.strip() == "").sum()) if len(frame) else 0
        rate = 100.0 * empty / len(frame) if len(frame) else 0.0
        lines.append(f"  {column:<28} {rate:6.1f}% ({empty} rows)")
    problems = 0
    issues = [(f"{kind} ({field_name})", rows) for (kind, field_name), rows in
              sorted(prepared.problem_rows.items())]
    issues += sorted(prepared.skipped_rows.items())
    lines += ["", "problems (file line numbers, header is line 1):" if issues else "problems: none"]
    for label, rows in issues:
        problems += len(rows)
        lines.append(f"  {label}: {len(rows)} rows: {_rows(rows)}")
    return "\n".join(lines), problems


def _size(count: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _describe_values(values: list[str | None]) -> str:
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
    return shown + (f"; missing ({missing})" if missing else "")


def preview_report(config: AgentConfig, prepared: PreparedSource, clk_bytes: int) -> str:
    """Returns what a sync would send: counts, encoding size and every attribute's values."""
    size = prepared.record_count * (clk_bytes + 32)
    lines = [
        f"a sync would send {prepared.record_count} records to {config.coordinator_url}:",
        f"  encodings: {prepared.record_count} CLKs of {clk_bytes * 8} bits "
        f"and keyed record pseudonyms ({_size(size)})",
        "  identifiers: none (names, dates of birth, addresses and record keys stay here)",
        "  attributes:" if prepared.attributes else "  attributes: none",
    ]
    for name, values in prepared.attributes.items():
        lines.append(f"    {name} (from column {config.attributes[name]}): "
                     f"{_describe_values(values)}")
    counts = prepared.problem_counts()
    if counts:
        lines.append("  record-level problems, encoded as missing or skipped: "
                     + ", ".join(f"{label}: {count}" for label, count in counts.items()))
    return "\n".join(lines)
