"""Best-match pairs: the candidate pairs whose records are each other's most similar record in
the other's dataset (or, within a partner, in their own).

The solver links only such pairs in effect, so the threshold estimate (``matching.thresholds``)
fits its mixture to their similarities: matches near 1, look-alikes (siblings, twins, namesakes)
above the floor. Among each record's ``BEST_PAIRS_PER_RECORD`` most similar such pairs are kept
when records average more than that (many partners), so look-alikes do not bury the matches.

Functions here return indices into the candidate pairs, never a pair's score.
"""

from __future__ import annotations

import numba
import numpy as np

from hublink.coordinator.matching.compare import CandidatePairs

__all__ = ["best_match_pairs", "BEST_PAIRS_PER_RECORD", "StageBestPairs", "stage_best_pairs"]

BEST_PAIRS_PER_RECORD = 3
"""When a stage's records average more mutual best pairs than this, each keeps only its most
similar few for the fit (otherwise one per other dataset is kept). A youth is held by a few partners, while at 80 partners a record has a look-alike
above the floor in most of them, which buried the matches: on the synthetic city (252,275
records, 80 datasets, linkage-v2) the across stage then held 3.5M pairs, read as look-alikes
only, and took 0.99 (F1 0.33); with the best 3 it held 226k and found the valley at 0.78
(F1 0.934; 2: 0.938, 1: the valley vanished and the threshold fell to 0.64, F1 0.80 at 56k
records). Measured in docs/linkage-schema.md."""


StageBestPairs = dict[str, np.ndarray]
"""Stage ("across" or "within") -> indices of its best-match pairs (:func:`stage_best_pairs`)."""


def stage_best_pairs(candidates: CandidatePairs) -> StageBestPairs:
    """Given candidate pairs sorted by decreasing similarity, returns each stage's best-match pairs:
    across partners (records of two datasets) and within one partner."""
    same_dataset = np.asarray(candidates[1][0]) == np.asarray(candidates[1][1])
    return {"across": best_match_pairs(candidates, ~same_dataset),
            "within": best_match_pairs(candidates, same_dataset)}


def best_match_pairs(candidates: CandidatePairs, stage: np.ndarray) -> np.ndarray:
    """Given candidate pairs sorted by decreasing similarity and a mask of one stage's pairs,
    returns the indices of the stage's pairs that are each record's best toward the other's dataset.

    A record's best pair toward a dataset is its first stage pair with a record of that dataset
    (the candidates' order breaks ties); one compiled pass in that order finds them."""
    indices = np.flatnonzero(stage)
    if len(indices) == 0:
        return indices
    _, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates
    ends = [(np.asarray(dataset)[indices].astype(np.int64), np.asarray(record)[indices].astype(np.int64))
            for dataset, record in ((dataset_lower, record_lower), (dataset_higher, record_higher))]
    datasets = int(max(dataset.max() for dataset, _ in ends)) + 1
    first_row = np.zeros(datasets + 1, dtype=np.int64)  # dense rows of the records seen
    for dataset, record in ends:
        np.maximum.at(first_row, dataset + 1, record + 1)
    first_row = np.cumsum(first_row)
    (lower_dataset, lower_record), (higher_dataset, higher_record) = ends
    mutual = indices[_mutual_firsts(first_row[lower_dataset] + lower_record, higher_dataset,
                                    first_row[higher_dataset] + higher_record, lower_dataset,
                                    int(first_row[-1]), datasets)]
    ranks = _ranks_of_ends(candidates, mutual)
    records = int((ranks == 0).sum())  # each record's first pair has rank 0
    if len(mutual) == 0 or 2 * len(mutual) <= BEST_PAIRS_PER_RECORD * records:
        return mutual  # a few pairs per record: the matches are not outnumbered
    return mutual[ranks.max(axis=1) < BEST_PAIRS_PER_RECORD]


@numba.njit(nogil=True, cache=True)
def _mutual_firsts(lower, toward_higher, higher, toward_lower, rows, datasets):
    """Returns a mask of the pairs that are the first of both their ends, an end being a record
    (dense row) and the other record's dataset, in the pairs' order (one bit per end seen)."""
    seen = np.zeros((rows * datasets + 7) // 8, dtype=np.uint8)
    mutual = np.zeros(len(lower), dtype=np.bool_)
    for pair in range(len(lower)):
        first_end = lower[pair] * datasets + toward_higher[pair]
        second_end = higher[pair] * datasets + toward_lower[pair]
        first_bit, second_bit = np.uint8(1 << (first_end & 7)), np.uint8(1 << (second_end & 7))
        mutual[pair] = not (seen[first_end >> 3] & first_bit) and not (seen[second_end >> 3] & second_bit)
        seen[first_end >> 3] |= first_bit
        seen[second_end >> 3] |= second_bit
    return mutual


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


