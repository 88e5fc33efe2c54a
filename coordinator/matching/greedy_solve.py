"""The probabilistic greedy solver, household-aware: two groups that each hold several records
merge only on stronger evidence than a record joining a group.

This is anonlink's ``probabilistic_greedy_solve`` (anonlink 0.15, Apache-2.0; its pure-Python
reference, ``anonlink.solving._multiparty_solving_python``, gives the same groups as its native
solver) with one change. Pairs are taken in decreasing similarity; two groups A and B merge when
the pairs between them at or above the stage's threshold are at least a share of |A| x |B|:
``merge_threshold`` when A or B is a single record, as anonlink does, but ``group_merge_threshold``
when both already hold two or more. A youth's records that already agree among themselves are an
entity; so are a sibling's or a twin's. Two such entities sharing a surname, an address and (twins) a
birth date reach the stage's threshold on some of their cross pairs; half of them is not enough
evidence that they are one youth (benchmarks/RESULTS-matching.md, 13).

With ``deduplicated`` two records of one dataset never share a group. The result depends only on
the order of the pairs, which the caller fixes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["greedy_groups"]


def greedy_groups(lower: np.ndarray, higher: np.ndarray, datasets_lower: np.ndarray, datasets_higher: np.ndarray,
                  *, merge_threshold: float, group_merge_threshold: float,
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
            _absorb(first_group, second_group, members, datasets, counts, group_of)
        else:
            counts[first_group][second_group] = overlap
            counts[second_group][first_group] = overlap
    return [records for records in members.values() if len(records) > 1]


def _absorb(kept: int, absorbed: int, members: dict[int, list[int]], datasets: dict[int, set[int]],
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
