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
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["ProjectRecord", "Entity", "ConflictCounts", "MULTIPLE", "UNKNOWN",
           "resolve_attribute", "build_entities", "program_label"]

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
class Entity:
    """One youth (one hub-wide link ID). ``programs`` are program labels; ``participations``
    maps each label to the periods (``YYYY-MM`` or ``unknown``) it was attended in."""

    link_id: str
    partners: frozenset[str]
    participations: Mapping[str, frozenset[str]]
    attributes: Mapping[str, str]
    in_population: bool

    @property
    def programs(self) -> frozenset[str]:
        return frozenset(self.participations)

    @property
    def participating_partners(self) -> frozenset[str]:
        """The partners whose programs the youth takes part in."""
        return self.served

    served: frozenset[str] = frozenset()


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


def build_entities(records: Iterable[ProjectRecord], dimensions: Iterable[str], *,
                   population_source: str | None = None, program_attribute: str | None = None,
                   crosswalk: Mapping[str, str] | None = None, place_attribute: str | None = None,
                   ) -> tuple[list[Entity], ConflictCounts]:
    """Given records, the attribute dimensions to resolve (``area`` maps the place attribute
    through the crosswalk; unmapped places are ``unknown``), returns the entities and the
    conflict counts."""
    grouped: dict[str, list[ProjectRecord]] = defaultdict(list)
    for record in records:
        grouped[record.link_id].append(record)
    sources = [(name, place_attribute if name == "area" else name)
               for name in dict.fromkeys(dimensions)]
    areas = crosswalk or {}
    conflicts = ConflictCounts()
    counters = {"population_source": conflicts.by_population_source,
                "most_frequent": conflicts.by_most_frequent, "multiple": conflicts.multiple}
    entities = []
    for link_id, members in grouped.items():
        attributes: dict[str, str] = {}
        for name, source in sources:
            values = [member.attributes.get(source) for member in members]
            first = values[0]
            if len(values) == 1 or values.count(first) == len(values):
                value = first or UNKNOWN  # most youth: nothing to resolve
            else:
                value, how = resolve_attribute(
                    [(member.partner, value) for member, value in zip(members, values)],
                    population_source)
                if how is not None:
                    counters[how][name] += 1
            if name == "area" and value not in (UNKNOWN, MULTIPLE):
                value = areas.get(value, UNKNOWN)
            attributes[name] = value
        participations: dict[str, set[str]] = defaultdict(set)
        for member in members:
            for label, period in _participations(member, program_attribute, population_source):
                participations[label].add(period)
        partners = frozenset(member.partner for member in members)
        entities.append(Entity(
            link_id=link_id, partners=partners,
            served=frozenset(label.split(": ", 1)[0] for label in participations),
            participations={label: frozenset(periods) for label, periods in participations.items()},
            attributes=attributes,
            in_population=population_source in partners))
    return entities, conflicts
