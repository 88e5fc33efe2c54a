"""The aggregates a project declares, computed from entities as cells before disclosure control.

Every count is a *quantity* named by what it counts (``youth|total``, ``partner|A``,
``overlap|A|B``, ``group|race_ethnicity|Black``...), so a quantity shown by two tables is one
quantity with one suppression status. Tables refer to quantities row by row.

Definitions (known-answer tests in tests/coordinator/test_outputs_tables.py):

- ``youth``: unduplicated youth with at least one participation (see ``entities``);
- ``participations``: distinct (youth, program) pairs;
- by partner / program / period: youth with a participation there (a youth counts once per row);
- ``programs``: youth in exactly 1, 2, or 3 or more programs;
- overlap: youth with participations at both partners (the diagonal: at that partner);
- by group: youth per combination of the dimensions' resolved values; ``rate`` divides it by
  the population of the group (the population source's youth, or the denominators file);
- missing by group: youth of the population source reached by no program (only its roster).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from hublink.coordinator.outputs.entities import Entities
from hublink.coordinator.projects.definition import TABLE_KINDS, ProjectDefinition, TableSpec

__all__ = ["MEMBERSHIP_KINDS", "Quantity", "DraftTable", "Aggregates", "compute_aggregates", "Partition",
           "PROGRAM_COUNT_BUCKETS"]

MEMBERSHIP_KINDS = ("by_partner", "by_program", "by_period")
"""Tables counting each youth under every partner, program or period it is a member of (their
dimension is ``TABLE_KINDS[kind][0]``), never under one resolved value."""

PROGRAM_COUNT_BUCKETS = ("1", "2", "3+")
Row = tuple[str, ...]


@dataclass
class Quantity:
    """One count and its suppression status (None: published; else the reason)."""

    name: str
    value: int
    suppressed: str | None = None


@dataclass
class DraftTable:
    """A table's rows: per row and measure the quantity name (rates: numerator and
    denominator, the denominator a quantity name or an external whole number)."""

    spec: TableSpec
    measures: tuple[str, ...]
    rows: list[Row]
    cells: dict[tuple[Row | None, str], str]
    denominators: dict[Row | None, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class Partition:
    """Quantities that split one universe (youth, population, missing) by dimensions."""

    universe: str
    dimensions: tuple[str, ...]
    rows: dict[Row, str]
    total: str


@dataclass
class Aggregates:
    """Everything one publication computes: quantities, tables, and the structure the audit
    needs (partitions, program ownership, partner list)."""

    quantities: dict[str, Quantity]
    tables: list[DraftTable]
    partitions: list[Partition]
    partners: tuple[str, ...]
    programs: dict[str, str]  # program label -> partner

    def value(self, name: str) -> int:
        return self.quantities[name].value


class _Builder:
    def __init__(self, definition: ProjectDefinition, entities: Entities) -> None:
        self.definition = definition
        self.entities = entities
        self.programs_per_entity = entities.programs_per_entity()
        self.youth = self.programs_per_entity > 0
        self.population = entities.in_population
        self.quantities: dict[str, Quantity] = {}
        self.partitions: dict[tuple[str, tuple[str, ...]], Partition] = {}

    def quantity(self, name: str, value: int) -> str:
        self.quantities.setdefault(name, Quantity(name, int(value)))
        return name

    def totals(self) -> str:
        if "youth|total" not in self.quantities:
            self.quantity("participations|total", len(self.entities.participations.entities))
        return self.quantity("youth|total", int(self.youth.sum()))

    def partition(self, universe: str, members: np.ndarray,
                  dimensions: tuple[str, ...]) -> Partition:
        """Counts the ``members`` (a mask over entities) per combination of the dimensions."""
        key = (universe, dimensions)
        if key not in self.partitions:
            columns = [self.entities.attribute(d) for d in dimensions]
            combined = np.ravel_multi_index([column.codes[members] for column in columns],
                                            [len(column.values) for column in columns])
            found, numbers = np.unique(combined, return_counts=True)
            codes = np.unravel_index(found, [len(column.values) for column in columns])
            counts = {tuple(column.values[code] for column, code in zip(columns, row)): number
                      for row, number in zip(zip(*(c.tolist() for c in codes)), numbers.tolist())}
            prefix = f"{universe}|{'+'.join(dimensions)}"
            rows = {row: self.quantity(f"{prefix}|{'|'.join(row)}", count)
                    for row, count in sorted(counts.items())}
            total = self.quantity(f"{universe}|total", int(members.sum()))
            self.partitions[key] = Partition(universe, dimensions, rows, total)
        return self.partitions[key]

    def table(self, spec: TableSpec) -> DraftTable:
        total = self.totals()
        kind = spec.kind
        if kind == "total":
            return DraftTable(spec, ("youth", "participations"), [],
                              {(None, "youth"): total,
                               (None, "participations"): "participations|total"})
        if kind in MEMBERSHIP_KINDS:
            return self._membership(spec, total)
        if kind == "program_count":
            buckets = np.minimum(self.programs_per_entity[self.youth], 3)
            counts = np.bincount(buckets, minlength=4).tolist()
            cells = {((bucket,), "youth"): self.quantity(f"programs|{bucket}", counts[index])
                     for index, bucket in enumerate(PROGRAM_COUNT_BUCKETS, start=1)}
            cells[(None, "youth")] = total
            return DraftTable(spec, ("youth",), [(b,) for b in PROGRAM_COUNT_BUCKETS], cells)
        if kind == "overlap":
            return self._overlap(spec, total)
        if kind == "missing_by_group":
            part = self.partition("missing", self.population & ~self.youth, spec.dimensions)
            cells = {(row, "missing"): name for row, name in part.rows.items()}
            cells[(None, "missing")] = part.total
            return DraftTable(spec, ("missing",), list(part.rows), cells)
        return self._by_group(spec)

    def _membership(self, spec: TableSpec, total: str) -> DraftTable:
        pairs = {"by_partner": self.entities.served, "by_program": self.entities.participations,
                 "by_period": self.entities.periods}[spec.kind]
        counts = pairs.counts()
        prefix = TABLE_KINDS[spec.kind][0]
        keys = list(self.definition.partners) if spec.kind == "by_partner" else sorted(counts)
        cells = {((key,), "youth"): self.quantity(f"{prefix}|{key}", counts.get(key, 0))
                 for key in keys}
        cells[(None, "youth")] = total
        return DraftTable(spec, ("youth",), [(key,) for key in keys], cells)

    def _overlap(self, spec: TableSpec, total: str) -> DraftTable:
        from scipy.sparse import csr_matrix  # scipy loads when publishing, not with the API
        served = self.entities.served
        # Youth x partner incidence; its Gram matrix counts youth per pair (diagonal: per partner).
        incidence = csr_matrix((np.ones(len(served.codes), dtype=np.int64),
                                (served.entities, served.codes)),
                               shape=(self.entities.count, len(served.values)))
        both = (incidence.T @ incidence).toarray()
        index = {partner: position for position, partner in enumerate(served.values)}
        partners = sorted(self.definition.partners)
        rows, cells = [], {}
        for first, second in [(p, p) for p in partners] + list(combinations(partners, 2)):
            name = f"partner|{first}" if first == second else f"overlap|{first}|{second}"
            rows.append((first, second))
            count = (both[index[first], index[second]]
                     if first in index and second in index else 0)
            cells[((first, second), "youth")] = self.quantity(name, count)
        cells[(None, "youth")] = total
        return DraftTable(spec, ("youth",), rows, cells)

    def _by_group(self, spec: TableSpec) -> DraftTable:
        part = self.partition("youth", self.youth, spec.dimensions)
        cells = {(row, "youth"): name for row, name in part.rows.items()}
        cells[(None, "youth")] = part.total
        rows = list(part.rows)
        denominators: dict[Row | None, str | int] = {}
        if spec.rate:
            external = self.definition.denominators.get(spec.dimensions)
            if external is not None:
                rows = sorted(set(rows) | set(external))
                denominators = {row: external.get(row, 0) for row in rows}
                denominators[None] = sum(external.values())
            else:
                population = self.partition("population", self.population, spec.dimensions)
                rows = sorted(set(rows) | set(population.rows))
                denominators = {row: population.rows.get(row) or
                                self.quantity(f"population|{'+'.join(spec.dimensions)}|"
                                              f"{'|'.join(row)}", 0) for row in rows}
                denominators[None] = population.total
            for row in rows:
                if (row, "youth") not in cells:
                    cells[(row, "youth")] = self.quantity(
                        f"youth|{'+'.join(spec.dimensions)}|{'|'.join(row)}", 0)
        measures = ("youth", "rate") if spec.rate else ("youth",)
        return DraftTable(spec, measures, rows, cells, denominators)


def compute_aggregates(definition: ProjectDefinition, entities: Entities) -> Aggregates:
    """Given a project and its entities, returns every declared table's cells (unsuppressed)."""
    builder = _Builder(definition, entities)
    tables = [builder.table(spec) for spec in definition.tables]
    programs = {label: label.split(": ", 1)[0]
                for label in sorted(entities.participations.values)}
    return Aggregates(builder.quantities, tables, list(builder.partitions.values()),
                      tuple(definition.partners), programs)
