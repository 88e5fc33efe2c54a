"""The compiled Dice kernel: pairs of packed CLK rows at or above a threshold, without the GIL.

Compiled by numba (``nogil``), so threads compare in parallel, and called once per work unit
with whole arrays, so no Python object is made per block or per pair: LSH makes hundreds of
thousands of small blocks per table, where anonlink's kernel, called per block on ``bitarray``
objects, spent far more time in Python than in comparing. Similarities are anonlink's to the
bit: ``2.0 * |a∧b| / (|a| + |b|)`` in double precision, kept when ``>= threshold`` (pairs of two
empty CLKs are never kept); ``tests/coordinator/test_matching_kernel.py`` compares the two.

Rows are ``uint64`` words (a CLK's bytes viewed as 64-bit words; the order of bits inside a word
does not change a popcount). Compiled code is cached on disk (numba's ``cache=True``), so a new
process, such as a worker, loads it instead of compiling again.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["as_words", "dice_across", "dice_within_runs", "row_popcounts"]

_OUTPUT_PAIRS = 1 << 18
"""Pairs a kernel call may return at most before it is called again where it stopped."""

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


def as_words(rows: np.ndarray) -> np.ndarray:
    """Given CLK rows (``uint8``, a multiple of 8 bytes each), returns them as ``uint64`` words (a view)."""
    if rows.shape[1] % 8:
        raise ValueError(f"CLKs of {rows.shape[1]} bytes are not a whole number of 64-bit words")
    return np.ascontiguousarray(rows).view(np.uint64)


def row_popcounts(rows: np.ndarray) -> np.ndarray:
    """Given CLK rows, returns the number of bits set in each (``int64``)."""
    return np.bitwise_count(np.ascontiguousarray(rows)).sum(axis=1, dtype=np.int64)


@numba.njit(inline="always")
def _popcount(word):  # the classic SWAR count, which LLVM compiles to the popcnt instruction
    word = word - ((word >> np.uint64(1)) & _M1)
    word = (word & _M2) + ((word >> np.uint64(2)) & _M2)
    word = (word + (word >> np.uint64(4))) & _M4
    return (word * _H01) >> np.uint64(56)


@numba.njit(inline="always")
def _dice(words, ones, first, second):
    common = np.uint64(0)
    for place in range(words.shape[1]):
        common += _popcount(words[first, place] & words[second, place])
    total = ones[first] + ones[second]
    return 2.0 * np.int64(common) / total if total > 0 else -1.0


@numba.njit(nogil=True, cache=True)
def _within_runs(words, ones, members, bounds, threshold, run, position, similarities, lower, higher):
    found = 0
    capacity = len(similarities)
    while run < len(bounds) - 1:
        end = bounds[run + 1]
        if position < bounds[run]:
            position = bounds[run]
        while position < end - 1:
            if found + (end - position - 1) > capacity:
                return found, run, position
            first = members[position]
            for other in range(position + 1, end):
                similarity = _dice(words, ones, first, members[other])
                if similarity >= threshold:
                    similarities[found] = similarity
                    lower[found] = first
                    higher[found] = members[other]
                    found += 1
            position += 1
        run += 1
    return found, run, position


@numba.njit(nogil=True, cache=True)
def _across(words, ones, left, right, threshold, position, similarities, lower, higher):
    found = 0
    capacity = len(similarities)
    while position < len(left):
        if found + len(right) > capacity:
            return found, position
        first = left[position]
        for other in range(len(right)):
            similarity = _dice(words, ones, first, right[other])
            if similarity >= threshold:
                similarities[found] = similarity
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
