"""Solving and the engine: entities across and within partners, singletons included, deterministic,
no similarity scores in the result."""

from __future__ import annotations

import dataclasses
import random
from array import array

import numpy as np
import pytest

from hublink.coordinator.matching import (
    BlockingSettings, InvalidMatchInput, MatchResult, MatchSettings, PartnerClks, match_partners)
from hublink.coordinator.matching.solve import solve_groups


def test_solver_adds_singletons_and_sorts_groups():
    candidates = (array("d", [0.95, 0.9]), (array("I", [0, 1]), array("I", [2, 1])), (array("I", [1, 0]), array("I", [0, 2])))
    groups = solve_groups(candidates, record_counts=[3, 3, 1])
    assert groups == (((0, 0),), ((0, 1), (2, 0)), ((0, 2),), ((1, 0), (1, 2)), ((1, 1),))


def test_solver_accepts_numpy_arrays_of_any_integer_type():
    candidates = (np.array([0.9]), (np.array([0], np.int64), np.array([0], np.int64)), (np.array([0]), np.array([1])))
    assert solve_groups(candidates, record_counts=[2]) == (((0, 0), (0, 1)),)


@pytest.fixture(scope="module")
def three_partner_example(synthetic):
    """Partners A, B, C: 30 shared people, A enrols one youth twice, plus people seen once; each
    recording with few errors, since the point is the solver's grouping."""
    random_person = synthetic.random_person

    def perturb(person, rng):
        return synthetic.perturb(person, rng, synthetic.few_errors)

    rng = random.Random(99)
    shared = [random_person(rng) for _ in range(30)]
    partner_a = [perturb(person, rng) for person in shared] + [perturb(shared[0], rng)] + [random_person(rng) for _ in range(20)]
    partner_b = [random_person(rng) for _ in range(15)] + [perturb(person, rng) for person in shared[:20]]
    partner_c = [perturb(person, rng) for person in shared[10:]] + [random_person(rng) for _ in range(10)]
    return [PartnerClks(partner_id, synthetic.encode_people(people), 128)
            for partner_id, people in ((7, partner_a), (8, partner_b), (9, partner_c))]


def test_three_partners_with_a_duplicate_inside_one_partner(three_partner_example):
    result = match_partners(three_partner_example, MatchSettings())
    by_record = {record: group for group in result.groups for record in group}
    assert len(by_record) == result.record_count == 51 + 35 + 30
    assert sum(len(group) for group in result.groups) == result.record_count
    # shared[0] is A:0 and A:30 (the duplicate enrolment) and B:15; shared[0] is not at C.
    assert by_record[(0, 0)] == ((0, 0), (0, 30), (1, 15))
    # shared[15] is at all three partners
    assert by_record[(0, 15)] == ((0, 15), (1, 30), (2, 5))
    # 30 shared people + 20 seen only at A + 15 only at B + 10 only at C
    assert result.entity_count == len(result.groups) == 75
    # pairs among shared people: A-B 20, A-C 20, B-C 10, plus A's duplicate with A:0 and B:15
    assert result.candidate_pairs >= 50
    assert set(result.stage_seconds) == {"blocking", "comparing", "solving"}


def test_match_is_deterministic_and_strategies_agree(three_partner_example):
    first = match_partners(three_partner_example, MatchSettings())
    second = match_partners(three_partner_example, MatchSettings())
    lsh = match_partners(three_partner_example, MatchSettings(blocking=BlockingSettings(strategy="lsh")))
    assert first.groups == second.groups
    assert first.strategy == "all_pairs" and lsh.strategy == "lsh"
    assert lsh.groups == first.groups
    assert lsh.comparisons < first.comparisons


def test_result_carries_no_similarity_scores(three_partner_example):
    result = match_partners(three_partner_example, MatchSettings())
    values = [getattr(result, field.name) for field in dataclasses.fields(MatchResult)]
    floats = [value for value in values if isinstance(value, float)]
    assert floats == []
    assert all(isinstance(record, int) for group in result.groups for position in group for record in position)


def test_bad_input_reports_every_problem():
    with pytest.raises(InvalidMatchInput) as raised:
        match_partners([PartnerClks(1, b"x" * 130, 128), PartnerClks(2, b"", 64)], MatchSettings())
    assert len(raised.value.details) == 2
    with pytest.raises(InvalidMatchInput) as raised:
        match_partners([], MatchSettings(threshold=0, merge_threshold=2, blocking=BlockingSettings(tables=0)))
    assert len(raised.value.details) == 3


def test_empty_and_single_record_inputs():
    assert match_partners([], MatchSettings()).groups == ()
    single = match_partners([PartnerClks(1, bytes(128), 128), PartnerClks(2, b"", 128)], MatchSettings())
    assert single.groups == (((0, 0),),) and single.comparisons == 0
