"""The disclosure audit as an attacker: from the published tables alone, an exact linear model
of the youth behind them never pins a suppressed count to an interval narrower than the
protection width, on hand-built and random (hypothesis) data."""

from datetime import date
from itertools import combinations, product
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from hublink.coordinator.outputs.entities import ProjectRecord
from hublink.coordinator.outputs.lp_audit import audit_intervals
from hublink.coordinator.outputs.publish import prepare_publication
from hublink.coordinator.outputs.relations import Relation
from hublink.coordinator.outputs.suppression import Unprotectable, protect
from hublink.coordinator.outputs.tables import Quantity
from hublink.coordinator.projects.definition import parse_definition

PARTNERS = ("a", "b", "c")
TABLES = [{"name": "youth", "kind": "total"}, {"name": "partners", "kind": "by_partner"},
          {"name": "overlap", "kind": "overlap"}, {"name": "program_count", "kind": "program_count"},
          {"name": "by_zip", "kind": "by_group", "dimensions": ["zip"]},
          {"name": "by_race", "kind": "by_group", "dimensions": ["race"]}]


def project(k: int):
    return parse_definition({"name": "attack", "title": "T", "purpose": "P",
                             "partners": list(PARTNERS), "attributes": ["zip", "race"], "k": k,
                             "retention": {"expires": date(2099, 1, 1)}, "approvers": ["b"],
                             "tables": TABLES}, Path("."))


def attack(tables: list[dict], k: int) -> list[tuple[str, float, float]]:
    """Returns (cell, low, high) for each suppressed cell, from the published JSON alone.
    Unknowns: youth per (zip, race, set of partners); every shown cell is a linear equation."""
    by_name = {table["table"]: table for table in tables}
    zips = [row["zip"] for row in by_name["by_zip"]["rows"]]
    races = [row["race"] for row in by_name["by_race"]["rows"]]
    sets = [frozenset(group) for size in (1, 2, 3) for group in combinations(PARTNERS, size)]
    cells = list(product(zips, races, sets))
    equations, targets = [], []

    def observe(label, members, cell):
        vector = np.array([1.0 if members(z, r, s) else 0.0 for z, r, s in cells])
        if cell.get("suppressed"):
            targets.append((label, vector))
        else:
            equations.append((vector, cell["value"]))

    for table in tables:
        observe(f"{table['table']} total", lambda z, r, s: True, table["total"]["youth"])
        for row in table["rows"]:
            kind = table["kind"]
            if kind == "by_partner":
                match = lambda z, r, s, p=row["partner"]: p in s  # noqa: E731
            elif kind == "overlap":
                match = lambda z, r, s, a=row["partner_a"], b=row["partner_b"]: {a, b} <= s  # noqa: E731
            elif kind == "program_count":
                match = lambda z, r, s, n=row["programs"]: str(min(len(s), 3)).replace("3", "3+") == n  # noqa: E731
            elif table["table"] == "by_zip":
                match = lambda z, r, s, v=row["zip"]: z == v  # noqa: E731
            else:
                match = lambda z, r, s, v=row["race"]: r == v  # noqa: E731
            observe(f"{table['table']} {row}", match, row["youth"])
    if not equations:
        return [(label, 0.0, np.inf) for label, _ in targets]
    matrix = np.array([vector for vector, _ in equations])
    values = np.array([value for _, value in equations], dtype=float)
    found = []
    for label, vector in targets:
        low = linprog(vector, A_eq=matrix, b_eq=values, bounds=(0, None), method="highs")
        high = linprog(-vector, A_eq=matrix, b_eq=values, bounds=(0, None), method="highs")
        assert low.status == 0, "the published tables must be consistent"
        found.append((label, low.fun, np.inf if high.status == 3 else -high.fun))
    return found


def records_from(people: list[tuple[str, str, tuple[str, ...]]]) -> list[ProjectRecord]:
    return [ProjectRecord(partner, f"{partner}-{index}", f"L{index}", {"zip": zip_code,
                                                                       "race": race})
            for index, (zip_code, race, partners) in enumerate(people) for partner in partners]


def assert_attacker_fails(people, k):
    try:
        prepared = prepare_publication(project(k), records_from(people))
    except Unprotectable:
        return  # refusing to publish is always safe
    for label, low, high in attack(prepared.tables, k):
        assert high - low >= k - 1e-6, f"{label} recovered to [{low}, {high}]"


