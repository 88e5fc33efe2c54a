"""Comparing in parallel: many blocks packed into one unit, and tasks run on worker processes, Dask's
threads or a real Dask cluster, give exactly what one thread comparing block by block gives."""

from __future__ import annotations

from dataclasses import replace
from multiprocessing import shared_memory

import numpy as np
import pytest

from hublink.coordinator.matching import MatchSettings, match_partners, workers
from hublink.coordinator.matching.blocking import (BlockingSettings, TableBlocks, byte_columns, iterate_blocks,
                                                   sample_bit_positions, table_keys)
from hublink.coordinator.matching.compare import compare_blocks, find_candidate_pairs
from hublink.coordinator.matching.dice_kernel import row_popcounts
from hublink.coordinator.matching.records import PartnerClks, pack_datasets
from hublink.coordinator.matching.table_tasks import compare_table_first_found
from hublink.coordinator.matching.workers import SharedRowsPool, default_processes
from tests.helpers import candidate_pairs


def _columns(comparison) -> list[np.ndarray]:
    similarities, datasets, records = comparison.candidates
    return [similarities, *datasets, *records]


@pytest.fixture(scope="module")
def datasets(realistic_population) -> list[PartnerClks]:
    _, packed = realistic_population
    cut = 900 * 128
    return [PartnerClks(1, packed[:cut], 128), PartnerClks(2, packed[cut:], 128)]


@pytest.fixture(scope="module")
def matrix(datasets):
    return pack_datasets(datasets)


SMALL_BLOCK = 64


@pytest.mark.slow
def test_many_small_blocks_in_one_unit_give_the_pairs_of_each_block(matrix):
    generator = np.random.default_rng(5)
    order = generator.permutation(matrix.record_count)
    sizes = generator.integers(2, SMALL_BLOCK + 1, size=200)
    cuts = np.cumsum(sizes)[np.cumsum(sizes) < matrix.record_count]
    blocks = [np.sort(part) for part in np.split(order, cuts) if len(part) >= 2]
    assert all(len(block) <= SMALL_BLOCK for block in blocks)
    threshold = 0.4  # low, so that many pairs of unrelated records are kept too
    small = candidate_pairs(find_candidate_pairs(matrix, threshold, [TableBlocks.from_blocks(blocks)]))
    exact = candidate_pairs(find_candidate_pairs(matrix, threshold, iterate_blocks(matrix, BlockingSettings(strategy="all_pairs"))))
    block_of = np.full(matrix.record_count, -1)
    for index, block in enumerate(blocks):
        block_of[block] = index

    def row(dataset: int, record: int) -> int:
        return int(matrix.offsets[dataset]) + record

    expected = {pair: similarity for pair, similarity in exact.items()
                if block_of[row(pair[0], pair[1])] == block_of[row(pair[2], pair[3])]}
    assert small == expected
    assert len(small) > 100


def test_worker_processes_give_the_same_candidates_as_threads(matrix):
    tables = list(iterate_blocks(matrix, BlockingSettings(strategy="lsh", tables=12, bits_per_table=8)))
    assert any(len(block) > SMALL_BLOCK for table in tables for block in table.blocks)  # chunked
    threaded = find_candidate_pairs(matrix, 0.7, tables, chunk_size=SMALL_BLOCK)
    parallel = find_candidate_pairs(matrix, 0.7, tables, processes=2, task_comparisons=20_000, tasks_per_batch=2,
                                    chunk_size=SMALL_BLOCK)
    for left, right in zip(_columns(threaded), _columns(parallel)):
        assert np.array_equal(left, right)
    assert threaded.comparisons == parallel.comparisons


def test_the_pool_frees_its_shared_memory_and_keeps_its_processes(matrix):
    with SharedRowsPool([matrix.rows], 2) as pool:
        name = pool._memory.name
        assert pool.submit(np.sum, None).result() == int(matrix.rows.sum(dtype=np.int64))
        first_processes = set(pool._executor._processes)
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=name)
    columns = np.ascontiguousarray(matrix.rows.T)
    with SharedRowsPool([matrix.rows, columns], 2) as pool:  # the next match: same processes, new arrays
        assert pool.submit(_shapes).result() == [matrix.rows.shape, columns.shape]
        assert set(pool._executor._processes) == first_processes


def _shapes(*arrays: np.ndarray) -> list[tuple[int, ...]]:
    return [array.shape for array in arrays]


def test_whole_tables_on_worker_processes_give_the_same_candidates_as_threads(matrix):
    blocking = BlockingSettings(strategy="lsh", tables=12, bits_per_table=8, max_block_size=40)
    threaded = compare_blocks(matrix, 0.7, blocking)
    parallel = compare_blocks(matrix, 0.7, blocking, processes=2, task_comparisons=20_000)
    for left, right in zip(_columns(threaded), _columns(parallel)):
        assert np.array_equal(left, right)
    assert threaded.comparisons == parallel.comparisons
    assert parallel.split_blocks == threaded.split_blocks > 0
    assert threaded.candidate_count > 100


