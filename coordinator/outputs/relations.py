"""What an attacker knows binds published counts together: the linear relations between them.

Each relation is ``sum(coefficient * variable) == 0`` or ``<= 0`` over quantities (see
``tables``) and hidden non-negative variables (``~...``) that no table shows. The LP audit
(``lp_audit``) takes the published quantities as known and bounds every suppressed one.

- Partitions: a table's rows sum to its total, and two tables over one universe agree on every
  margin they share (youth by ZIP and youth by ZIP and race; youth by ZIP and by race share the
  grand total). For one-dimensional tables this is exactly what an attacker can use.
- Partners: with at most ``SIGNATURE_LIMIT`` partners, hidden counts of youth per set of
  partners served and bucket of program count tie the partner counts, the overlap matrix and the
  program-count table together exactly; beyond that, Fréchet bounds
  (``max(0, A + B - total) <= both <= min(A, B)``).
- Programs: a partner's youth lie between its largest program and the sum of its programs;
  participations are the sum of the program counts, at least ``1*n1 + 2*n2 + 3*n3``. A partner
  whose program is the partner itself (no program attribute) counts its program's youth in its
  own row, so without a by-program table the participations still sum the partner counts.
- Periods: each at most the total, together at least the total.
- Missing: population = missing + reached, reached at most the group's youth.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from hublink.coordinator.outputs.tables import PROGRAM_COUNT_BUCKETS, Aggregates, Partition

__all__ = ["Relation", "SIGNATURE_LIMIT", "build_relations"]

SIGNATURE_LIMIT = 10


@dataclass(frozen=True)
class Relation:
    """``sum(terms) == 0`` (``sense == "=="``) or ``<= 0``."""

    terms: tuple[tuple[str, float], ...]
    sense: str


def _equal(positive: list[str], negative: list[str]) -> Relation:
    terms: dict[str, float] = defaultdict(float)
    for name in positive:
        terms[name] += 1.0
    for name in negative:
        terms[name] -= 1.0
    return Relation(tuple((name, value) for name, value in terms.items() if value), "==")


def _at_most(smaller: list[tuple[str, float]], larger: list[tuple[str, float]]) -> Relation:
    terms: dict[str, float] = defaultdict(float)
    for name, weight in smaller:
        terms[name] += weight
    for name, weight in larger:
        terms[name] -= weight
    return Relation(tuple((name, value) for name, value in terms.items() if value), "<=")


def _partition_relations(partitions: list[Partition]) -> list[Relation]:
    relations = [_equal(list(p.rows.values()), [p.total]) for p in partitions]
    for first, second in combinations(partitions, 2):
        shared = [d for d in first.dimensions if d in second.dimensions]
        if first.universe != second.universe or not shared:
            continue
        margins: dict[tuple[str, ...], tuple[list[str], list[str]]] = defaultdict(
            lambda: ([], []))
        for side, part in ((0, first), (1, second)):
            positions = [part.dimensions.index(d) for d in shared]
            for row, name in part.rows.items():
                margins[tuple(row[i] for i in positions)][side].append(name)
        relations += [_equal(left, right) for left, right in margins.values()]
    return relations


def _missing_relations(aggregates: Aggregates) -> list[Relation]:
    by_key = {(p.universe, p.dimensions): p for p in aggregates.partitions}
    relations = []
    for part in aggregates.partitions:
        if part.universe != "missing":
            continue
        population = by_key.get(("population", part.dimensions))
        youth = by_key.get(("youth", part.dimensions))
        if population is None:
            continue
        for row, missing in part.rows.items():
            reached = f"~reached|{missing}"
            size = population.rows.get(row)
            relations.append(_equal([missing, reached], [size] if size else []))
            relations.append(_at_most([(reached, 1)],
                                      [(youth.rows[row], 1)] if youth and row in youth.rows else []))
    if "missing|total" in aggregates.quantities and "population|total" in aggregates.quantities:
        relations.append(_equal(["missing|total", "~reached|total"], ["population|total"]))
        relations.append(_at_most([("~reached|total", 1)], [("youth|total", 1)]))
    return relations


def _partner_relations(aggregates: Aggregates) -> list[Relation]:
    partners, names = aggregates.partners, aggregates.quantities
    total = "youth|total"
    buckets = [f"programs|{bucket}" for bucket in PROGRAM_COUNT_BUCKETS]
    relations = []
    if len(partners) <= SIGNATURE_LIMIT:
        members: dict[str, list[str]] = defaultdict(list)
        for size in range(1, len(partners) + 1):
            for group in combinations(sorted(partners), size):
                for bucket in range(min(size, 3), 4):
                    hidden = f"~set|{'|'.join(group)}|{bucket}"
                    members[total].append(hidden)
                    members[buckets[bucket - 1]].append(hidden)
                    for partner in group:
                        members[f"partner|{partner}"].append(hidden)
                    for pair in combinations(group, 2):
                        members[f"overlap|{pair[0]}|{pair[1]}"].append(hidden)
        relations += [_equal([name], hidden) for name, hidden in members.items() if name in names]
    else:
        for first, second in combinations(sorted(partners), 2):
            both, a, b = f"overlap|{first}|{second}", f"partner|{first}", f"partner|{second}"
            if both in names:
                relations.append(_at_most([(both, 1)], [(a, 1)]))
                relations.append(_at_most([(both, 1)], [(b, 1)]))
                relations.append(_at_most([(a, 1), (b, 1)], [(both, 1), (total, 1)]))
        present = [f"partner|{p}" for p in partners if f"partner|{p}" in names]
        relations += [_at_most([(name, 1)], [(total, 1)]) for name in present]
        if len(present) == len(partners):
            relations.append(_at_most([(total, 1)], [(name, 1) for name in present]))
    if all(name in names for name in buckets):
        relations.append(_equal(buckets, [total]))
    return relations


def _program_quantity(aggregates: Aggregates, label: str) -> str | None:
    """Returns the quantity counting a program's youth: its own row, or for a partner whose
    program is the partner itself (no program attribute) the partner's count."""
    names = aggregates.quantities
    if f"program|{label}" in names:
        return f"program|{label}"
    if aggregates.programs[label] == label and f"partner|{label}" in names:
        return f"partner|{label}"
    return None


