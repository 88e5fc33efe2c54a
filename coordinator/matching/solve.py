"""Turning candidate pairs into entities with anonlink's probabilistic greedy solver, in two stages.

1. Within each partner: pairs at or above ``within_threshold`` are solved with records of one
   partner allowed to share an entity (one youth enrolled twice at one program).
2. Across partners: pairs at or above ``threshold`` are solved with at most one record per
   partner in a group, so a look-alike (a twin, a sibling at the same address) cannot join an
   entity that already holds a record of the same partner.

The two results are united. A partner's records therefore end up together only on direct
evidence between them, never through a chain of cross-partner links alone.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from anonlink.solving import probabilistic_greedy_solve

from hublink.coordinator.matching.compare import CandidatePairs
from hublink.coordinator.matching.records import RecordPosition

__all__ = ["DEFAULT_MERGE_THRESHOLD", "Groups", "solve_groups"]

Groups = tuple[tuple[RecordPosition, ...], ...]

DEFAULT_MERGE_THRESHOLD = 0.8
"""The share of candidate pairs between two groups the solver needs to merge them: 0.8 beat 0.5
on pairwise precision (0.79 vs 0.67) at equal recall on 252k records (benchmarks/RESULTS-matching.md, 3)."""


def _native_layout(candidates: CandidatePairs, keep: np.ndarray) -> CandidatePairs:
    """Returns the kept candidate pairs as the buffers the native solver accepts.

    The solver reads ``double`` similarities and ``unsigned int`` indices through typed memoryviews:
    contiguous float64/uint32 arrays; int64 indices are rejected. Order (decreasing similarity)
    is preserved.
    """
    similarities, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates

    def indices(values: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(values)[keep], dtype=np.uint32)

    return (np.ascontiguousarray(np.asarray(similarities)[keep], dtype=np.float64),
            (indices(dataset_lower), indices(dataset_higher)),
            (indices(record_lower), indices(record_higher)))


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[RecordPosition, RecordPosition] = {}

    def find(self, item: RecordPosition) -> RecordPosition:
        root = item
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while item != root:
            self.parent[item], item = root, self.parent.get(item, item)
        return root

    def union(self, first: RecordPosition, second: RecordPosition) -> None:
        first_root, second_root = self.find(first), self.find(second)
        if first_root != second_root:
            self.parent[max(first_root, second_root)] = min(first_root, second_root)


def solve_groups(candidates: CandidatePairs, record_counts: Sequence[int], merge_threshold: float = DEFAULT_MERGE_THRESHOLD,
                 *, threshold: float = 0.0, within_threshold: float | None = None) -> Groups:
    """Given candidate pairs sorted by decreasing similarity, each dataset's record count, the
    solver's merge threshold and the cross-partner and within-partner Dice thresholds, returns
    every record's entity.

    Records in no matched group come back as singletons, so the groups cover every record exactly
    once. Each group is sorted by (dataset, record) and groups are sorted by their first record:
    the output depends only on the input. Raises ``ValueError`` when ``merge_threshold`` is
    outside [0, 1].
    """
    if not 0 <= merge_threshold <= 1:
        raise ValueError(f"merge_threshold must be in [0, 1] (got {merge_threshold})")
    within_threshold = threshold if within_threshold is None else within_threshold
    similarities = np.asarray(candidates[0], dtype=np.float64)
    same_dataset = np.asarray(candidates[1][0]) == np.asarray(candidates[1][1])
    stages = ((same_dataset & (similarities >= within_threshold), False),
              (~same_dataset & (similarities >= threshold), True))
    entities = _UnionFind()
    for keep, deduplicated in stages:
        if not keep.any():
            continue
        for group in probabilistic_greedy_solve(_native_layout(candidates, keep),
                                                merge_threshold=merge_threshold,
                                                deduplicated=deduplicated):
            members = [(int(dataset), int(record)) for dataset, record in group]
            for member in members[1:]:
                entities.union(members[0], member)
    members_of: dict[RecordPosition, list[RecordPosition]] = {}
    for dataset, count in enumerate(record_counts):
        for record in range(count):
            position = (dataset, record)
            members_of.setdefault(entities.find(position), []).append(position)
    return tuple(sorted((tuple(sorted(group)) for group in members_of.values()),
                        key=lambda group: group[0]))
