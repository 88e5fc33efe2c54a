"""The candidates' order, decreasing similarity then ascending (lower row, higher row), by one
sort of 64-bit keys that pack all three.

A Dice similarity is ``2c / t`` with ``t = |a| + |b| <= 2 x CLK bits``, so two different ones
differ by at least ``2 / t_max²``. Both are computed as correctly rounded doubles, and for
positive doubles the bit pattern, read as an integer, sorts as the value does. Dropping the
pattern's low ``_dropped_bits`` bits therefore keeps every two different similarities apart and
equal ones equal: the remaining *similarity code* orders the pairs exactly as the similarities
do, and it fits, beside the two rows, in 64 bits for the city and for 1M records. When it does
not fit (too many rows or too long CLKs) the order comes from two stable sorts, with the same
result.

The keys are unique per pair, so a pair met in several tables collapses to one key, and any
sort gives one order: the run's output depends only on its input. The keys are sorted as values
(not argsorted), and each key's similarity is found again from the run's distinct similarities:
the k-th distinct code is the k-th distinct similarity, decreasing.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["ordered_pairs"]

_ONE = int(np.array(1.0).view(np.int64))


def _dropped_bits(clk_bits: int) -> int:
    """How many low bits of a similarity's double may go while different similarities of CLKs
    of ``clk_bits`` bits stay apart: their gap ``2 / t_max²`` is at least ``2^54 / t_max²``
    units of the last place below 1 (``2^-53``), less one for the two roundings."""
    most_ones = 2 * clk_bits
    return max(0, 53 - 2 * math.ceil(math.log2(max(most_ones, 2))))


@numba.njit(nogil=True, cache=True)
def _pack(similarities, lower, higher, dropped, row_bits):
    keys = np.empty(len(similarities), dtype=np.int64)
    top = _ONE >> dropped
    for pair in range(len(similarities)):
        code = top - (similarities[pair] >> dropped)  # the double's bits: 0 for 1.0, rising as it falls
        keys[pair] = (code << (2 * row_bits)) | (lower[pair] << row_bits) | higher[pair]
    return keys


@numba.njit(nogil=True, cache=True)
def _unpack(keys, descending, row_bits):
    """Given sorted keys and every distinct similarity among them, decreasing, returns the keys'
    similarities and rows: the k-th distinct code is the k-th distinct similarity."""
    similarities = np.empty(len(keys), dtype=np.float64)
    lower = np.empty(len(keys), dtype=np.int64)
    higher = np.empty(len(keys), dtype=np.int64)
    mask = (np.int64(1) << row_bits) - 1
    rank = -1
    previous = np.int64(-1)
    for pair in range(len(keys)):
        code = keys[pair] >> (2 * row_bits)
        if code != previous:
            rank += 1
            previous = code
        similarities[pair] = descending[rank]
        lower[pair] = (keys[pair] >> row_bits) & mask
        higher[pair] = keys[pair] & mask
    return similarities, lower, higher


def _fits(similarities: np.ndarray, row_count: int, clk_bits: int) -> tuple[int, int] | None:
    """Returns (dropped bits, row bits) when the code and both rows fit in 63 bits, else None."""
    row_bits = max(1, int(row_count - 1).bit_length())
    dropped = _dropped_bits(clk_bits)
    if not (0 < float(similarities.min()) and float(similarities.max()) <= 1.0):
        return None
    lowest_code = (_ONE >> dropped) - (int(similarities.min().view(np.int64)) >> dropped)
    return (dropped, row_bits) if lowest_code.bit_length() + 2 * row_bits <= 63 else None


def ordered_pairs(similarities: np.ndarray, lower: np.ndarray, higher: np.ndarray, row_count: int,
                  clk_bits: int, distinct: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given pairs of global rows (``lower < higher``) with their positive similarities, the rows'
    count and the CLKs' length in bits, returns (similarities, lower, higher) with each pair once,
    by decreasing similarity then ascending rows. ``distinct`` promises no pair comes twice."""
    similarities = np.ascontiguousarray(similarities, dtype=np.float64)
    if len(similarities) == 0:
        return similarities, np.empty(0, np.int64), np.empty(0, np.int64)
    fit = _fits(similarities, row_count, clk_bits)
    if fit is None:
        return _ordered_by_two_sorts(similarities, lower, higher, distinct)
    dropped, row_bits = fit
    keys = _pack(similarities.view(np.int64), np.asarray(lower, dtype=np.int64),
                 np.asarray(higher, dtype=np.int64), dropped, row_bits)
    keys = np.sort(keys) if distinct else np.unique(keys)
    return _unpack(keys, np.unique(similarities)[::-1].copy(), row_bits)


def _ordered_by_two_sorts(similarities: np.ndarray, lower: np.ndarray, higher: np.ndarray,
                          distinct: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pair_keys = (lower.astype(np.int64) << 32) | higher.astype(np.int64)
    if distinct:  # a stable sort of sorted runs merges them: cheaper than deduplicating
        by_pair = np.argsort(pair_keys, kind="stable")
    else:
        _, by_pair = np.unique(pair_keys, return_index=True)
    similarities, lower, higher = similarities[by_pair], lower[by_pair], higher[by_pair]
    # the pairs are now by ascending (lower, higher): a stable sort by decreasing similarity then
    # gives the order. Positive doubles' bits sort as they do (an integer sort, faster).
    order = np.argsort(-similarities.view(np.int64), kind="stable")
    return similarities[order], lower[order].astype(np.int64), higher[order].astype(np.int64)
