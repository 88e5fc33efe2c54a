"""The candidates' order by packed keys equals the order of the plain sorts, for every Dice value
CLKs of that length can give, including the closest different ones."""

from __future__ import annotations

import numpy as np
import pytest

from hublink.coordinator.matching import pair_order
from hublink.coordinator.matching.pair_order import ordered_candidates


def _close_dice_values(clk_bits: int) -> np.ndarray:
    """Every Dice value ``2c / t`` with ``t`` in the top 64 totals CLKs of ``clk_bits`` bits
    allow: the most crowded part of the range, where different values lie closest."""
    totals = np.arange(2 * clk_bits - 63, 2 * clk_bits + 1)
    values = [2.0 * np.arange(total // 4, total // 2 + 1) / total for total in totals]
    return np.concatenate(values)


def _pairs(similarities: np.ndarray, rows: int, seed: int, repeats: bool):
    generator = np.random.default_rng(seed)
    count = len(similarities)
    lower = generator.integers(0, rows - 1, count)
    higher = lower + 1 + generator.integers(0, rows - 1 - lower)
    _, first = np.unique(lower * rows + higher, return_index=True)  # one similarity per pair
    similarities, lower, higher = similarities[first], lower[first], higher[first]
    if repeats:  # a pair met in several tables comes with the same similarity each time
        again = generator.integers(0, len(first), len(first) // 3)
        similarities = np.r_[similarities, similarities[again]]
        lower, higher = np.r_[lower, lower[again]], np.r_[higher, higher[again]]
    shuffled = generator.permutation(len(similarities))
    return similarities[shuffled], lower[shuffled], higher[shuffled]


@pytest.mark.parametrize("clk_bits", [1024, 2048, 64])
@pytest.mark.parametrize("repeats", [False, True])
def test_packed_keys_order_pairs_as_the_plain_sorts_do(clk_bits: int, repeats: bool) -> None:
    values = _close_dice_values(clk_bits)
    generator = np.random.default_rng(clk_bits)
    similarities = values[generator.integers(0, len(values), 200_000)]  # many ties, closest values
    rows = 3_000_000  # a state's records: 22 bits a row
    pairs = _pairs(similarities, rows, clk_bits, repeats)
    assert pair_order._fits(pairs[0], rows, clk_bits) is not None  # the fast path is taken
    offsets = np.array([0, 1_000, rows // 2, rows])  # datasets of 1,000, about 1.5M and 1.5M rows
    got = _as_rows(ordered_candidates(list(pairs), offsets, clk_bits, distinct=not repeats), offsets)
    expected = pair_order._ordered_by_two_sorts(*pairs, distinct=not repeats)
    for got_column, expected_column in zip(got, expected):
        assert np.array_equal(got_column, expected_column)
    assert len(got[0]) == len(np.unique(pairs[1] * rows + pairs[2]))
    keys = got[1] * rows + got[2]
    assert np.all((np.diff(got[0]) < 0) | ((np.diff(got[0]) == 0) & (np.diff(keys) > 0)))


def _as_rows(candidates, offsets):
    """anonlink's layout back to (similarities, lower rows, higher rows)."""
    similarities, datasets, records = candidates
    assert all(column.dtype == np.uint32 for column in (*datasets, *records))
    lower, higher = (offsets[dataset.astype(np.int64)] + record for dataset, record in zip(datasets, records))
    return similarities, lower, higher


def test_ranks_and_rows_past_63_bits_fall_back_to_the_same_order() -> None:
    clk_bits, rows = 4096, 2 ** 23 + 1  # 130k distinct values (17 bits) and 2 x 24 bits of rows
    similarities = _close_dice_values(clk_bits)
    pairs = _pairs(similarities, rows, 3, repeats=True)
    dropped, codes, row_bits = pair_order._fits(pairs[0], rows, clk_bits)
    _, distinct = pair_order._ranks(pairs[0].view(np.int64), dropped, codes)
    assert (len(distinct) - 1).bit_length() + 2 * row_bits > 63  # the keys cannot hold them
    offsets = np.array([0, rows])
    got = _as_rows(ordered_candidates(list(pairs), offsets, clk_bits, distinct=False), offsets)
    expected = pair_order._ordered_by_two_sorts(*pairs, distinct=False)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))


def test_no_pairs() -> None:
    columns = [np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64)]
    similarities, datasets, records = ordered_candidates(columns, np.array([0, 10]), 1024, distinct=True)
    assert len(similarities) == len(datasets[0]) == len(records[1]) == 0
    assert columns == []  # read and let go
