"""Blocking: LSH agrees with all-pairs wherever it has no miss, finds nearly every true match, and
compares far fewer pairs."""

from __future__ import annotations

import numpy as np
import pytest

from hublink.coordinator.matching.blocking import (
    DENSE_BITS, DENSE_TABLES, BlockingSettings, choose_strategy, iterate_blocks, pairs_share_a_block,
    sample_bit_positions)
from hublink.coordinator.matching.compare import find_candidate_pairs
from hublink.coordinator.matching.records import InvalidMatchInput, PartnerClks, pack_datasets
from tests.helpers import candidate_pairs


@pytest.fixture(scope="module")
def matrix(realistic_population):
    _, packed = realistic_population
    half = len(packed) // 2 // 128 * 128
    return pack_datasets([PartnerClks(1, packed[:half], 128), PartnerClks(2, packed[half:], 128)])


def test_lsh_finds_exactly_the_all_pairs_candidates_that_share_a_block(matrix):
    lsh = BlockingSettings(strategy="lsh")
    exact = candidate_pairs(find_candidate_pairs(matrix, 0.75, iterate_blocks(matrix, BlockingSettings(strategy="all_pairs"))))
    blocked = candidate_pairs(find_candidate_pairs(matrix, 0.75, iterate_blocks(matrix, lsh)))
    shares_block = set()
    for table in iterate_blocks(matrix, lsh):
        for block in table.blocks:
            shares_block.update((int(a), int(b)) for a in block for b in block if a < b)

    def global_row(dataset: int, record: int) -> int:
        return int(matrix.offsets[dataset]) + record

    expected = {pair: similarity for pair, similarity in exact.items()
                if (global_row(pair[0], pair[1]), global_row(pair[2], pair[3])) in shares_block}
    assert blocked == expected
    assert len(blocked) > 500


def test_lsh_misses_almost_no_true_match(realistic_population, matrix):
    people, _ = realistic_population
    exact = candidate_pairs(find_candidate_pairs(matrix, 0.75, iterate_blocks(matrix, BlockingSettings(strategy="all_pairs"))))
    blocked = candidate_pairs(find_candidate_pairs(matrix, 0.75, iterate_blocks(matrix, BlockingSettings(strategy="lsh"))))
    offsets = matrix.offsets

    def person(dataset: int, record: int) -> tuple:
        recorded = people[int(offsets[dataset]) + record]
        born = recorded.birth_date.year if recorded.birth_date else None
        return born, recorded.sex, recorded.family_name.strip()[:2].lower()

    # recordings mostly keep their source's birth year, sex and the start of the family name:
    # a cheap, strict stand-in for truth
    def same_birth(pair) -> bool:
        return person(pair[0], pair[1]) == person(pair[2], pair[3])

    true_like = [pair for pair, similarity in exact.items() if similarity >= 0.85 and same_birth(pair)]
    missed = [pair for pair in true_like if pair not in blocked]
    assert len(true_like) > 400
    assert len(missed) <= len(true_like) * 0.002 + 1


def test_lsh_compares_far_fewer_pairs_than_all_pairs(matrix):
    n = matrix.record_count
    comparison = find_candidate_pairs(matrix, 0.8, iterate_blocks(matrix, BlockingSettings(strategy="lsh")))
    assert comparison.comparisons < 0.25 * n * (n - 1) / 2


def test_bit_positions_are_repeatable_and_depend_on_the_seed():
    settings = BlockingSettings(tables=5, bits_per_table=10, seed=3)
    first = sample_bit_positions(1024, settings)
    assert first.shape == (5, 1024)
    assert np.array_equal(first, sample_bit_positions(1024, settings))
    assert not np.array_equal(first, sample_bit_positions(1024, BlockingSettings(tables=5, seed=4)))
    assert all(sorted(row) == list(range(1024)) for row in first.tolist())


def test_oversized_blocks_are_split_by_extra_bits_not_dropped(matrix):
    settings = BlockingSettings(strategy="lsh", tables=3, bits_per_table=2, max_block_size=50)
    tables = list(iterate_blocks(matrix, settings))
    assert sum(table.split_blocks for table in tables) > 0
    for table in tables:
        assert all(len(block) <= 50 for block in table.blocks)
        members = np.concatenate(table.blocks)
        assert len(members) == len(np.unique(members))


def test_identical_clks_stay_together_even_above_the_cap():
    clk = bytes(range(128))
    matrix = pack_datasets([PartnerClks(1, clk * 5, 128)])
    settings = BlockingSettings(strategy="lsh", tables=2, bits_per_table=4, max_block_size=3)
    tables = list(iterate_blocks(matrix, settings))
    assert all([block.tolist() for block in table.blocks] == [[0, 1, 2, 3, 4]] for table in tables)
    assert all(table.oversized_blocks == [5] for table in tables)


def test_automatic_strategy_switches_on_total_size():
    settings = BlockingSettings(all_pairs_limit=100)
    assert choose_strategy(100, settings) == "all_pairs"
    assert choose_strategy(101, settings) == "lsh"
    assert choose_strategy(10, BlockingSettings(strategy="lsh")) == "lsh"


def test_invalid_settings_report_every_problem(matrix):
    settings = BlockingSettings(tables=0, bits_per_table=0, max_block_size=1, strategy="bogus")
    with pytest.raises(InvalidMatchInput) as raised:
        list(iterate_blocks(matrix, settings))
    assert len(raised.value.details) == 4


def _near_pairs(fill: float, agreement: float, count: int = 400) -> np.ndarray:
    """Returns ``2 * count`` packed CLKs: pairs whose bits agree at ``agreement`` of positions."""
    generator = np.random.default_rng(7)
    first = generator.random((count, 1024)) < fill
    flipped = generator.random((count, 1024)) < 1 - agreement
    return np.packbits(np.concatenate([first, first ^ flipped]), axis=1)


def test_dense_clks_are_blocked_with_shorter_keys_so_near_pairs_still_meet():
    # a balanced CLK (half its bits set) at Dice 0.8 agrees on 80% of bits; a 31%-filled one
    # at the same Dice on about 88%: 20 sampled bits then miss most dense pairs
    rows = _near_pairs(fill=0.5, agreement=0.8)
    lower, higher = np.arange(400), np.arange(400, 800)
    fixed, fitted = BlockingSettings(), BlockingSettings().for_clks(rows)
    assert (fitted.tables, fitted.bits_per_table) == (DENSE_TABLES, DENSE_BITS)
    fixed_share = pairs_share_a_block(rows, lower, higher, fixed).mean()
    fitted_share = pairs_share_a_block(rows, lower, higher, fitted).mean()
    assert fixed_share < 0.8 and fitted_share > 0.99


def test_sparse_clks_and_operator_settings_keep_their_blocking():
    sparse = _near_pairs(fill=0.31, agreement=0.88)
    assert BlockingSettings().for_clks(sparse) == BlockingSettings()
    chosen = BlockingSettings(tables=50, bits_per_table=16)
    assert chosen.for_clks(_near_pairs(fill=0.5, agreement=0.8)) == chosen
