"""The disclosure audit: for every suppressed count, the interval of values consistent with
everything published, by linear programming (scipy's HiGHS).

Published counts are known; suppressed counts and hidden variables are unknown and
non-negative; the relations (``relations``) bind them. The problem splits into independent
components (unknowns that share a relation), each solved twice per suppressed count (its
minimum and maximum). The LP relaxation is what statistical agencies' audits use (tau-argus):
for the partition and transportation structures here its bounds are the integer ones.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from hublink.coordinator.outputs.relations import Relation
from hublink.coordinator.outputs.tables import Quantity

__all__ = ["Interval", "IntervalAudit", "audit_intervals"]


@dataclass(frozen=True)
class Interval:
    """The values a suppressed count could have, given everything published."""

    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


class _Components:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, name: str) -> str:
        self.parent.setdefault(name, name)
        while self.parent[name] != name:
            self.parent[name] = self.parent[self.parent[name]]
            name = self.parent[name]
        return name

    def join(self, names: Iterable[str]) -> None:
        names = list(names)
        for other in names[1:]:
            self.parent[self.find(other)] = self.find(names[0])


def _solve_one(name: str, rows: list[tuple[dict[str, float], float, str]]) -> Interval:
    """One unknown: its relations are bounds, no LP needed."""
    low, high = 0.0, math.inf
    for terms, rhs, sense in rows:
        bound = rhs / terms[name]
        if sense == "==":
            low, high = max(low, bound), min(high, bound)
        elif terms[name] > 0:
            high = min(high, bound)
        else:
            low = max(low, bound)
    return Interval(low, high)


def _solve(unknowns: list[str], rows: list[tuple[dict[str, float], float, str]],
           targets: list[str]) -> dict[str, Interval]:
    if len(unknowns) == 1:
        return {unknowns[0]: _solve_one(unknowns[0], rows)}
    index = {name: position for position, name in enumerate(unknowns)}

    def matrix(sense: str) -> tuple[csr_matrix | None, np.ndarray | None]:
        chosen = [(terms, rhs) for terms, rhs, kind in rows if kind == sense]
        if not chosen:
            return None, None
        data, columns, pointers = [], [], [0]
        for terms, _ in chosen:
            for name, weight in terms.items():
                data.append(weight)
                columns.append(index[name])
            pointers.append(len(data))
        shape = (len(chosen), len(unknowns))
        return (csr_matrix((data, columns, pointers), shape=shape),
                np.array([rhs for _, rhs in chosen]))

    equal, equal_rhs = matrix("==")
    upper, upper_rhs = matrix("<=")
    intervals = {}
    for target in targets:
        bounds = []
        for direction in (1.0, -1.0):
            objective = np.zeros(len(unknowns))
            objective[index[target]] = direction
            result = linprog(objective, A_ub=upper, b_ub=upper_rhs, A_eq=equal, b_eq=equal_rhs,
                             bounds=(0, None), method="highs")
            if result.status == 3:  # unbounded: only a maximum can be
                bounds.append(math.inf)
            elif result.status != 0:
                raise RuntimeError(f"the disclosure audit's LP failed: {result.message}")
            else:
                bounds.append(direction * result.fun)
        intervals[target] = Interval(bounds[0], bounds[1])
    return intervals


class IntervalAudit:
    """Audits suppressed quantities; remembers components already solved, so re-auditing
    after a few more suppressions solves only the components they changed."""

    def __init__(self, relations: list[Relation]) -> None:
        self.relations = relations
        self._solved: dict[frozenset[str], dict[str, Interval]] = {}
        self.solves = 0

    def component_of(self, name: str, quantities: Mapping[str, Quantity]) -> set[str]:
        """Returns the unknowns bound together with ``name``."""
        components, _ = self._components(quantities)
        root = components.find(name)
        return {other for other in components.parent if components.find(other) == root}

    def _unknown(self, name: str, quantities: Mapping[str, Quantity]) -> bool:
        quantity = quantities.get(name)
        return quantity is None or quantity.suppressed is not None

    def _components(self, quantities: Mapping[str, Quantity]):  # type: ignore[no-untyped-def]
        components = _Components()
        for name, quantity in quantities.items():
            if quantity.suppressed is not None:
                components.find(name)
        reduced = []
        for relation in self.relations:
            unknown = [name for name, _ in relation.terms if self._unknown(name, quantities)]
            if not unknown:
                continue
            components.join(unknown)
            rhs = -sum(weight * quantities[name].value for name, weight in relation.terms
                       if not self._unknown(name, quantities))
            reduced.append(({name: weight for name, weight in relation.terms
                             if self._unknown(name, quantities)}, rhs, relation.sense))
        return components, reduced

    def audit(self, quantities: Mapping[str, Quantity]) -> dict[str, Interval]:
        """Given every quantity (published or suppressed), returns the interval of each
        suppressed one."""
        components, reduced = self._components(quantities)
        grouped: dict[str, list] = defaultdict(list)
        for row in reduced:
            grouped[components.find(next(iter(row[0])))].append(row)
        members: dict[str, list[str]] = defaultdict(list)
        for name in components.parent:
            members[components.find(name)].append(name)
        intervals: dict[str, Interval] = {}
        for root, names in members.items():
            targets = sorted(name for name in names if name in quantities)
            if not targets:
                continue
            key = frozenset(names)
            if key not in self._solved:
                self._solved[key] = _solve(sorted(names), grouped.get(root, []), targets)
                self.solves += 2 * len(targets)
            intervals.update(self._solved[key])
        return intervals


def audit_intervals(relations: list[Relation],
                    quantities: Mapping[str, Quantity]) -> dict[str, Interval]:
    """Given the relations and every quantity, returns each suppressed quantity's interval."""
    return IntervalAudit(relations).audit(quantities)
