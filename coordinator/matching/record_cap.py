"""Past a budget of candidate pairs, each record keeps only its most similar candidates.

With a fixed number of bits per LSH table, comparisons and candidates grow as n²: 12M candidates
at 252k records, 149M at a million, about 1.3 billion (over 30 GB) at 3M. Nearly all of them are
look-alikes between the floor and the thresholds. The solver links pairs at or above the
thresholds, and the threshold fit reads each record's few mutual best pairs (``best_pairs``);
a record's hundredth-best look-alike serves neither.

So when a run's distinct candidates exceed ``CANDIDATE_BUDGET``, a pair is kept only when its
similarity is at least the ``CANDIDATES_PER_RECORD``-th highest among the candidates of either of
its records (ties are kept). Every run below the budget keeps every candidate: the city and the
million-record growth run are unchanged.

The rule is monotone: a record's K-th highest similarity can only be lower among a subset of its
candidates, so a pair kept among all candidates is kept among any subset holding it. It can
therefore be applied to what has arrived so far, as often as memory needs, and once more to the
whole, and gives exactly the pairs of applying it once to everything; and the K-th similarities
found so far can drop arriving pairs at once.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["CANDIDATE_BUDGET", "CANDIDATES_PER_RECORD", "above_lowest", "best_per_record", "lowest_kept"]

CANDIDATE_BUDGET = 200_000_000
"""Distinct candidate pairs a run may hold before :func:`best_per_record` applies (about 3.2 GB
as arriving parts; the million-record growth run holds 149M)."""

CANDIDATES_PER_RECORD = 32
"""Past the budget, how many of its most similar candidates each record keeps (ties kept). A
youth is held by a few partners; 32 leaves room for a large duplicate group and its look-alikes."""


@numba.njit(nogil=True, cache=True)
def _sift_down(heap, size):
    """Restores the min-heap order of ``heap[:size]`` after its root was replaced."""
    place = 0
    while True:
        child = 2 * place + 1
        if child >= size:
            return
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if heap[place] <= heap[child]:
            return
        heap[place], heap[child] = heap[child], heap[place]
        place = child


@numba.njit(nogil=True, cache=True)
def _push(heaps, sizes, row, similarity):
    """Offers ``similarity`` to ``row``'s min-heap of its highest similarities (full: replaces the
    root when higher)."""
    heap = heaps[row]
    size = sizes[row]
    if size < len(heap):
        place = size
        heap[place] = similarity
        while place > 0:
            parent = (place - 1) // 2
            if heap[parent] <= heap[place]:
                break
            heap[parent], heap[place] = heap[place], heap[parent]
            place = parent
        sizes[row] = size + 1
    elif similarity > heap[0]:
        heap[0] = similarity
        _sift_down(heap, size)


@numba.njit(nogil=True, cache=True)
def _lowest_kept(similarities, lower, higher, row_count, per_record):
    heaps = np.empty((row_count, per_record), dtype=np.float64)
    sizes = np.zeros(row_count, dtype=np.int64)
    for pair in range(len(similarities)):
        _push(heaps, sizes, lower[pair], similarities[pair])
        _push(heaps, sizes, higher[pair], similarities[pair])
    lowest = np.zeros(row_count, dtype=np.float64)  # fewer than K candidates: all kept
    for row in range(row_count):
        if sizes[row] == per_record:
            lowest[row] = heaps[row, 0]
    return lowest


@numba.njit(nogil=True, cache=True)
def _kept(similarities, lower, higher, lowest):
    keep = np.empty(len(similarities), dtype=np.bool_)
    for pair in range(len(similarities)):
        similarity = similarities[pair]
        keep[pair] = similarity >= lowest[lower[pair]] or similarity >= lowest[higher[pair]]
    return keep


def lowest_kept(similarities: np.ndarray, lower: np.ndarray, higher: np.ndarray, row_count: int,
                per_record: int = CANDIDATES_PER_RECORD) -> np.ndarray:
    """Given distinct pairs (similarities, lower and higher global rows, in any order) among
    ``row_count`` rows, returns each row's ``per_record``-th highest similarity among its pairs
    (0 for a row with fewer). Among more pairs it can only rise (the rule's monotony), so
    :func:`above_lowest` by it drops no pair the whole would keep. Memory: ``row_count x per_record``
    doubles while it runs."""
    if per_record < 1:
        raise ValueError(f"per_record must be at least 1 (got {per_record})")
    return _lowest_kept(np.asarray(similarities, dtype=np.float64), lower, higher, int(row_count), int(per_record))


def above_lowest(similarities: np.ndarray, lower: np.ndarray, higher: np.ndarray, lowest: np.ndarray) -> np.ndarray:
    """Returns a mask of the pairs whose similarity is at least ``lowest`` (:func:`lowest_kept`)
    of either of their rows."""
    return _kept(np.asarray(similarities, dtype=np.float64), lower, higher, lowest)


def best_per_record(similarities: np.ndarray, lower: np.ndarray, higher: np.ndarray, row_count: int,
                    per_record: int = CANDIDATES_PER_RECORD) -> np.ndarray:
    """Given distinct pairs (similarities, lower and higher global rows, in any order) among
    ``row_count`` rows, returns a mask of the pairs whose similarity is at least the
    ``per_record``-th highest of either row's pairs (ties kept; a row with fewer keeps all)."""
    return above_lowest(similarities, lower, higher, lowest_kept(similarities, lower, higher, row_count, per_record))
