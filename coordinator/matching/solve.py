"""Turning candidate pairs into entities with anonlink's probabilistic greedy solver."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from anonlink.solving import probabilistic_greedy_solve

from hublink.coordinator.matching.compare import CandidatePairs
from hublink.coordinator.matching.records import RecordPosition

__all__ = ["Groups", "solve_groups"]

Groups = tuple[tuple[RecordPosition, ...], ...]


def _native_layout(candidates: CandidatePairs) -> CandidatePairs:
    """Given candidate pairs, returns them as the buffers the native solver accepts.

    The solver reads ``double`` similarities and ``unsigned int`` indices through typed memoryviews:
    ``array('d')``/``array('I')`` or contiguous float64/uint32 arrays; int64 indices are rejected.
    """
    similarities, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates

    def indices(values: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(values, dtype=np.uint32)

    return (np.ascontiguousarray(similarities, dtype=np.float64),
            (indices(dataset_lower), indices(dataset_higher)),
            (indices(record_lower), indices(record_higher)))


def solve_groups(candidates: CandidatePairs, record_counts: Sequence[int], merge_threshold: float = 0.5) -> Groups:
    """Given candidate pairs sorted by decreasing similarity, the record count of each dataset and the
    solver's merge threshold, returns every record's entity.

    Several records of one dataset may share an entity (within-partner duplicates). Records in no
    matched group come back as singletons, so the groups cover every record exactly once. Each group
    is sorted by (dataset, record) and groups are sorted by their first record: the output depends
    only on the input. Raises ``ValueError`` when ``merge_threshold`` is outside [0, 1].
    """
    if not 0 <= merge_threshold <= 1:
        raise ValueError(f"merge_threshold must be in [0, 1] (got {merge_threshold})")
    matched = probabilistic_greedy_solve(_native_layout(candidates), merge_threshold=merge_threshold,
                                         deduplicated=False)
    groups = [tuple(sorted((int(dataset), int(record)) for dataset, record in group)) for group in matched]
    grouped = {position for group in groups for position in group}
    groups.extend(((dataset, record),)
                  for dataset, count in enumerate(record_counts)
                  for record in range(count) if (dataset, record) not in grouped)
    groups.sort(key=lambda group: group[0])
    return tuple(groups)
