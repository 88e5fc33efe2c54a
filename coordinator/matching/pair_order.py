"""The candidates' order, decreasing similarity then ascending (lower row, higher row), by one
sort of 64-bit keys that pack all three.

A Dice similarity is ``2c / t`` with ``t = |a| + |b| <= 2 x CLK bits``, so two different ones
differ by at least ``2 / t_max²``. Both are computed as correctly rounded doubles, and for
positive doubles the bit pattern, read as an integer, sorts as the value does. Dropping the
pattern's low ``_dropped_bits`` bits therefore keeps every two different similarities apart and
equal ones equal: the remaining *code* (at most a few million values between the floor and 1)
orders the pairs exactly as the similarities do. The codes present are then numbered by a table
indexed by code, so the key holds the similarity's *rank* among the run's distinct similarities
(a few hundred thousand: 19 bits) beside both rows: 63 bits hold 3M records. When the rank and
rows do not fit (more rows, or far longer CLKs) the order comes from two stable sorts, with the
same result.

The keys are unique per pair, so a pair met in several tables collapses to one key, and any
sort gives one order: the run's output depends only on its input. The keys are sorted as values
(not argsorted), and each key's similarity is read back from its rank.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from hublink.coordinator.matching.records import dataset_of_rows, row_positions

__all__ = ["CandidatePairs", "ordered_candidates"]

CandidatePairs = tuple[np.ndarray, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
"""anonlink's layout: (similarities, (dataset indices 0, 1), (record indices 0, 1))."""

_ONE = int(np.array(1.0).view(np.int64))


def _dropped_bits(clk_bits: int) -> int:
    """How many low bits of a similarity's double may go while different similarities of CLKs
    of ``clk_bits`` bits stay apart: their gap ``2 / t_max²`` is at least ``2^54 / t_max²``
    units of the last place below 1 (``2^-53``), less one for the two roundings."""
    most_ones = 2 * clk_bits
    return max(0, 53 - 2 * math.ceil(math.log2(max(most_ones, 2))))


@numba.njit(nogil=True, cache=True)
def _ranks(bits, dropped, codes):
    """Given similarities' bits, the bits dropped and the number of codes, returns each code's rank
    (-1 where absent) and the distinct similarities by rank (decreasing)."""
    top = _ONE >> dropped
    present = np.zeros(codes, dtype=np.bool_)
    value_of = np.zeros(codes, dtype=np.int64)
    for pair in range(len(bits)):
        code = top - (bits[pair] >> dropped)  # 0 for 1.0, rising as similarity falls
        present[code] = True
        value_of[code] = bits[pair]  # equal codes: equal similarities
    rank_of = np.full(codes, -1, dtype=np.int64)
    distinct = np.empty(int(present.sum()), dtype=np.int64)
    rank = 0
    for code in range(codes):
        if present[code]:
            rank_of[code] = rank
            distinct[rank] = value_of[code]
            rank += 1
    return rank_of, distinct


@numba.njit(nogil=True, cache=True)
def _pack(bits, lower, higher, dropped, rank_of, row_bits):
    keys = np.empty(len(bits), dtype=np.int64)
    top = _ONE >> dropped
    for pair in range(len(bits)):
        rank = rank_of[top - (bits[pair] >> dropped)]
        keys[pair] = (rank << (2 * row_bits)) | (lower[pair] << row_bits) | higher[pair]
    return keys


@numba.njit(nogil=True, cache=True)
def _unpack(keys, similarities, distinct, row_bits, dataset_of_row, offsets):
    """Given sorted keys, the array their similarities go to (the keys' own memory, viewed as
    ``float64``: each key is read before its place is written), the distinct similarities by rank
    and every row's dataset, returns the keys' datasets and records (``uint32``)."""
    count = len(keys)
    datasets = np.empty((2, count), dtype=np.uint32)
    records = np.empty((2, count), dtype=np.uint32)
    mask = (np.int64(1) << row_bits) - 1
    for pair in range(count):
        key = keys[pair]
        lower, higher = (key >> row_bits) & mask, key & mask
        datasets[0, pair], datasets[1, pair] = dataset_of_row[lower], dataset_of_row[higher]
        records[0, pair] = lower - offsets[dataset_of_row[lower]]
        records[1, pair] = higher - offsets[dataset_of_row[higher]]
        similarities[pair] = distinct[key >> (2 * row_bits)]
    return datasets, records


_MOST_CODES = 1 << 26
"""The code table's size limit (64M codes: 0.6 GB of tables); past it, two stable sorts."""


def ordered_candidates(columns: list[np.ndarray], offsets: np.ndarray, clk_bits: int,
                       distinct: bool) -> CandidatePairs:
    """Given ``[similarities, lower rows, higher rows]`` of pairs of global rows (``lower <
    higher``, positive similarities), the datasets' first rows (``ClkMatrix.offsets``) and the
    CLKs' length in bits, returns the pairs once each by decreasing similarity then ascending
    rows, in anonlink's layout. ``distinct`` promises no pair comes twice. ``columns`` is emptied
    as it is read, so the caller's copies go as soon as they are packed.
    """
    similarities = np.ascontiguousarray(columns[0], dtype=np.float64)
    fit = _fits(similarities, int(offsets[-1]), clk_bits) if len(similarities) else None
    if fit is not None:
        dropped, codes, row_bits = fit
        rank_of, values = _ranks(similarities.view(np.int64), dropped, codes)
        if (len(values) - 1).bit_length() + 2 * row_bits <= 63:
            keys = _pack(similarities.view(np.int64), columns[1], columns[2], dropped, rank_of, row_bits)
            columns.clear()
            del similarities, rank_of
            if distinct:
                keys.sort()  # in place; keys are unique: any sort gives the one order
            else:
                keys = np.unique(keys)
            similarities = keys.view(np.float64)  # the keys become their similarities, in place
            return _layout(similarities, *_unpack(keys, similarities, values.view(np.float64), row_bits,
                                                  dataset_of_rows(offsets), offsets))
    lower, higher = columns[1], columns[2]
    columns.clear()
    similarities, lower, higher = _ordered_by_two_sorts(similarities, lower, higher, distinct)
    (dataset_lower, record_lower), (dataset_higher, record_higher) = (row_positions(offsets, rows)
                                                                        for rows in (lower, higher))
    return similarities, (dataset_lower, dataset_higher), (record_lower, record_higher)


def _layout(similarities: np.ndarray, datasets: np.ndarray, records: np.ndarray) -> CandidatePairs:
    return similarities, (datasets[0], datasets[1]), (records[0], records[1])


def _fits(similarities: np.ndarray, row_count: int, clk_bits: int) -> tuple[int, int, int] | None:
    """Returns (dropped bits, codes, row bits) when the similarities lie in (0, 1] and their codes
    fit in a table of at most ``_MOST_CODES``, else None."""
    lowest, highest = float(similarities.min()), float(similarities.max())
    if not (0 < lowest and highest <= 1.0):
        return None
    dropped = _dropped_bits(clk_bits)
    codes = (_ONE >> dropped) - (int(np.float64(lowest).view(np.int64)) >> dropped) + 1
    row_bits = max(1, int(row_count - 1).bit_length())
    return (dropped, codes, row_bits) if codes <= _MOST_CODES and 2 * row_bits < 63 else None


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
