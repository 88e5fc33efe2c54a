"""Best-match pairs: the candidate pairs whose records are each other's most similar record in
the other's dataset (or, within a partner, in their own).

The solver links only such pairs in effect, so the threshold estimate (``matching.thresholds``)
fits its mixture to their similarities: matches near 1, look-alikes (siblings, twins, namesakes)
above the floor. Among each record's ``BEST_PAIRS_PER_RECORD`` most similar such pairs are kept
when records average more than that (many partners), so look-alikes do not bury the matches.

Functions here return indices into the candidate pairs, never a pair's score.
"""

from __future__ import annotations

import numpy as np

from hublink.coordinator.matching.compare import CandidatePairs

__all__ = ["best_match_pairs", "BEST_PAIRS_PER_RECORD"]

BEST_PAIRS_PER_RECORD = 3
"""When a stage's records average more mutual best pairs than this, each keeps only its most
similar few for the fit (otherwise one per other dataset is kept). A youth is held by a few partners, while at 80 partners a record has a look-alike
above the floor in most of them, which buried the matches: on the synthetic city (252,275
records, 80 datasets, linkage-v2) the across stage then held 3.5M pairs, read as look-alikes
only, and took 0.99 (F1 0.33); with the best 3 it held 226k and found the valley at 0.78
(F1 0.934; 2: 0.938, 1: the valley vanished and the threshold fell to 0.64, F1 0.80 at 56k
records). Measured in docs/linkage-schema.md."""


def best_match_pairs(candidates: CandidatePairs, stage: np.ndarray) -> np.ndarray:
    """Given candidate pairs sorted by decreasing similarity and a mask of one stage's pairs,
    returns the indices of the stage's pairs that are each record's best toward the other's dataset."""
    indices = np.flatnonzero(stage)
    if len(indices) == 0:
        return indices
    _, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates

    def end(dataset: np.ndarray, record: np.ndarray, toward: np.ndarray) -> np.ndarray:
        return ((np.asarray(dataset)[indices].astype(np.int64) << 40)
                | (np.asarray(record)[indices].astype(np.int64) << 8)
                | np.asarray(toward)[indices].astype(np.int64))

    ends = np.stack([end(dataset_lower, record_lower, dataset_higher),
                     end(dataset_higher, record_higher, dataset_lower)], axis=1).ravel()
    owners = np.repeat(np.arange(len(indices)), 2)
    _, first = np.unique(ends, return_index=True)  # sorted by similarity: first = best
    best_ends = np.bincount(owners[first], minlength=len(indices))
    mutual = indices[best_ends == 2]
    ranks = _ranks_of_ends(candidates, mutual)
    records = int((ranks == 0).sum())  # each record's first pair has rank 0
    if len(mutual) == 0 or 2 * len(mutual) <= BEST_PAIRS_PER_RECORD * records:
        return mutual  # a few pairs per record: the matches are not outnumbered
    return mutual[ranks.max(axis=1) < BEST_PAIRS_PER_RECORD]


def _ranks_of_ends(candidates: CandidatePairs, indices: np.ndarray) -> np.ndarray:
    """Given candidate pairs sorted by decreasing similarity and indices into them, returns for
    each indexed pair and each of its two records the number of indexed pairs of that record
    more similar than it (shape ``(len(indices), 2)``)."""
    _, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates

    def record(dataset: np.ndarray, row: np.ndarray) -> np.ndarray:
        return (np.asarray(dataset)[indices].astype(np.int64) << 32) | np.asarray(row)[indices].astype(np.int64)

    ends = np.stack([record(dataset_lower, record_lower), record(dataset_higher, record_higher)], axis=1).ravel()
    order = np.argsort(ends, kind="stable")  # stable: within a record, by decreasing similarity
    sorted_ends = ends[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_ends)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(ends)]))
    ranks = np.empty(len(ends), dtype=np.int64)
    ranks[order] = np.arange(len(ends)) - run_start
    return ranks.reshape(-1, 2)


