"""The household-aware greedy solver: anonlink's groups when both merge shares are equal, and
stronger evidence needed for two groups of several records to merge."""

from __future__ import annotations

import numpy as np
import pytest
from anonlink.solving import probabilistic_greedy_solve

from hublink.coordinator.matching.greedy_solve import greedy_groups
from hublink.coordinator.matching.solve import GROUP_MERGE_THRESHOLD, solve_groups


def _random_pairs(seed: int, records: int = 60, datasets: int = 4, pairs: int = 400):
    rng = np.random.default_rng(seed)
    dataset = rng.integers(0, datasets, size=(2, pairs))
    record = rng.integers(0, records, size=(2, pairs))
    order = np.argsort(-rng.random(pairs), kind="stable")
    return dataset[:, order], record[:, order]


@pytest.mark.parametrize("deduplicated", [True, False])
@pytest.mark.parametrize("merge_threshold", [0.3, 0.5, 0.8, 1.0])
def test_equal_shares_give_anonlinks_groups(deduplicated, merge_threshold):
    for seed in range(40):
        dataset, record = _random_pairs(seed)
        similarities = np.linspace(1, 0.5, dataset.shape[1])
        expected = probabilistic_greedy_solve(
            (similarities, (dataset[0].astype(np.uint32), dataset[1].astype(np.uint32)),
             (record[0].astype(np.uint32), record[1].astype(np.uint32))),
            merge_threshold=merge_threshold, deduplicated=deduplicated)
        ids = dataset * 1_000 + record  # any integer ids
        found = greedy_groups(ids[0], ids[1], dataset[0], dataset[1], merge_threshold=merge_threshold,
                              group_merge_threshold=merge_threshold, deduplicated=deduplicated)
        assert sorted(sorted(group) for group in found) == \
            sorted(sorted(d * 1_000 + r for d, r in group) for group in expected), seed


def _solve(pairs: list[tuple[int, int]], record_counts: list[int]):
    """Solves pairs of global rows, given in decreasing similarity, across datasets."""
    offsets = np.concatenate([[0], np.cumsum(record_counts)])
    rows = np.array(pairs).T
    datasets = np.searchsorted(offsets, rows, side="right") - 1
    return solve_groups((np.linspace(0.9, 0.8, len(pairs)), tuple(datasets), tuple(rows - offsets[datasets])),
                        record_counts, 0.5, threshold=0.75)


def test_two_youths_each_with_agreeing_records_need_more_than_half_their_pairs_to_merge():
    # datasets of one record each: youth A is rows 0-1, youth B rows 2-3 (a twin, say)
    half = [(0, 1), (2, 3), (0, 2), (1, 3)]         # 2 of the 4 cross pairs
    assert _solve(half, [1, 1, 1, 1]) == (((0, 0), (1, 0)), ((2, 0), (3, 0)))
    most = [(0, 1), (2, 3), (0, 2), (1, 3), (0, 3), (1, 2)]  # all 4
    assert len(_solve(most, [1, 1, 1, 1])) == 1
    assert GROUP_MERGE_THRESHOLD == 0.8


def test_a_record_still_joins_a_pair_on_one_of_its_two_links():
    # youth A is rows 0-1; row 2 (a third partner's record, corrupted) matches row 0 only
    assert _solve([(0, 1), (0, 2)], [1, 1, 1]) == (((0, 0), (1, 0), (2, 0)),)
