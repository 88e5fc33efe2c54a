"""Turning candidate pairs into entities with a household-aware probabilistic greedy solver
(``matching.greedy_solve``), in two stages.

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
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from hublink.coordinator.matching.compare import CandidatePairs
from hublink.coordinator.matching.greedy_solve import greedy_group_arrays
from hublink.coordinator.matching.records import RecordPosition, row_positions

__all__ = ["DEFAULT_MERGE_THRESHOLD", "GROUP_MERGE_THRESHOLD", "Groups", "component_labels", "solve_groups"]

Groups = tuple[tuple[RecordPosition, ...], ...]

DEFAULT_MERGE_THRESHOLD = 0.5
"""The share of pairs between a record and a group at or above the stage's threshold that the
solver needs to join them: at 0.5 a record joins a youth's pair of records on one link. With
thresholds estimated per run, 0.5 against 0.8 (benchmarks/RESULTS-matching.md, 9): the 252k city's
unduplicated count +2.30% -> +0.62%, recall spread over groups 5.06 -> 3.12 points, every
corruption type's recall up 4-18 points; FEBRL3 F1 +0.8 point on average over ten secrets, FEBRL4
unchanged. (0.8 beat 0.5 in RESULTS-matching.md, 3, at a fixed threshold of 0.72, far below
where an estimate now puts it, when look-alikes above it made precision 0.67.)"""

GROUP_MERGE_THRESHOLD = 0.8
"""The share two groups of two or more records each need to merge (never less than the merge
threshold): a youth's agreeing records are an entity, and siblings' and twins' entities reach the
threshold on some of their cross pairs. 0.8 for such merges and 0.5 for a record joining
(RESULTS-matching.md, 13): the 252k city's F1 0.9567 -> 0.9642 (precision 0.9499 -> 0.9654, recall
0.9637 -> 0.9630), FEBRL3 0.9783-0.9836 -> 0.9805-0.9853 over ten secrets, FEBRL1 up, FEBRL4 the
same, every smaller synthetic city's F1 up and its count nearer the truth."""


def component_labels(record_count: int, lower: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Given a record count and pairs of rows, returns each row's connected-component label."""
    graph = coo_matrix((np.ones(len(lower), dtype=np.int8), (lower, higher)), shape=(record_count, record_count))
    return connected_components(graph, directed=False)[1]


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
    datasets = tuple(np.asarray(side) for side in candidates[1])
    records = tuple(np.asarray(side) for side in candidates[2])
    same_dataset = datasets[0] == datasets[1]
    stages = ((same_dataset & (similarities >= within_threshold), False),
              (~same_dataset & (similarities >= threshold), True))
    offsets = np.zeros(len(record_counts) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(record_counts)
    firsts, others = [], []  # each solved group joins its members to its first one, as global rows
    for keep, deduplicated in stages:
        kept = np.flatnonzero(keep)  # in order: decreasing similarity
        if not len(kept):
            continue
        kept_datasets = [side[kept].astype(np.int64) for side in datasets]
        rows = [offsets[side] + records_of[kept] for side, records_of in zip(kept_datasets, records)]
        starts, members = greedy_group_arrays(*rows, *kept_datasets, merge_threshold=merge_threshold,
                                              group_merge_threshold=max(merge_threshold, GROUP_MERGE_THRESHOLD),
                                              deduplicated=deduplicated)
        first = np.zeros(len(members), dtype=bool)
        first[starts[:-1]] = True
        firsts.append(np.repeat(members[starts[:-1]], np.diff(starts) - 1))
        others.append(members[~first])
    joined = [np.concatenate(side) if side else np.zeros(0, dtype=np.int64) for side in (firsts, others)]
    return _groups_of(offsets, component_labels(int(offsets[-1]), *joined))


def _groups_of(offsets: np.ndarray, labels: np.ndarray) -> Groups:
    """Given the datasets' first rows and each row's component label, returns the components as
    sorted groups of (dataset, record), ordered by their first record."""
    if len(labels) == 0:
        return ()
    by_label = np.argsort(labels, kind="stable")  # ascending rows within each component
    cuts = np.flatnonzero(np.diff(labels[by_label])) + 1
    datasets, records = row_positions(offsets, by_label)
    positions = list(zip(datasets.tolist(), records.tolist()))
    bounds = [0, *cuts.tolist(), len(positions)]
    groups = [tuple(positions[start:end]) for start, end in zip(bounds[:-1], bounds[1:])]
    return tuple(sorted(groups, key=lambda group: group[0]))