def test_each_pair_comes_once_from_the_first_table_that_shares_its_key(matrix):
    """Tables filtered by every row's key in earlier tables give, together, each pair exactly once:
    the pairs, similarities and comparisons of the deduplicated tables."""
    blocking = BlockingSettings(strategy="lsh", tables=12, bits_per_table=8)
    columns = byte_columns(matrix)
    positions = sample_bit_positions(matrix.rows.shape[1] * 8, blocking)
    keys = table_keys(columns, positions, blocking)
    assert keys is not None and keys.shape == (matrix.record_count, 12)
    ones = row_popcounts(matrix.rows)
    found = [compare_table_first_found(matrix.rows, columns, ones, keys, table_positions, table, blocking,
                                       0.7, 2_048, 20_000) for table, table_positions in enumerate(positions)]
    lower = np.concatenate([result[1] for result in found])
    higher = np.concatenate([result[2] for result in found])
    assert len(set(zip(lower.tolist(), higher.tolist()))) == len(lower)  # no pair twice
    threaded = compare_blocks(matrix, 0.7, blocking)
    assert sum(result[3] for result in found) == threaded.comparisons
    assert len(lower) == threaded.candidate_count > 100
    assert table_keys(columns, positions, replace(blocking, max_block_size=40)) is None  # blocks split
    assert table_keys(columns, positions, blocking, budget_bytes=1_000) is None


def test_worker_processes_fill_the_shared_keys_a_share_of_the_tables_each(matrix):
    """The keys the processes write, each a share of the tables, are ``table_keys``' in every
    table, and a block over ``max_block_size`` in any share is reported."""
    from hublink.coordinator.matching import table_tasks
    blocking = BlockingSettings(strategy="lsh", tables=12, bits_per_table=8)
    columns = byte_columns(matrix)
    positions = sample_bit_positions(matrix.rows.shape[1] * 8, blocking)
    shared = [matrix.rows, columns, row_popcounts(matrix.rows), np.zeros(matrix.record_count),
              np.zeros((matrix.record_count, 12), np.uint16)]
    with SharedRowsPool(shared, 2, writable=(4,)) as pool:
        assert table_tasks._keys_hold(pool, positions, blocking)
        assert np.array_equal(pool.shared(4), table_keys(columns, positions, blocking))
        assert not table_tasks._keys_hold(pool, positions, replace(blocking, max_block_size=40))


@pytest.mark.slow
def test_whole_unsplit_tables_on_worker_processes_give_the_same_candidates_as_threads(matrix):
    blocking = BlockingSettings(strategy="lsh", tables=12, bits_per_table=8)
    threaded = compare_blocks(matrix, 0.7, blocking)
    parallel = compare_blocks(matrix, 0.7, blocking, processes=2, task_comparisons=20_000)
    for left, right in zip(_columns(threaded), _columns(parallel)):
        assert np.array_equal(left, right)
    assert threaded.comparisons == parallel.comparisons and parallel.split_blocks == 0


def test_processes_are_used_only_for_large_matches_on_several_cores(monkeypatch):
    monkeypatch.setattr(workers, "_executor", None)
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert default_processes(workers.PROCESSES_FROM - 1) == 0
    assert default_processes(workers.PROCESSES_FROM) == 2
    monkeypatch.setattr(workers, "_executor", object())  # running workers: smaller matches use them
    monkeypatch.setattr(workers, "_executor_processes", 2)
    assert default_processes(workers.WARM_PROCESSES_FROM) == 2
    assert default_processes(workers.WARM_PROCESSES_FROM - 1) == 0
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert default_processes(10 ** 7) == 0


def test_match_partners_on_worker_processes_gives_the_same_entities(datasets, monkeypatch):
    settings = MatchSettings(blocking=BlockingSettings(strategy="lsh"))
    threaded = match_partners(datasets, settings)
    monkeypatch.setattr(workers, "PROCESSES_FROM", 0)
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    parallel = match_partners(datasets, settings)
    assert parallel.groups == threaded.groups
    assert parallel.comparisons == threaded.comparisons


@pytest.mark.slow  # a scheduler and two worker processes (10 s); test_matching_compare runs the
# same tasks on an in-process Dask client, and the worker-process tests above stay in test-fast
def test_match_partners_on_a_real_local_cluster_gives_the_local_entities(datasets):
    distributed = pytest.importorskip("dask.distributed")
    settings = MatchSettings(blocking=BlockingSettings(strategy="lsh"))
    local = match_partners(datasets, settings)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        remote = match_partners(datasets, settings, client=client)
    assert remote.groups == local.groups
    assert remote.comparisons == local.comparisons