PERSON = st.tuples(st.sampled_from("123"), st.sampled_from("XYZ"),
                   st.sets(st.sampled_from(PARTNERS), min_size=1).map(lambda s: tuple(sorted(s))))


@settings(max_examples=12, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(people=st.lists(PERSON, min_size=1, max_size=60), k=st.sampled_from((3, 5, 11)))
def test_an_attacker_never_recovers_a_suppressed_count_from_random_tables(people, k):
    assert_attacker_fails(people, k)


def test_an_attacker_never_recovers_a_suppressed_count_from_hand_built_tables():
    # One zip with 3 youth among 100: alone it would be total minus the others.
    people = [("1", "X", ("a",))] * 3 + [("2", "Y", ("a", "b"))] * 50 + [("3", "Z", ("c",))] * 47
    assert_attacker_fails(people, 11)
    prepared = prepare_publication(project(11), records_from(people))
    by_zip = next(t for t in prepared.tables if t["table"] == "by_zip")
    reasons = sorted(row["youth"].get("suppressed") or "" for row in by_zip["rows"])
    assert reasons == ["", "complementary", "primary"]


def test_a_lone_suppressed_cell_is_pinned_by_its_total_and_protection_fixes_it():
    quantities = {"t": Quantity("t", 100), "x": Quantity("x", 3, "primary"),
                  "y": Quantity("y", 40), "z": Quantity("z", 57)}
    relations = [Relation((("x", 1.0), ("y", 1.0), ("z", 1.0), ("t", -1.0)), "==")]
    assert audit_intervals(relations, quantities)["x"].width == 0
    intervals = protect(quantities, relations, 11)
    assert quantities["y"].suppressed == "complementary" and quantities["z"].suppressed is None
    assert intervals["x"].low == 0 and intervals["x"].high == 43


def test_the_total_is_suppressed_last_when_nothing_else_protects_a_cell():
    quantities = {"t": Quantity("t", 12), "x": Quantity("x", 5, "primary"),
                  "y": Quantity("y", 7, "primary"), "z": Quantity("z", 0)}
    relations = [Relation((("x", 1.0), ("y", 1.0), ("z", 1.0), ("t", -1.0)), "==")]
    intervals = protect(quantities, relations, 15)  # x, y in [0, 12]: narrower than 15
    assert quantities["t"].suppressed == "complementary" and quantities["z"].suppressed is None
    assert intervals["x"].high == float("inf")


def test_successive_runs_suppress_small_differences():
    people = [("1", "X", ("a",))] * 30 + [("2", "Y", ("b",))] * 30
    first = prepare_publication(project(11), records_from(people))
    later = people + [("1", "X", ("a",))] * 2  # two more youth in zip 1 would be singled out
    try:
        second = prepare_publication(project(11), records_from(later), previous=first.shown)
    except Unprotectable as error:
        assert "cannot be protected" in str(error)
        return
    by_zip = next(t for t in second.tables if t["table"] == "by_zip")
    zip_one = next(row for row in by_zip["rows"] if row["zip"] == "1")
    assert zip_one["youth"] == {"value": None, "suppressed": "differencing"}
    for label, low, high in attack(second.tables, 11):
        assert high - low >= 11


def test_differencing_is_audited_against_every_earlier_publication_not_only_the_last():
    first_people = [("1", "X", ("a",))] * 30 + [("2", "Y", ("b",))] * 30
    first = prepare_publication(project(11), records_from(first_people))
    # The second run shows no count for zip 1 (5 youth: suppressed) ...
    second = prepare_publication(project(11), records_from(
        [("1", "X", ("a",))] * 5 + [("2", "Y", ("b",))] * 30), previous=[first.shown])
    assert "youth|zip|1" not in second.shown
    # ... so only the first publication can be differenced with the third's 32.
    later = first_people + [("1", "X", ("a",))] * 2
    try:
        third = prepare_publication(project(11), records_from(later),
                                    previous=[first.shown, second.shown])
    except Unprotectable:
        return
    assert "youth|zip|1" not in third.shown
    by_zip = next(t for t in third.tables if t["table"] == "by_zip")
    assert next(row for row in by_zip["rows"] if row["zip"] == "1")["youth"]["value"] is None
