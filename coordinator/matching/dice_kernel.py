"""The compiled Dice kernel: pairs of packed CLK rows at or above a threshold, without the GIL.

Compiled by numba (``nogil``), so threads compare in parallel, and called once per work unit
with whole arrays, so no Python object is made per block or per pair: LSH makes hundreds of
thousands of small blocks per table, where anonlink's kernel, called per block on ``bitarray``
objects, spent far more time in Python than in comparing. Similarities are anonlink's to the
bit: ``2.0 * |a∧b| / (|a| + |b|)`` in double precision, kept when ``>= threshold`` (pairs of two
empty CLKs are never kept); ``tests/coordinator/test_matching_kernel.py`` compares the two.

Rows are ``uint64`` words (a CLK's bytes viewed as 64-bit words; the order of bits inside a word
does not change a popcount), counted by LLVM's ``ctpop`` (the processor's popcount; AVX-512's
``vpopcntq`` where there is one). Four rows are compared at once against each other row, so each
row's words are read once for four pairs. Every pair of a unit is still compared. Compiled code is cached on disk (numba's ``cache=True``), so a new
process, such as a worker, loads it instead of compiling again.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

__all__ = ["as_words", "dice_across", "dice_within_runs", "row_popcounts"]

_OUTPUT_PAIRS = 1 << 18
"""Pairs a kernel call may return at most before it is called again where it stopped."""

_GROUP = 4
"""Rows compared at once against each other row: its words are read once for all four, and the
four rows' words stay in registers (measured 1.4-2x the pairs per CPU second of one row at a time).
``_group_counts`` keeps one counter per row: change both together."""

_SMALL_RUN = 16
"""Rows left in a run at or below which each row is compared alone: LSH's many small blocks."""


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


@numba.njit(inline="always")
def _load_group(words, sources, start, count, group):
    """Copies the words of rows ``sources[start:start + count]`` into ``group`` (the last repeated
    to fill its ``_GROUP`` rows)."""
    for slot in range(_GROUP):
        source = sources[start + min(slot, count - 1)]
        for place in range(words.shape[1]):
            group[slot, place] = words[source, place]


@numba.njit(inline="always")
def _group_counts(words, group, targets, start, counts):
    """Writes to ``counts[slot, k]`` the bits row ``slot`` of the group shares with row
    ``targets[start + k]``, for every ``k`` up to the end of ``targets``."""
    for index in range(start, len(targets)):
        second = targets[index]
        first = np.uint64(0)
        other = np.uint64(0)
        third = np.uint64(0)
        fourth = np.uint64(0)
        for place in range(words.shape[1]):
            word = words[second, place]
            first += _popcount(group[0, place] & word)
            other += _popcount(group[1, place] & word)
            third += _popcount(group[2, place] & word)
            fourth += _popcount(group[3, place] & word)
        counts[0, index - start] = np.int64(first)
        counts[1, index - start] = np.int64(other)
        counts[2, index - start] = np.int64(third)
        counts[3, index - start] = np.int64(fourth)


@numba.njit(nogil=True, cache=True)
def _within_runs(words, ones, members, bounds, threshold, run, position, similarities, lower, higher):
    found = 0
    capacity = len(similarities)
    group = np.empty((_GROUP, words.shape[1]), dtype=np.uint64)
    counts = np.empty((_GROUP, max(1, int(np.max(np.diff(bounds))) if len(bounds) > 1 else 1)), dtype=np.int64)
    while run < len(bounds) - 1:
        end = bounds[run + 1]
        if position < bounds[run]:
            position = bounds[run]
        while position < end - 1:
            count = min(_GROUP, end - 1 - position)
            if found + count * (end - position - 1) > capacity:
                return found, run, position
            if end - position <= _SMALL_RUN:  # a group would mostly compare rows to nothing
                count = 1
                first = members[position]
                for other in range(position + 1, end):
                    second = members[other]
                    common = np.uint64(0)
                    for place in range(words.shape[1]):
                        common += _popcount(words[first, place] & words[second, place])
                    total = ones[first] + ones[second]
                    similarity = 2.0 * np.int64(common) / total if total > 0 else -1.0
                    if similarity >= threshold:
                        similarities[found] = similarity
                        lower[found] = first
                        higher[found] = second
                        found += 1
                position += 1
                continue
            _load_group(words, members[:end], position, count, group)
            _group_counts(words, group, members[:end], position + 1, counts)
            for slot in range(count):  # row ``slot`` of the group with the rows after it
                first = members[position + slot]
                ones_first = ones[first]
                for other in range(position + slot + 1, end):
                    second = members[other]
                    total = ones_first + ones[second]
                    similarity = 2.0 * counts[slot, other - position - 1] / total if total > 0 else -1.0
                    if similarity >= threshold:
                        similarities[found] = similarity
                        lower[found] = first
                        higher[found] = second
                        found += 1
            position += count
        run += 1
    return found, run, position


@numba.njit(nogil=True, cache=True)
def _across(words, ones, left, right, threshold, position, similarities, lower, higher):
    found = 0
    capacity = len(similarities)
    group = np.empty((_GROUP, words.shape[1]), dtype=np.uint64)
    counts = np.empty((_GROUP, len(right)), dtype=np.int64)
    while position < len(left):
        count = min(_GROUP, len(left) - position)
        if found + count * len(right) > capacity:
            return found, position
        _load_group(words, left, position, count, group)
        _group_counts(words, group, right, 0, counts)
        for slot in range(count):
            first = left[position + slot]
            ones_first = ones[first]
            for other in range(len(right)):
                second = right[other]
                total = ones_first + ones[second]
                similarity = 2.0 * counts[slot, other] / total if total > 0 else -1.0
                if similarity >= threshold:
                    similarities[found] = similarity
                    lower[found] = first
                    higher[found] = second
                    found += 1
        position += count
    return found, position


def _buffers(largest: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    size = max(_OUTPUT_PAIRS, _GROUP * largest)
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
    similarities, lower, higher = _buffers(largest)
    parts, run, position = [], 0, 0
    while run < len(bounds) - 1:
        found, run, position = _within_runs(words, ones, members, bounds, threshold, run, position,
                                            similarities, lower, higher)
        parts.append((similarities[:found].copy(), lower[:found].copy(), higher[:found].copy()))
    return _joined(parts)


def dice_across(words: np.ndarray, ones: np.ndarray, left: np.ndarray, right: np.ndarray,
                threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given CLK words, their bit counts, two sets of row indices and a threshold, returns
    (similarities, rows of ``left``, rows of ``right``) of every pair across the sets at or above it."""
    left = np.ascontiguousarray(left, dtype=np.int64)
    right = np.ascontiguousarray(right, dtype=np.int64)
    similarities, lower, higher = _buffers(len(right))
    parts, position = [], 0
    while position < len(left):
        found, position = _across(words, ones, left, right, threshold, position, similarities, lower, higher)
        parts.append((similarities[:found].copy(), lower[:found].copy(), higher[:found].copy()))
    return _joined(parts)
