"""From linked records to entities: one per link ID, with resolved attributes and participations.

Pure: works on an in-memory record view, so every rule is tested on hand-built data.

Attribute conflicts within an entity are resolved by one documented rule
(``resolve_attribute``): the population source's value first, then the most frequent value among
the entity's records, then ``multiple`` when the most frequent values tie. Missing values never
count as a conflict; an entity with no value is ``unknown``.

A record participates in a program: each enrollment's ``program`` (when enrollments exist);
otherwise the record's program attribute (when the project declares one); otherwise, for any
partner but the population source, the partner itself. A population-source record with neither
only says the youth is in the population (the roster).

Entities are columns (numpy arrays, row i of each is entity i), so that a publication over
hundreds of thousands of records counts with array operations instead of Python loops; only
the entities whose records truly disagree go through ``resolve_attribute`` one by one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["ProjectRecord", "Coded", "Pairs", "Entities", "ConflictCounts", "MULTIPLE",
           "UNKNOWN", "resolve_attribute", "build_entities", "program_label"]

MULTIPLE = "multiple"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ProjectRecord:
    """One current record as a project sees it: only the project's attributes."""

    partner: str
    pseudonym: str
    link_id: str
    attributes: Mapping[str, str | None]
    enrollments: tuple[Mapping[str, str | None], ...] = ()


@dataclass(frozen=True)
class Coded:
    """One value per entity: entity i has ``values[codes[i]]``."""

    codes: np.ndarray
    values: tuple[str, ...]


@dataclass(frozen=True)
class Pairs:
    """Distinct (entity, value) pairs, each value once per entity: pair j is entity
    ``entities[j]`` with ``values[codes[j]]``; every value has at least one pair."""

    entities: np.ndarray
    codes: np.ndarray
    values: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        """Returns per value the number of entities that have it."""
        counts = np.bincount(self.codes, minlength=len(self.values))
        return dict(zip(self.values, counts.tolist()))


@dataclass(frozen=True)
class Entities:
    """The youth of one publication (one per hub-wide link ID) as columns. ``participations``
    pairs entities with program labels, ``periods`` with the periods (``YYYY-MM`` or
    ``unknown``) they attended in, ``served`` with the partners whose programs they attend."""

    count: int
    in_population: np.ndarray
    attributes: Mapping[str, Coded]
    participations: Pairs
    periods: Pairs
    served: Pairs

    def programs_per_entity(self) -> np.ndarray:
        """Returns each entity's number of program labels (0: not taking part)."""
        return np.bincount(self.participations.entities, minlength=self.count)

    def attribute(self, name: str) -> Coded:
        """Returns a resolved dimension (``unknown`` for every entity when not resolved)."""
        coded = self.attributes.get(name)
        return coded or Coded(np.zeros(self.count, dtype=np.int64), (UNKNOWN,))


@dataclass
class ConflictCounts:
    """Per attribute: entities whose records disagree, and how each was resolved."""

    by_population_source: Counter = field(default_factory=Counter)
    by_most_frequent: Counter = field(default_factory=Counter)
    multiple: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, dict[str, int]]:
        names = sorted(set(self.by_population_source) | set(self.by_most_frequent)
                       | set(self.multiple))
        return {name: {"conflicts": self.by_population_source[name]
                       + self.by_most_frequent[name] + self.multiple[name],
                       "population_source": self.by_population_source[name],
                       "most_frequent": self.by_most_frequent[name],
                       "multiple": self.multiple[name]} for name in names}


def program_label(partner: str, program: str | None) -> str:
    """Returns the label of a partner's program (the partner itself when it has none)."""
    return f"{partner}: {program}" if program else partner


def resolve_attribute(values: Iterable[tuple[str, str | None]],
                      population_source: str | None) -> tuple[str, str | None]:
    """Given (partner, value) pairs of one entity's records, returns (value, how): how is None
    without a conflict, else ``population_source``, ``most_frequent`` or ``multiple``."""
    present = [(partner, value) for partner, value in values if value not in (None, "")]
    distinct = {value for _, value in present}
    if not distinct:
        return UNKNOWN, None
    if len(distinct) == 1:
        return next(iter(distinct)), None
    from_source = [value for partner, value in present if partner == population_source]
    how = "most_frequent"
    if from_source:
        present, how = [(population_source, value) for value in from_source], "population_source"
        if len(set(from_source)) == 1:
            return from_source[0], how
    counts = Counter(value for _, value in present).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return MULTIPLE, "multiple"
    return counts[0][0], how


def _participations(record: ProjectRecord, program_attribute: str | None,
                    population_source: str | None) -> list[tuple[str, str]]:
    if record.enrollments:
        return [(program_label(record.partner, enrollment.get("program")),
                 (enrollment.get("start") or "")[:7] or UNKNOWN)
                for enrollment in record.enrollments]
    program = record.attributes.get(program_attribute) if program_attribute else None
    if program:
        return [(program_label(record.partner, program), UNKNOWN)]
    if record.partner == population_source:
        return []
    return [(program_label(record.partner, None), UNKNOWN)]