def _program_relations(aggregates: Aggregates) -> list[Relation]:
    names = aggregates.quantities
    counted = {label: _program_quantity(aggregates, label) for label in sorted(aggregates.programs)}
    programs = [label for label, name in counted.items() if name is not None]
    if not programs:
        return []
    relations = []
    owned: dict[str, list[str]] = defaultdict(list)
    for label in programs:
        owned[aggregates.programs[label]].append(counted[label])
        relations.append(_at_most([(counted[label], 1)], [("youth|total", 1)]))
    for partner, labels in owned.items():
        served = f"partner|{partner}"
        relations += [_at_most([(label, 1)], [(served, 1)]) for label in labels]
        relations.append(_at_most([(served, 1)], [(label, 1) for label in labels]))
    every = [counted[label] for label in programs]
    if len(programs) == len(aggregates.programs):
        relations.append(_equal(["participations|total"], every))
        relations.append(_at_most([("youth|total", 1)], [(name, 1) for name in every]))
        buckets = [f"programs|{bucket}" for bucket in PROGRAM_COUNT_BUCKETS]
        if all(name in names for name in buckets):
            relations.append(_at_most(list(zip(buckets, (1.0, 2.0, 3.0))),
                                      [(name, 1) for name in every]))
    return relations


def build_relations(aggregates: Aggregates) -> list[Relation]:
    """Given the computed aggregates, returns every linear relation an attacker could use."""
    names = aggregates.quantities
    relations = _partition_relations(aggregates.partitions) + _missing_relations(aggregates)
    relations += _partner_relations(aggregates) + _program_relations(aggregates)
    relations.append(_at_most([("youth|total", 1)], [("participations|total", 1)]))
    periods = [name for name in names if name.startswith("period|")]
    if periods:
        relations += [_at_most([(name, 1)], [("youth|total", 1)]) for name in periods]
        relations.append(_at_most([("youth|total", 1)], [(name, 1) for name in periods]))
    return [relation for relation in relations if relation.terms]
