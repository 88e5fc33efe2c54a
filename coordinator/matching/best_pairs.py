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
    across partners (records of two datasets) and within one partner, found in one pass (an end
    of an across pair names another dataset, of a within pair its own, so the stages' ends never
    meet)."""
    same_dataset = np.asarray(candidates[1][0]) == np.asarray(candidates[1][1])
    found = _stages_best_pairs(candidates, same_dataset.astype(np.int8), 2)
    return {"across": found[0], "within": found[1]}


def best_match_pairs(candidates: CandidatePairs, stage: np.ndarray) -> np.ndarray:
    """Given candidate pairs sorted by decreasing similarity and a mask of one stage's pairs,
    returns the indices of the stage's pairs that are each record's best toward the other's dataset.

    A record's best pair toward a dataset is its first stage pair with a record of that dataset
    (the candidates' order breaks ties); one compiled pass in that order finds them."""
    return _stages_best_pairs(candidates, np.where(stage, 0, -1).astype(np.int8), 1)[0]


def _stages_best_pairs(candidates: CandidatePairs, stage_of: np.ndarray, stages: int) -> list[np.ndarray]:
    """Given candidates and each pair's stage (0 to ``stages - 1``, -1 for none), returns each
    stage's best-match pairs (:func:`best_match_pairs`), kept to each record's best few when the
    stage's records average more than ``BEST_PAIRS_PER_RECORD``."""
    _, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates
    mutual, ranks, stage = _mutual_best(*(np.ascontiguousarray(column) for column in
                                          (dataset_lower, dataset_higher, record_lower, record_higher)),
                                        np.ascontiguousarray(stage_of), stages)
    found = []
    for number in range(stages):
        mine = stage == number
        stage_mutual, stage_ranks = mutual[mine], ranks[mine]
        records = int((stage_ranks == 0).sum())  # each record's first pair has rank 0
        if len(stage_mutual) == 0 or 2 * len(stage_mutual) <= BEST_PAIRS_PER_RECORD * records:
            found.append(stage_mutual)  # a few pairs per record: the matches are not outnumbered
        else:
            found.append(stage_mutual[stage_ranks.max(axis=1) < BEST_PAIRS_PER_RECORD])
    return found


@numba.njit(nogil=True, cache=True)
def _mutual_best(dataset_lower, dataset_higher, record_lower, record_higher, stage_of, stages):
    """Returns (indices, ranks, stages) of the pairs that are the first of both their ends among
    their stage's pairs, an end being a record and the other record's dataset, in the pairs'
    order (one bit per end seen; the stages' ends must differ); ``ranks[k, side]``: how many such
    pairs of that side's record in the same stage come before pair ``k``."""
    datasets = 0
    for pair in range(len(stage_of)):
        if stage_of[pair] >= 0:
            datasets = max(datasets, dataset_lower[pair] + 1, dataset_higher[pair] + 1)
    first_row = np.zeros(datasets + 1, dtype=np.int64)  # dense rows of the records seen
    for pair in range(len(stage_of)):
        if stage_of[pair] >= 0:
            first_row[dataset_lower[pair] + 1] = max(first_row[dataset_lower[pair] + 1], record_lower[pair] + 1)
            first_row[dataset_higher[pair] + 1] = max(first_row[dataset_higher[pair] + 1], record_higher[pair] + 1)
    first_row = np.cumsum(first_row)
    rows = first_row[-1]
    seen = np.zeros((rows * datasets + 7) // 8, dtype=np.uint8)
    earlier = np.zeros((stages, rows), dtype=np.int64)
    mutual = np.empty(len(stage_of), dtype=np.int64)
    ranks = np.empty((len(stage_of), 2), dtype=np.int64)
    stage = np.empty(len(stage_of), dtype=np.int8)
    found = 0
    for pair in range(len(stage_of)):
        number = stage_of[pair]
        if number < 0:
            continue
        lower = first_row[dataset_lower[pair]] + record_lower[pair]
        higher = first_row[dataset_higher[pair]] + record_higher[pair]
        first_end = lower * datasets + dataset_higher[pair]
        second_end = higher * datasets + dataset_lower[pair]
        first_bit, second_bit = np.uint8(1 << (first_end & 7)), np.uint8(1 << (second_end & 7))
        if not (seen[first_end >> 3] & first_bit) and not (seen[second_end >> 3] & second_bit):
            mutual[found] = pair
            ranks[found, 0] = earlier[number, lower]
            ranks[found, 1] = earlier[number, higher]
            stage[found] = number
            earlier[number, lower] += 1
            earlier[number, higher] += 1
            found += 1
        seen[first_end >> 3] |= first_bit
        seen[second_end >> 3] |= second_bit
    return mutual[:found].copy(), ranks[:found].copy(), stage[:found].copy()
