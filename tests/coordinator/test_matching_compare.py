"""Comparing: every pair at or above the threshold once, within and across datasets, sorted, equal
whatever the chunking or Dask backend."""

from __future__ import annotations

import numpy as np
import pytest

from hublink.coordinator.matching.blocking import BlockingSettings, TableBlocks, iterate_blocks
from hublink.coordinator.matching.compare import compare_blocks, find_candidate_pairs
from hublink.coordinator.matching.records import PartnerClks, pack_datasets


def _numpy_dice(rows: np.ndarray, a: int, b: int) -> float:
    bits_a, bits_b = np.unpackbits(rows[a]), np.unpackbits(rows[b])
    return 2 * int((bits_a & bits_b).sum()) / int(bits_a.sum() + bits_b.sum())


def _columns(comparison) -> list[np.ndarray]:
    similarities, datasets, records = comparison.candidates
    return [similarities, *datasets, *records]


@pytest.fixture(scope="module")
def three_partners(realistic_population):
    _, packed = realistic_population
    size = 128
    sizes = (700, 800, 500)
    cuts = np.cumsum((0,) + sizes) * size
    return pack_datasets([PartnerClks(10 + index, packed[cuts[index]:cuts[index + 1]], size)
                          for index in range(3)])


def test_candidates_are_within_and_across_datasets_each_once_and_sorted(three_partners):
    matrix = three_partners
    comparison = find_candidate_pairs(matrix, 0.8, iterate_blocks(matrix, BlockingSettings(strategy="all_pairs")))
    similarities, (dataset_lower, dataset_higher), (record_lower, record_higher) = comparison.candidates
    assert similarities.dtype == np.float64 and len(similarities) == comparison.candidate_count > 100
    lower = matrix.offsets[dataset_lower] + record_lower
    higher = matrix.offsets[dataset_higher] + record_higher
    assert np.all(lower < higher)
    assert len(set(zip(lower.tolist(), higher.tolist()))) == len(lower)
    assert np.any(dataset_lower == dataset_higher) and np.any(dataset_lower != dataset_higher)
    assert np.all(similarities >= 0.8) and np.all(np.diff(similarities) <= 0)
    for index in range(0, len(similarities), 97):
        assert similarities[index] == pytest.approx(_numpy_dice(matrix.rows, lower[index], higher[index]))
    n = matrix.record_count
    assert comparison.comparisons == n * (n - 1) // 2


def test_all_pairs_above_threshold_are_found(three_partners):
    matrix = three_partners
    rows = np.unpackbits(matrix.rows[:300], axis=1).astype(np.int32)
    counts = rows.sum(axis=1)
    dice = 2 * (rows @ rows.T) / (counts[:, None] + counts[None, :])
    expected = {(a, b) for a, b in zip(*np.nonzero(np.triu(dice >= 0.8, k=1)))}
    comparison = find_candidate_pairs(matrix, 0.8, [TableBlocks.from_blocks([np.arange(300)])])
    _, _, (record_lower, record_higher) = comparison.candidates
    assert {(int(a), int(b)) for a, b in zip(record_lower, record_higher)} == expected


def test_pairs_met_in_several_blocks_come_back_once(three_partners):
    matrix = three_partners
    block = np.arange(40)
    once = find_candidate_pairs(matrix, 0.5, [TableBlocks.from_blocks([block])])
    twice = find_candidate_pairs(matrix, 0.5, [TableBlocks.from_blocks([block]), TableBlocks.from_blocks([block, block[::2].copy()])])
    assert np.array_equal(once.candidates[0], twice.candidates[0])
    assert twice.comparisons > once.comparisons


def test_chunking_and_task_size_do_not_change_the_result(three_partners):
    matrix = three_partners
    tables = list(iterate_blocks(matrix, BlockingSettings(strategy="all_pairs")))
    whole = find_candidate_pairs(matrix, 0.8, tables)
    chunked = find_candidate_pairs(matrix, 0.8, tables, chunk_size=97, task_comparisons=10_000, tasks_per_batch=3)
    for left, right in zip(_columns(whole), _columns(chunked)):
        assert np.array_equal(left, right)
    assert whole.comparisons == chunked.comparisons


def test_a_distributed_client_gives_the_same_result(three_partners):
    distributed = pytest.importorskip("dask.distributed")
    matrix = three_partners
    tables = list(iterate_blocks(matrix, BlockingSettings(strategy="lsh")))
    local = find_candidate_pairs(matrix, 0.8, tables)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        remote = find_candidate_pairs(matrix, 0.8, tables, client=client)
    for left, right in zip(_columns(local), _columns(remote)):
        assert np.array_equal(left, right)


@pytest.mark.parametrize("max_block_size", [10_000, 6])  # 6: blocks are split, so no table keys
def test_whole_tables_on_a_distributed_client_give_the_same_result(three_partners, max_block_size):
    distributed = pytest.importorskip("dask.distributed")
    blocking = BlockingSettings(strategy="lsh", tables=20, bits_per_table=10, max_block_size=max_block_size)
    local = compare_blocks(three_partners, 0.8, blocking)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        remote = compare_blocks(three_partners, 0.8, blocking, client=client)
    for left, right in zip(_columns(local), _columns(remote)):
        assert np.array_equal(left, right)
    assert local.comparisons == remote.comparisons
    assert local.split_blocks == remote.split_blocks and (local.split_blocks > 0) == (max_block_size < 10)


def test_threshold_outside_zero_one_is_refused(three_partners):
    with pytest.raises(ValueError):
        find_candidate_pairs(three_partners, 1.5, [])
