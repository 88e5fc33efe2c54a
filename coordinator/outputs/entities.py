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


_HOW = (None, "population_source", "most_frequent", "multiple")
_UNKNOWN_CODE, _MULTIPLE_CODE = -1, -2


def _resolve_codes(entities: np.ndarray, codes: np.ndarray, from_source: np.ndarray,
                   count: int) -> tuple[np.ndarray, np.ndarray]:
    """The conflict rule over arrays. Given the present (non-missing) values of ``count``
    entities (entity, value code >= 0, whether the record is the population source's), returns
    per entity the resolved code (-1 unknown: no value, -2 multiple) and how (index into
    ``_HOW``: 0 without a conflict). The source's values alone decide when it has any; then
    the most frequent value wins, and a tie at the top is ``multiple``."""
    width = int(codes.max()) + 1 if len(codes) else 1
    distinct = np.bincount(_distinct(entities * width + codes) // width, minlength=count)
    has_source = np.zeros(count, dtype=bool)
    has_source[entities[from_source]] = True
    keep = from_source | ~has_source[entities]
    keys = np.sort(entities[keep] * width + codes[keep])
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) \
        else np.zeros(0, dtype=np.int64)
    pair_keys, numbers = keys[starts], np.diff(np.append(starts, len(keys)))
    pair_entities, pair_codes = pair_keys // width, pair_keys % width
    best = np.zeros(count, dtype=np.int64)
    np.maximum.at(best, pair_entities, numbers)
    top = numbers == best[pair_entities]
    tops = np.bincount(pair_entities[top], minlength=count)
    resolved = np.full(count, _UNKNOWN_CODE, dtype=np.int64)
    resolved[pair_entities[top]] = pair_codes[top]
    resolved[tops > 1] = _MULTIPLE_CODE
    how = np.zeros(count, dtype=np.int64)
    conflict = distinct > 1
    how[conflict] = np.where(tops[conflict] > 1, 3, np.where(has_source[conflict], 1, 2))
    return resolved, how


def resolve_attribute(values: Iterable[tuple[str, str | None]],
                      population_source: str | None) -> tuple[str, str | None]:
    """Given (partner, value) pairs of one entity's records, returns (value, how): how is None
    without a conflict, else ``population_source``, ``most_frequent`` or ``multiple``."""
    present = [(partner, value) for partner, value in values if value not in (None, "")]
    code_of = {value: code for code, value in enumerate(dict.fromkeys(v for _, v in present))}
    resolved, how = _resolve_codes(
        np.zeros(len(present), dtype=np.int64),
        np.array([code_of[value] for _, value in present], dtype=np.int64),
        np.array([partner == population_source for partner, _ in present], dtype=bool), 1)
    code = int(resolved[0])
    value = {_UNKNOWN_CODE: UNKNOWN, _MULTIPLE_CODE: MULTIPLE}.get(code) or list(code_of)[code]
    return value, _HOW[int(how[0])]


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


def _distinct(keys: np.ndarray) -> np.ndarray:
    """Returns the distinct keys, sorted."""
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


def _pairs(entities: Sequence[int] | np.ndarray, codes: Sequence[int] | np.ndarray,
           values: Sequence[str]) -> Pairs:
    """Returns the distinct pairs among (entity, code) pairs that may repeat."""
    width = max(len(values), 1)
    keys = _distinct(np.asarray(entities, dtype=np.int64) * width
                     + np.asarray(codes, dtype=np.int64))
    return Pairs(keys // width, keys % width, tuple(values))


class _Resolver:
    """Resolves attributes per entity from the records' values, with ``_resolve_codes``."""

    def __init__(self, records: Sequence[ProjectRecord], record_entity: np.ndarray,
                 count: int, population_source: str | None) -> None:
        self.records, self.record_entity, self.count = records, record_entity, count
        self.from_source = np.array([record.partner == population_source for record in records],
                                    dtype=bool)
        self.names = set().union(*(record.attributes for record in records))

    def resolve(self, source: str) -> tuple[Coded, Counter]:
        """Returns the attribute's resolved values and how many conflicts resolved each way."""
        if source not in self.names:  # no record has it: every entity is unknown
            return Coded(np.zeros(self.count, dtype=np.int64), (UNKNOWN,)), Counter()
        column = [record.attributes.get(source) for record in self.records]
        code_of = {value: code for code, value in enumerate(dict.fromkeys(column))}
        codes = np.fromiter(map(code_of.__getitem__, column), dtype=np.int64, count=len(column))
        present = ~np.isin(codes, [code_of[value] for value in (None, "") if value in code_of])
        resolved, how = _resolve_codes(self.record_entity[present], codes[present],
                                       self.from_source[present], self.count)
        values = list(code_of)  # the missing values (None, "") among them are never resolved to
        for special, name in ((_UNKNOWN_CODE, UNKNOWN), (_MULTIPLE_CODE, MULTIPLE)):
            if name not in code_of:
                code_of[name] = len(values)
                values.append(name)
            resolved[resolved == special] = code_of[name]
        how_counts = Counter({_HOW[index]: number for index, number in
                              enumerate(np.bincount(how, minlength=len(_HOW)).tolist())
                              if index and number})
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
