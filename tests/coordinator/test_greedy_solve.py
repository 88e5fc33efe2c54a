"""The household-aware greedy solver: anonlink's groups when both merge shares are equal, and
stronger evidence needed for two groups of several records to merge."""

from __future__ import annotations

import numpy as np
import pytest
from anonlink.solving import probabilistic_greedy_solve

from hublink.coordinator.matching.greedy_solve import greedy_group_arrays
from hublink.coordinator.matching.solve import GROUP_MERGE_THRESHOLD, solve_groups


def greedy_groups(*pairs, **settings) -> list[list[int]]:
    """:func:`greedy_group_arrays` as lists, one per group."""
    starts, members = greedy_group_arrays(*pairs, **settings)
    return [members[start:end].tolist() for start, end in zip(starts[:-1], starts[1:])]


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


@pytest.mark.parametrize("deduplicated", [True, False])
@pytest.mark.parametrize("shares", [(0.5, 0.8), (0.3, 0.6), (0.5, 1.0)])
def test_the_compiled_solver_gives_the_python_references_groups_in_the_same_order(deduplicated, shares):
    for seed in range(40):
        dataset, record = _random_pairs(seed, records=40, pairs=600)
        ids = dataset * 1_000 + record
        arguments = dict(merge_threshold=shares[0], group_merge_threshold=shares[1], deduplicated=deduplicated)
        assert greedy_groups(ids[0], ids[1], dataset[0], dataset[1], **arguments) == \
            _reference_groups(ids[0], ids[1], dataset[0], dataset[1], **arguments), seed


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


# The solver as first ported from anonlink's pure-Python reference (a dict per group), kept here
# as the oracle the compiled one must equal.
def _reference_groups(lower: np.ndarray, higher: np.ndarray, datasets_lower: np.ndarray,
                      datasets_higher: np.ndarray, *, merge_threshold: float, group_merge_threshold: float,
                      deduplicated: bool) -> list[list[int]]:
    """Given the pairs' records (any integer ids) and datasets, in decreasing similarity, the two
    merge shares and whether a group may hold two records of one dataset, returns the groups of two
    or more records, each as its records' ids in the order they joined."""
    group_of: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    datasets: dict[int, set[int]] = {}
    # pairs seen between two groups that did not merge (yet): counts[g][h] == counts[h][g]
    counts: dict[int, dict[int, int]] = {}
    next_id = 0

    def new_group(records: list[int], dataset_set: set[int]) -> int:
        nonlocal next_id
        group = next_id
        next_id += 1
        members[group], datasets[group], counts[group] = records, dataset_set, {}
        for record in records:
            group_of[record] = group
        return group

    for first, second, first_dataset, second_dataset in zip(lower.tolist(), higher.tolist(),
                                                            datasets_lower.tolist(), datasets_higher.tolist()):
        if first == second:
            continue
        first_group, second_group = group_of.get(first), group_of.get(second)
        if first_group is None and second_group is None:
            if not deduplicated or first_dataset != second_dataset:
                new_group([first, second], {first_dataset, second_dataset})
            continue
        if first_group is None:
            first, second, first_group, second_group = second, first, second_group, first_group
            first_dataset, second_dataset = second_dataset, first_dataset
        if second_group is None:  # a record not seen before, against a group
            group = members[first_group]
            if (1 >= merge_threshold * len(group)
                    and (not deduplicated or second_dataset not in datasets[first_group])):
                group.append(second)
                group_of[second] = first_group
                datasets[first_group].add(second_dataset)
            else:
                alone = new_group([second], {second_dataset})
                counts[alone][first_group] = counts[first_group][alone] = 1
            continue
        if first_group == second_group:
            continue
        bigger, smaller = members[first_group], members[second_group]
        overlap = counts[first_group].get(second_group, 0) + 1
        share = merge_threshold if min(len(bigger), len(smaller)) == 1 else group_merge_threshold
        if (overlap >= share * len(bigger) * len(smaller)
                and (not deduplicated or datasets[first_group].isdisjoint(datasets[second_group]))):
            if len(bigger) < len(smaller):
                first_group, second_group, bigger, smaller = second_group, first_group, smaller, bigger
            _reference_absorb(first_group, second_group, members, datasets, counts, group_of)
        else:
            counts[first_group][second_group] = overlap
            counts[second_group][first_group] = overlap
    return [records for records in members.values() if len(records) > 1]


def _reference_absorb(kept: int, absorbed: int, members: dict[int, list[int]], datasets: dict[int, set[int]],
            counts: dict[int, dict[int, int]], group_of: dict[int, int]) -> None:
    """Moves group ``absorbed`` into ``kept``, with its records, datasets and pair counts."""
    records = members.pop(absorbed)
    members[kept].extend(records)
    for record in records:
        group_of[record] = kept
    datasets[kept] |= datasets.pop(absorbed)
    kept_counts = counts[kept]
    kept_counts.pop(absorbed, None)
    for other, count in counts.pop(absorbed).items():
        if other == kept:
            continue
        kept_counts[other] = kept_counts.get(other, 0) + count
        other_counts = counts[other]
        del other_counts[absorbed]
        other_counts[kept] = other_counts.get(kept, 0) + count
