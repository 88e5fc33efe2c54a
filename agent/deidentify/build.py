"""A source table's rows to the de-identified attribute values that leave with the encodings,
and the on-site checks that need the same dates: the configured age range.

Problems are returned by kind, field (the attribute name, or "dob") and file line, never
with the value. A date of birth the normaliser cannot use gives null ages here without a
second problem: the normaliser already reports it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from hublink.agent.deidentify.specs import AttributeSpec, parse_attribute_specs
from hublink.agent.deidentify.transforms import (TRANSFORMS, bucket_value, date_value,
                                                 map_code, whole_years, zip_value)
from hublink.agent.normalise.dates import AUTO, DateReader, normalise_birth_date
from hublink.agent.normalise.text import cell_text, is_missing
from hublink.shared.attributes import MAX_ATTRIBUTE_VALUE_LENGTH
from hublink.shared.errors import ConfigError

if TYPE_CHECKING:
    import pandas

    from hublink.agent.config import AgentConfig

__all__ = ["AttributeProblem", "SourceDates", "attribute_specs", "build_attributes",
           "enrollment_specs", "unmapped_codes"]

class AttributeProblem(NamedTuple):
    """One problem of one row: ``kind`` (e.g. "unmapped_value"), ``field`` (the attribute
    name, or "dob" for the age range check) and the file ``line``."""

    kind: str
    field: str
    line: int


def attribute_specs(config: AgentConfig, section: str = "attributes") -> dict[str, AttributeSpec]:
    """Given a configuration, returns its attribute (or, with ``section="enrollments"``,
    enrollment) specs; raises ConfigError when the declarations are invalid (``load_config``
    reports those earlier)."""
    declared = config.enrollments if section == "enrollments" else config.attributes
    specs, problems = parse_attribute_specs(declared, config.identifiers, config.record_key,
                                            section)
    if problems:
        raise ConfigError(f"the [{section}] table has problems", details=problems)
    return specs


def enrollment_specs(config: AgentConfig) -> dict[str, AttributeSpec]:
    """Given a configuration, returns its ``[enrollments]`` specs (empty: one row a youth)."""
    return attribute_specs(config, "enrollments")


class SourceDates:
    """The date readers of a source's date columns, kept for a whole pass so that "auto"
    decides ambiguous values by everything read so far: ``"dob"`` for the date of birth,
    ``"attributes.NAME"`` and ``"enrollments.NAME"`` for date columns of attributes."""

    def __init__(self, config: AgentConfig) -> None:
        self.columns: dict[str, str] = {}
        self.readers: dict[str, DateReader] = {}
        if config.dob_column:
            self._add("dob", config.dob_column, config.identifiers.get("dob_format", AUTO))
        for section in ("attributes", "enrollments"):
            for name, spec in attribute_specs(config, section).items():
                if TRANSFORMS[spec.transform].reads == "date" and spec.source != "dob":
                    self._add(f"{section}.{name}", spec.column, spec.date_format)

    def _add(self, key: str, column: str, setting: str | list[str]) -> None:
        self.columns[key], self.readers[key] = column, DateReader(setting)

    def observe(self, frame: pandas.DataFrame) -> None:
        """Counts the unambiguous day/month orders of one block of rows, before it is read."""
        for key, reader in self.readers.items():
            if self.columns[key] in frame:  # the roster and an enrollment file hold their own
                reader.observe(frame[self.columns[key]].tolist())

    def reader(self, key: str) -> DateReader:
        """Returns the reader of ``key``; a fresh "auto" reader when there is none."""
        return self.readers.get(key) or DateReader()


def _births(config: AgentConfig, frame: pandas.DataFrame, today: date,
            dates: SourceDates) -> list[date | None]:
    column = config.dob_column
    if not column:
        return [None] * len(frame)
    reader = dates.reader("dob")
    births: list[date | None] = []
    for cell in frame[column].tolist():
        year, month, day, _, problem = normalise_birth_date(cell, reader, today, count=False)
        births.append(None if problem or not year else date(int(year), int(month), int(day)))
    return births


def _rule(spec: AttributeSpec, reader: DateReader, zip_pad: bool
          ) -> Callable[[Any], tuple[str | None, str | None]]:
    reads = TRANSFORMS[spec.transform].reads
    if reads == "zip":
        return lambda cell: zip_value(spec.transform, cell, zip_pad)
    if reads == "number":
        return lambda cell: bucket_value(spec.edges, cell)
    if reads == "date":
        def from_date(cell: Any) -> tuple[str | None, str | None]:
            when = reader.read(cell)
            if when is None:
                return None, "unparseable_date"
            return date_value(spec.transform, when, spec.reference_date, spec.edges)
        return from_date
    if spec.transform == "map":
        def from_map(cell: Any) -> tuple[str | None, str | None]:
            label, outside = map_code(spec.mapping, spec.map_name == "spd15", cell)
            if outside:
                return spec.unmapped, None if spec.unmapped else "unmapped_value"
            return label, None
        return from_map
    return lambda cell: (str(cell_text(cell)).strip(), None)


def _cells(spec: AttributeSpec, config: AgentConfig, frame: pandas.DataFrame,
           births: list[date | None]) -> list[Any]:
    if spec.source == "dob":
        return births
    return frame[spec.column or config.identifiers[spec.source]].tolist()


def build_attributes(config: AgentConfig, frame: pandas.DataFrame, first_line: int,
                     today: date | None = None, dates: SourceDates | None = None,
                     section: str = "attributes"
                     ) -> tuple[dict[str, list[str | None]], list[AttributeProblem]]:
    """Given the configuration, a block of source rows whose first row is file line
    ``first_line``, today's date (default: the system date) and the pass's date readers
    (default: new ones that observe this block), returns every attribute's (or enrollment
    attribute's) values in row order and the problems, row by row; raises ConfigError on
    invalid specs. The ``[checks]`` age range is checked with the attributes."""
    today = today or date.today()
    if dates is None:
        dates = SourceDates(config)
        dates.observe(frame)
    specs = attribute_specs(config, section)
    checks_ages = section == "attributes" and _age_range(config) is not None
    needs_births = any(spec.source == "dob" for spec in specs.values()) or checks_ages
    births = _births(config, frame, today, dates) if needs_births else []
    values: dict[str, list[str | None]] = {}
    problems: list[AttributeProblem] = []
    for name, spec in specs.items():
        rule = _rule(spec, dates.reader(f"{section}.{name}"),
                     bool(config.identifiers.get("zip_pad")))
        cache: dict[Any, tuple[str | None, str | None]] = {}
        column: list[str | None] = []
        for index, cell in enumerate(_cells(spec, config, frame, births)):
            if cell is None or (spec.source != "dob" and is_missing(cell)):
                column.append(spec.missing)
                continue
            key = cell if spec.source == "dob" else cell_text(cell)
            if key not in cache or TRANSFORMS[spec.transform].reads == "date":
                cache[key] = rule(cell)  # a date is read each time: its reader counts forms
            value, problem = cache[key]
            if value is not None and len(value) > MAX_ATTRIBUTE_VALUE_LENGTH:
                value, problem = None, "attribute_too_long"
            if problem:
                problems.append(AttributeProblem(problem, name, first_line + index))
            column.append(value)
        values[name] = column
    if checks_ages:
        problems += _age_range_problems(config, births, first_line, today)
    return values, problems


def _age_range(config: AgentConfig) -> tuple[int | None, int | None, date | None] | None:
    """Returns the configured ``[checks]`` age range and its reference date, or None."""
    if config.min_age is None and config.max_age is None:
        return None
    return config.min_age, config.max_age, config.age_reference_date


def _age_range_problems(config: AgentConfig, births: list[date | None], first_line: int,
                        today: date) -> list[AttributeProblem]:
    age_range = _age_range(config)
    if age_range is None:
        return []
    low, high, reference_date = age_range
    on = reference_date or today
    problems = []
    for index, born in enumerate(births):
        if born is None:
            continue
        age = whole_years(born, on)
        if (low is not None and age < low) or (high is not None and age > high):
            problems.append(AttributeProblem("outside_age_range", "dob", first_line + index))
    return problems


def unmapped_codes(config: AgentConfig, frame: pandas.DataFrame, first_line: int,
                   skip: set[int] | frozenset[int] = frozenset()) -> dict[str, Counter[str]]:
    """Given the configuration, source rows starting at file line ``first_line`` and the
    lines to leave out (rows not sent), returns attribute (and enrollment attribute) name ->
    count of each code outside its mapping (codes are attribute values, shown on the
    partner's terminal only)."""
    found: dict[str, Counter[str]] = {}
    specs = {**attribute_specs(config), **enrollment_specs(config)}
    for name, spec in specs.items():
        if spec.transform != "map":
            continue
        counts: Counter[str] = Counter()
        for index, cell in enumerate(frame[spec.column].tolist()):
            if first_line + index in skip or is_missing(cell):
                continue
            if map_code(spec.mapping, spec.map_name == "spd15", cell)[1]:
                counts[str(cell_text(cell)).strip()] += 1
        if counts:
            found[name] = counts
    return found
