"""The compiled Dice kernel: pairs of packed CLK rows at or above a threshold, without the GIL.

Compiled by numba (``nogil``), so threads compare in parallel, and called once per work unit
with whole arrays, so no Python object is made per block or per pair: LSH makes hundreds of
thousands of small blocks per table, where anonlink's kernel, called per block on ``bitarray``
objects, spent far more time in Python than in comparing. Similarities are anonlink's to the
bit: ``2.0 * |a∧b| / (|a| + |b|)`` in double precision, kept when ``>= threshold`` (pairs of two
empty CLKs are never kept); ``tests/coordinator/test_matching_kernel.py`` compares the two.

Rows are ``uint64`` words (a CLK's bytes viewed as 64-bit words; the order of bits inside a word
does not change a popcount), counted by LLVM's ``ctpop`` (the processor's popcount; AVX-512's
``vpopcntq`` where there is one). Each run's rows (an LSH block's, scattered over the matrix) are
first copied next to each other, so every pair then reads them from cache; a pair's common bits
are compared with the fewest it needs at its total (:func:`counts_needed`, exact), and only kept
pairs are divided. Every pair of a unit is still compared. Measured on a 2-core AMD EPYC without
AVX-512, on the city's LSH blocks (mostly 16-400 rows): 1.5-2x the pairs per second of reading
rows in place four at a time (benchmarks/RESULTS-scale.md). Compiled code is cached on disk
(numba's ``cache=True``), so a new process, such as a worker, loads it instead of compiling again.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

__all__ = ["as_words", "counts_needed", "dice_across", "dice_within_runs", "row_popcounts"]

_OUTPUT_PAIRS = 1 << 18
"""Pairs a kernel call may return at most before it is called again where it stopped."""


def as_words(rows: np.ndarray) -> np.ndarray:
    """Given CLK rows (``uint8``, a multiple of 8 bytes each), returns them as ``uint64`` words (a view)."""
    if rows.shape[1] % 8:
        raise ValueError(f"CLKs of {rows.shape[1]} bytes are not a whole number of 64-bit words")
    return np.ascontiguousarray(rows).view(np.uint64)


def row_popcounts(rows: np.ndarray) -> np.ndarray:
    """Given CLK rows, returns the number of bits set in each (``int64``)."""
    return np.bitwise_count(np.ascontiguousarray(rows)).sum(axis=1, dtype=np.int64)


@intrinsic
def _popcount(typing_context, word):
    """The bits set in a ``uint64``, as LLVM's ``ctpop`` (the processor's popcount instruction)."""
    def codegen(context, builder, signature, arguments):
        return builder.ctpop(arguments[0])
    return types.uint64(types.uint64), codegen


def counts_needed(threshold: float, bits: int) -> np.ndarray:
    """Given a Dice threshold and the CLK length in bits, returns for each total of two rows' bit
    counts (0 to ``2 * bits``) the fewest common bits at which the pair is kept.

    Exact: ``common >= needed[total]`` exactly when ``2.0 * common / total >= threshold`` in double
    precision (the division is correctly rounded, so the similarity never falls as ``common``
    rises); a total of 0 (two empty CLKs) needs more than any pair has. The kernel then compares
    integers and divides only for the pairs it keeps."""
    totals = np.arange(2 * bits + 1, dtype=np.int64)
    needed = np.maximum(np.floor(threshold * totals / 2.0).astype(np.int64) - 1, 0)
    usable = totals > 0
    while True:  # a step or two from the estimate, on every total at once
        short = usable & (2.0 * needed / np.maximum(totals, 1) < threshold)
        if not short.any():
            break
        needed[short] += 1
    needed[~usable] = 2 * bits + 1
    return needed


@numba.njit(inline="always")
def _copy_rows(words, sources, start, count, local, local_ones, ones):
    """Copies rows ``sources[start:start + count]`` into ``local`` (contiguous, in cache) and their
    bit counts into ``local_ones``."""
    for slot in range(count):
        source = sources[start + slot]
        local_ones[slot] = ones[source]
        for place in range(words.shape[1]):
            local[slot, place] = words[source, place]


@numba.njit(inline="always")
def _common(local, first, second):
    """The bits rows ``first`` and ``second`` of ``local`` share."""
    common = np.uint64(0)
    for place in range(local.shape[1]):
        common += _popcount(local[first, place] & local[second, place])
    return np.int64(common)


@numba.njit(nogil=True, cache=True)
def _within_runs(words, ones, members, bounds, needed, run, position, similarities, lower, higher):
    found = 0
    capacity = len(similarities)
    largest = 1
    for index in range(run, len(bounds) - 1):
        largest = max(largest, bounds[index + 1] - bounds[index])
    local = np.empty((largest, words.shape[1]), dtype=np.uint64)
    local_ones = np.empty(largest, dtype=np.int64)
    while run < len(bounds) - 1:
        start, end = bounds[run], bounds[run + 1]
        size = end - start
        _copy_rows(words, members, start, size, local, local_ones, ones)
        first = max(position - start, 0)
        while first < size - 1:
            if found + size - 1 - first > capacity:
                return found, run, start + first
            ones_first = local_ones[first]
            for second in range(first + 1, size):
                common = _common(local, first, second)
                total = ones_first + local_ones[second]
                if common >= needed[total]:
                    similarities[found] = 2.0 * common / total
                    lower[found] = members[start + first]
                    higher[found] = members[start + second]
                    found += 1
            first += 1
        run += 1
    return found, run, 0


@numba.njit(nogil=True, cache=True)
def _across(words, ones, left, right, needed, position, similarities, lower, higher):
    found = 0
    capacity = len(similarities)
    local = np.empty((len(right) + 1, words.shape[1]), dtype=np.uint64)  # the last: a row of left
    local_ones = np.empty(len(right) + 1, dtype=np.int64)
    _copy_rows(words, right, 0, len(right), local, local_ones, ones)
    mine = len(right)
    while position < len(left):
        if found + len(right) > capacity:
            return found, position
        first = left[position]
        local_ones[mine] = ones[first]
        for place in range(words.shape[1]):
            local[mine, place] = words[first, place]
        for other in range(len(right)):
            common = _common(local, mine, other)
            total = local_ones[mine] + local_ones[other]
            if common >= needed[total]:
                similarities[found] = 2.0 * common / total
                lower[found] = first
                higher[found] = right[other]
                found += 1
        position += 1
    return found, position


def _buffers(largest: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    size = max(_OUTPUT_PAIRS, largest)
    return np.empty(size), np.empty(size, np.int64), np.empty(size, np.int64)


def _joined(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not parts:
        return np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64)
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate(column) for column in zip(*parts))  # type: ignore[return-value]


def dice_within_runs(words: np.ndarray, ones: np.ndarray, members: np.ndarray, bounds: np.ndarray,
                     threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given CLK words, their bit counts, row indices cut into runs (run ``k`` is
    ``members[bounds[k]:bounds[k + 1]]``, ascending) and a threshold, returns (similarities, lower
    rows, higher rows) of the pairs within each run at or above the threshold."""
    members = np.ascontiguousarray(members, dtype=np.int64)
    bounds = np.ascontiguousarray(bounds, dtype=np.int64)
    largest = int(np.diff(bounds).max()) if len(bounds) > 1 else 0
    needed = counts_needed(threshold, words.shape[1] * 64)
    similarities, lower, higher = _buffers(largest)
    parts, run, position = [], 0, 0
    while run < len(bounds) - 1:
        found, run, position = _within_runs(words, ones, members, bounds, needed, run, position,
                                            similarities, lower, higher)
        parts.append((similarities[:found].copy(), lower[:found].copy(), higher[:found].copy()))
    return _joined(parts)


def dice_across(words: np.ndarray, ones: np.ndarray, left: np.ndarray, right: np.ndarray,
                threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given CLK words, their bit counts, two sets of row indices and a threshold, returns
    (similarities, rows of ``left``, rows of ``right``) of every pair across the sets at or above it."""
    left = np.ascontiguousarray(left, dtype=np.int64)
    right = np.ascontiguousarray(right, dtype=np.int64)
    needed = counts_needed(threshold, words.shape[1] * 64)
    similarities, lower, higher = _buffers(len(right))
    parts, position = [], 0
    while position < len(left):
        found, position = _across(words, ones, left, right, needed, position, similarities, lower, higher)
        parts.append((similarities[:found].copy(), lower[:found].copy(), higher[:found].copy()))
    return _joined(parts)