def _pairs(entities: Sequence[int] | np.ndarray, codes: Sequence[int] | np.ndarray,
           values: Sequence[str]) -> Pairs:
    """Returns the distinct pairs among (entity, code) pairs that may repeat."""
    width = max(len(values), 1)
    keys = np.sort(np.asarray(entities, dtype=np.int64) * width + np.asarray(codes, dtype=np.int64))
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
    return Pairs(keys // width, keys % width, tuple(values))


class _Resolver:
    """Resolves one attribute per entity: array operations where an entity's present values
    agree (most youth), ``resolve_attribute`` for the entities whose records disagree."""

    def __init__(self, records: Sequence[ProjectRecord], record_entity: np.ndarray,
                 count: int, population_source: str | None) -> None:
        self.records, self.record_entity, self.count = records, record_entity, count
        self.population_source = population_source
        self.order = np.argsort(record_entity, kind="stable")
        self.starts = np.searchsorted(record_entity[self.order], np.arange(count + 1))

    def resolve(self, source: str) -> tuple[Coded, Counter]:
        """Returns the attribute's resolved values and how many conflicts resolved each way."""
        column = [record.attributes.get(source) for record in self.records]
        code_of = {value: code for code, value in enumerate(dict.fromkeys(column))}
        codes = np.fromiter(map(code_of.__getitem__, column), dtype=np.int64, count=len(column))
        values: list = list(code_of)  # None and "" (missing) among them are never resolved to
        unknown = code_of.setdefault(UNKNOWN, len(code_of))
        if unknown == len(values):
            values.append(UNKNOWN)
        present = ~np.isin(codes, [code_of[value] for value in (None, "") if value in code_of])
        pairs = _pairs(self.record_entity[present], codes[present], values)
        distinct = np.bincount(pairs.entities, minlength=self.count)
        resolved = np.full(self.count, unknown, dtype=np.int64)
        single = distinct[pairs.entities] == 1
        resolved[pairs.entities[single]] = pairs.codes[single]
        how_counts: Counter = Counter()
        for entity in np.flatnonzero(distinct > 1).tolist():
            members = [self.records[index] for index in
                       self.order[self.starts[entity]:self.starts[entity + 1]].tolist()]
            value, how = resolve_attribute([(m.partner, m.attributes.get(source)) for m in members],
                                           self.population_source)
            how_counts[how] += 1
            if value not in code_of:
                code_of[value] = len(code_of)
                values.append(value)
            resolved[entity] = code_of[value]
        return Coded(resolved, tuple(values)), how_counts


def _mapped(coded: Coded, crosswalk: Mapping[str, str]) -> Coded:
    """Returns places mapped to areas (unmapped places are ``unknown``)."""
    areas = [value if value in (UNKNOWN, MULTIPLE) else crosswalk.get(value, UNKNOWN)
             for value in coded.values]
    names = list(dict.fromkeys(areas))
    recode = np.array([names.index(area) for area in areas], dtype=np.int64)
    return Coded(recode[coded.codes], tuple(names))


def build_entities(records: Iterable[ProjectRecord], dimensions: Iterable[str], *,
                   population_source: str | None = None, program_attribute: str | None = None,
                   crosswalk: Mapping[str, str] | None = None, place_attribute: str | None = None,
                   ) -> tuple[Entities, ConflictCounts]:
    """Given records, the attribute dimensions to resolve (``area`` maps the place attribute
    through the crosswalk; unmapped places are ``unknown``), returns the entities and the
    conflict counts."""
    records = records if isinstance(records, Sequence) else list(records)
    entity_of: dict[str, int] = {}
    entity_list = [entity_of.setdefault(record.link_id, len(entity_of)) for record in records]
    count = len(entity_of)
    record_entity = np.array(entity_list, dtype=np.int64)
    in_population = np.zeros(count, dtype=bool)
    in_population[np.array([entity for entity, record in zip(entity_list, records)
                            if record.partner == population_source], dtype=np.int64)] = True
    resolver = _Resolver(records, record_entity, count, population_source)
    conflicts = ConflictCounts()
    counters = {"population_source": conflicts.by_population_source,
                "most_frequent": conflicts.by_most_frequent, "multiple": conflicts.multiple}
    resolved: dict[str, tuple[Coded, Counter]] = {}
    attributes: dict[str, Coded] = {}
    for name in dict.fromkeys(dimensions):
        source = place_attribute if name == "area" else name
        if source not in resolved:
            resolved[source] = resolver.resolve(source)
        coded, how_counts = resolved[source]
        for how, number in how_counts.items():
            counters[how][name] += number
        attributes[name] = _mapped(coded, crosswalk or {}) if name == "area" else coded
    label_of: dict[str, int] = {}
    period_of: dict[str, int] = {}
    taking_part, labels, periods = [], [], []
    for entity, record in zip(entity_list, records):
        for label, period in _participations(record, program_attribute, population_source):
            taking_part.append(entity)
            labels.append(label_of.setdefault(label, len(label_of)))
            periods.append(period_of.setdefault(period, len(period_of)))
    served_of: dict[str, int] = {}
    served_by_label = [served_of.setdefault(label.split(": ", 1)[0], len(served_of))
                       for label in label_of]
    served = np.array(served_by_label, dtype=np.int64)[np.array(labels, dtype=np.int64)]
    return Entities(count, in_population, attributes,
                    _pairs(taking_part, labels, list(label_of)),
                    _pairs(taking_part, periods, list(period_of)),
                    _pairs(taking_part, served, list(served_of))), conflicts
