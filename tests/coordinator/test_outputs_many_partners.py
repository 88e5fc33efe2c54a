"""Complementary suppression at many partners (above ``relations.SIGNATURE_LIMIT``, where the
audit's partner relations are Fréchet bounds): an attacker who models the youth behind the
published tables exactly, per set of partners, never pins a suppressed count to an interval
narrower than the protection width, on seeded random hubs of 20 to 24 partners.

The attacker is told more than is published (that no youth is served by more than
``MAX_SERVED`` partners; the generator's truth), so it is at least as strong as the exact one.
"""

from __future__ import annotations

import random
from datetime import date
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from hublink.coordinator.outputs.entities import ProjectRecord
from hublink.coordinator.outputs.publish import prepare_publication
from hublink.coordinator.outputs.relations import SIGNATURE_LIMIT
from hublink.coordinator.outputs.suppression import Unprotectable
from hublink.coordinator.projects.definition import parse_definition

MAX_SERVED = 3
TABLES = [{"name": "youth", "kind": "total"}, {"name": "partners", "kind": "by_partner"},
          {"name": "overlap", "kind": "overlap"},
          {"name": "program_count", "kind": "program_count"}]


def project(partners: list[str], k: int):
    return parse_definition({"name": "many", "title": "T", "purpose": "P", "partners": partners,
                             "attributes": ["zip"], "k": k,
                             "retention": {"expires": date(2099, 1, 1)}, "approvers": ["b"],
                             "tables": TABLES}, Path("."))


def city(seed: int, partners: int) -> tuple[list[str], list[ProjectRecord]]:
    """A hub of ``partners`` partners of city-like sizes (a few large, many small: small cells
    and small overlaps exist), each youth served by 1 to MAX_SERVED of them."""
    rng = random.Random(seed)
    names = [f"p{index:02d}" for index in range(partners)]
    weights = [1.0 / (index + 1) for index in range(partners)]
    records = []
    for youth in range(rng.randint(150, 400)):
        served: set[str] = set()
        while len(served) < rng.choice((1, 1, 1, 2, 2, 3)):
            served.add(rng.choices(names, weights)[0])
        records += [ProjectRecord(partner, f"{partner}-{youth}", f"L{youth}", {"zip": "1"})
                    for partner in sorted(served)]
    return names, records


def attack(tables: list[dict], partners: list[str]) -> list[tuple[str, float, float]]:
    """Returns (cell, low, high) for each suppressed count, from the published JSON alone.
    Unknowns: youth per set of at most MAX_SERVED partners; every shown count is an equation
    (participations: each youth counts once per partner serving it)."""
    sets = [frozenset(group) for size in range(1, MAX_SERVED + 1)
            for group in combinations(partners, size)]
    rows, targets, values = [], [], []

    def observe(label: str, member, cell: dict, weight=lambda group: 1.0) -> None:
        columns = [index for index, group in enumerate(sets) if member(group)]
        if cell.get("suppressed"):
            targets.append((label, columns))
        else:
            rows.append([(index, weight(sets[index])) for index in columns])
            values.append(cell["value"])

    for table in tables:
        observe(f"{table['table']} total", lambda group: True, table["total"]["youth"])
        if "participations" in table["total"]:  # each partner is one program here
            observe("participations", lambda group: True, table["total"]["participations"],
                    weight=len)
        for row in table["rows"]:
            if table["kind"] == "by_partner":
                member = lambda group, p=row["partner"]: p in group  # noqa: E731
            elif table["kind"] == "overlap":
                member = (lambda group, a=row["partner_a"], b=row["partner_b"]:  # noqa: E731
                          a in group and b in group)
            else:
                member = (lambda group, n=row["programs"]:  # noqa: E731
                          str(min(len(group), 3)).replace("3", "3+") == n)
            observe(f"{table['table']} {row}", member, row["youth"])
    pointers = np.cumsum([0] + [len(terms) for terms in rows])
    matrix = csr_matrix(([weight for terms in rows for _, weight in terms],
                         [index for terms in rows for index, _ in terms], pointers),
                        shape=(len(rows), len(sets)))
    found = []
    for label, columns in targets:
        objective = np.zeros(len(sets))
        objective[columns] = 1.0
        low = linprog(objective, A_eq=matrix, b_eq=values, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=matrix, b_eq=values, bounds=(0, None), method="highs")
        assert low.status == 0, "the published tables must be consistent with the truth"
        found.append((label, low.fun, np.inf if high.status == 3 else -high.fun))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("seed, partners, k", [(1, 20, 11), (2, 20, 5), (3, 22, 11),
                                               (4, 24, 11), (5, 24, 3)])
def test_an_exact_attacker_never_recovers_a_suppressed_count_at_many_partners(seed, partners, k):
    assert partners > SIGNATURE_LIMIT
    names, records = city(seed, partners)
    try:
        prepared = prepare_publication(project(names, k), records)
    except Unprotectable:
        return  # refusing to publish is always safe
    assert prepared.suppressed, "the hub must have small cells for the test to mean anything"
    recovered = [(label, low, high) for label, low, high in attack(prepared.tables, names)
                 if high - low < k - 1e-6]
    assert not recovered, f"{len(recovered)} suppressed counts recovered, e.g. {recovered[:3]}"
