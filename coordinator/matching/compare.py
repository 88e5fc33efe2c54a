"""Comparing the records of each block by Dice similarity, in tasks run in parallel.

Large blocks go to anonlink's accelerated Dice kernel in chunks. Small blocks, which LSH makes by
the hundred thousand, are compared pair by pair with numpy, many blocks in one call: the kernel's
per-call cost would otherwise dominate. Both give bit-identical similarities (2·|a∧b| / (|a|+|b|)
in double precision). Tasks run on worker processes (rows in shared memory), on Dask's threaded
scheduler, or on a ``dask.distributed`` client.

:func:`compare_blocks` is the engine's entry point. With LSH on worker processes or a Dask client,
each task is one whole table: the worker computes the table's blocks from the shared CLKs and
compares them, so blocking runs in parallel too and a task carries only bit positions.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict, deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import time

import numpy as np
from anonlink.similarities import dice_coefficient_accelerated
from bitarray import bitarray

from hublink.coordinator.matching.blocking import (BlockingSettings, TableBlocks, byte_columns,
                                                   choose_strategy, iterate_blocks,
                                                   sample_bit_positions, table_blocks)
from hublink.coordinator.matching.progress import ProgressCallback, compared
from hublink.coordinator.matching.records import ClkMatrix
from hublink.coordinator.matching.workers import SharedRowsPool

__all__ = ["CandidatePairs", "Comparison", "SMALL_BLOCK_SIZE", "compare_blocks", "find_candidate_pairs"]

SMALL_BLOCK_SIZE = 64
"""Blocks of at most this many records are compared with numpy, larger ones with anonlink's kernel
(measured on 30k CLKs: numpy's rate is flat, the kernel's passes it above about 64 records)."""

_PAIRS_PER_STEP = 16_384
"""Pairs gathered at once by the numpy comparison: 2 x 2 MiB of rows, which stays in cache."""

CandidatePairs = tuple[np.ndarray, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
"""anonlink's layout: (similarities, (dataset indices 0, 1), (record indices 0, 1))."""

Unit = tuple[np.ndarray, "np.ndarray | None"]
"""Rows compared against themselves (second item None) or against a second, higher set of rows;
or, when the first item is 2-D, small blocks of equal size, one a row, each compared within itself."""


@dataclass(frozen=True)
class Comparison:
    """What comparing the blocks found.

    ``candidates`` holds every unordered pair once, with similarity ≥ threshold, oriented so the
    first record has the lower (dataset, record) position, sorted by decreasing similarity then by
    ascending positions. ``comparisons`` counts pairs compared (a pair met in several tables counts
    each time). Similarities stay inside the coordinator: never log or return them.
    """

    candidates: CandidatePairs
    comparisons: int
    split_blocks: int = 0
    blocking_seconds: float = 0.0
    """Seconds this process spent blocking (blocking done inside worker tasks is not counted)."""

    @property
    def candidate_count(self) -> int:
        """Returns the number of candidate pairs."""
        return len(self.candidates[0])


def _work_units(block: np.ndarray, chunk_size: int) -> Iterator[tuple[Unit, int]]:
    """Given one block of ascending rows, yields (unit, pairs compared) covering each pair once."""
    if len(block) <= chunk_size:
        yield (block, None), len(block) * (len(block) - 1) // 2
        return
    chunks = np.array_split(block, math.ceil(len(block) / chunk_size))
    for left_index, left in enumerate(chunks):
        if chunk_size >= 1_024:  # the kernel compares a chunk with itself both ways: cut it finer
            yield from _work_units(left, chunk_size // 4)
        else:
            yield (left, None), len(left) * (len(left) - 1) // 2
        for right in chunks[left_index + 1:]:
            yield (left, right), len(left) * len(right)


def _small_block_units(blocks: list[np.ndarray], unit_pairs: int) -> Iterator[tuple[Unit, int]]:
    """Given small blocks, yields (unit, pairs compared): blocks of one size stacked, ``unit_pairs`` at most."""
    by_size: dict[int, list[np.ndarray]] = defaultdict(list)
    for block in blocks:
        by_size[len(block)].append(block)
    for size, members in sorted(by_size.items()):
        stacked = np.stack(members)
        per_block = size * (size - 1) // 2
        step = max(1, unit_pairs // per_block)
        for start in range(0, len(stacked), step):
            part = stacked[start:start + step]
            yield (part, None), len(part) * per_block


def row_popcounts(rows: np.ndarray) -> np.ndarray:
    """Given CLK rows, returns the number of bits set in each (``int64``)."""
    words = rows.view(np.uint64) if rows.shape[1] % 8 == 0 else rows
    return np.bitwise_count(words).sum(axis=1, dtype=np.int64)


def _dice_of_pairs(rows: np.ndarray, ones_per_row: np.ndarray, blocks: np.ndarray,
                   threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given CLK rows, their bit counts and equal-size blocks (one a row, ascending), returns
    (similarities, lower rows, higher rows) of the pairs within each block at or above the threshold."""
    first, second = np.triu_indices(blocks.shape[1], 1)
    lower, higher = blocks[:, first].ravel(), blocks[:, second].ravel()
    words = rows.view(np.uint64) if rows.shape[1] % 8 == 0 else rows
    similarities, kept_lower, kept_higher = [], [], []
    for start in range(0, len(lower), _PAIRS_PER_STEP):
        left, right = lower[start:start + _PAIRS_PER_STEP], higher[start:start + _PAIRS_PER_STEP]
        both = np.take(words, left, axis=0)
        np.bitwise_and(both, np.take(words, right, axis=0), out=both)
        ones = ones_per_row[left] + ones_per_row[right]
        common = np.add.reduce(np.bitwise_count(both), axis=1, dtype=np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            dice = np.where(ones > 0, 2.0 * common / ones, 0.0)
        keep = dice >= threshold
        similarities.append(dice[keep])
        kept_lower.append(left[keep])
        kept_higher.append(right[keep])
    return np.concatenate(similarities), np.concatenate(kept_lower), np.concatenate(kept_higher)


def _as_bitarrays(rows: np.ndarray, indices: np.ndarray) -> list[bitarray]:
    return [bitarray(buffer=rows[index]) for index in indices]


def _compare_units(rows: np.ndarray, units: list[Unit], threshold: float,
                   ones_per_row: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given CLK rows, work units and optionally the rows' bit counts (computed when needed and not
    given), returns (similarities, lower rows, higher rows) of pairs ≥ threshold."""
    similarities, lower, higher = [], [], []
    for left, right in units:
        if left.ndim == 2:
            if ones_per_row is None:
                ones_per_row = row_popcounts(rows)
            found, lower_found, higher_found = _dice_of_pairs(rows, ones_per_row, left, threshold)
            similarities.append(found)
            lower.append(lower_found)
            higher.append(higher_found)
            continue
        left_bits = _as_bitarrays(rows, left)
        right_bits = left_bits if right is None else _as_bitarrays(rows, right)
        found, (left_found, right_found) = dice_coefficient_accelerated([left_bits, right_bits], threshold)
        found = np.frombuffer(found, dtype=np.float64)
        left_found = np.frombuffer(left_found, dtype=np.uint32)
        right_found = np.frombuffer(right_found, dtype=np.uint32)
        if right is None:
            keep = left_found < right_found  # the kernel compares the block with itself both ways
            found, left_found, right_found = found[keep], left_found[keep], right_found[keep]
            right = left
        similarities.append(found)
        lower.append(left[left_found])
        higher.append(right[right_found])
    if not similarities:
        return np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64)
    return _deduplicate(np.concatenate(similarities), np.concatenate(lower), np.concatenate(higher))


def _deduplicate(similarities: np.ndarray, lower: np.ndarray, higher: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given pairs possibly found more than once (in several tables), returns each pair once."""
    pair_keys = (lower.astype(np.int64) << 32) | higher.astype(np.int64)
    _, first = np.unique(pair_keys, return_index=True)
    return similarities[first], lower[first], higher[first]


def _run_tasks(rows_handle: Any, tasks: list[list[Unit]], threshold: float, client: Any) -> list[tuple[np.ndarray, ...]]:
    if client is None:
        import dask  # only this path needs it: worker processes start faster without it
        delayed_compare = dask.delayed(_compare_units, pure=False)
        return list(dask.compute(*[delayed_compare(rows_handle, units, threshold) for units in tasks],
                                 scheduler="threads"))
    futures = [client.submit(_compare_units, rows_handle, units, threshold, pure=False) for units in tasks]
    return client.gather(futures)


def _table_units(table: TableBlocks, chunk_size: int, unit_pairs: int) -> Iterator[tuple[Unit, int]]:
    """Given one table's blocks, yields (unit, pairs compared): small blocks stacked, large ones chunked."""
    small = [block for block in table.blocks if len(block) <= SMALL_BLOCK_SIZE]
    yield from _small_block_units(small, unit_pairs)
    for block in table.blocks:
        if len(block) > SMALL_BLOCK_SIZE:
            yield from _work_units(block, chunk_size)


def find_candidate_pairs(
    matrix: ClkMatrix,
    threshold: float,
    tables: Iterable[TableBlocks],
    *,
    client: Any = None,
    progress: ProgressCallback | None = None,
    chunk_size: int = 2_048,
    task_comparisons: int = 8_000_000,
    tasks_per_batch: int = 64,
    processes: int = 0,
) -> Comparison:
    """Given packed CLKs, a Dice threshold and blocks (table by table), returns the candidate pairs.

    Blocks are cut into work units of at most ``chunk_size`` records a side (small blocks are
    stacked by size instead), units are packed into tasks of about ``task_comparisons`` pairs, and
    tasks run in batches of ``tasks_per_batch``: on ``client`` (a ``dask.distributed.Client``) when
    given, else on ``processes`` worker processes when more than one, else on Dask's local threaded
    scheduler. Worker processes take tasks while later tables are still being blocked, with at most
    ``tasks_per_batch`` tasks in flight. Only pairs at or above the threshold are kept, so memory
    stays bounded by one batch of blocks plus the candidates. Raises ``ValueError`` when the
    threshold is outside (0, 1].
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1] (got {threshold})")
    if client is None and processes > 1:
        with SharedRowsPool([matrix.rows], processes) as pool:
            found, comparisons = _compare_in_pool(pool, threshold, tables, progress, chunk_size,
                                                  task_comparisons, tasks_per_batch)
        return Comparison(candidates=_sorted_candidates(matrix, found), comparisons=comparisons)
    if client is None:
        import dask
        rows_handle = dask.delayed(matrix.rows, name=f"clk-rows-{uuid.uuid4()}")
    else:
        rows_handle = client.scatter(matrix.rows, broadcast=True, hash=False)
    found = []
    comparisons = 0
    tasks: list[list[Unit]] = []

    def run_batch() -> None:
        found.extend(_run_tasks(rows_handle, tasks, threshold, client))
        tasks.clear()
        if progress is not None:
            progress(compared(comparisons))

    for task, cost in _tasks(tables, chunk_size, task_comparisons):
        tasks.append(task)
        comparisons += cost
        if len(tasks) >= tasks_per_batch:
            run_batch()
    if tasks:
        run_batch()
    return Comparison(candidates=_sorted_candidates(matrix, found), comparisons=comparisons)


def _tasks(tables: Iterable[TableBlocks], chunk_size: int, task_comparisons: int) -> Iterator[tuple[list[Unit], int]]:
    """Given the tables, yields (task, pairs compared), each task about ``task_comparisons`` pairs."""
    current: list[Unit] = []
    current_cost = 0
    for table in tables:
        for unit, cost in _table_units(table, chunk_size, task_comparisons):
            current.append(unit)
            current_cost += cost
            if current_cost >= task_comparisons:
                yield current, current_cost
                current, current_cost = [], 0
    if current:
        yield current, current_cost


def _compare_in_pool(pool: SharedRowsPool, threshold: float, tables: Iterable[TableBlocks],
                     progress: ProgressCallback | None, chunk_size: int, task_comparisons: int,
                     tasks_per_batch: int) -> tuple[list[tuple[np.ndarray, ...]], int]:
    found: list[tuple[np.ndarray, ...]] = []
    in_flight: deque[Future] = deque()
    comparisons = 0
    for task, cost in _tasks(tables, chunk_size, task_comparisons):
        in_flight.append(pool.submit(_compare_units, task, threshold))
        comparisons += cost
        while len(in_flight) >= max(tasks_per_batch, pool.processes):
            found.append(in_flight.popleft().result())
            if progress is not None:
                progress(compared(comparisons))
    found.extend(future.result() for future in in_flight)
    return found, comparisons


def _compare_table(rows: np.ndarray, columns: np.ndarray, ones_per_row: np.ndarray, positions: np.ndarray,
                   blocking: BlockingSettings, threshold: float, chunk_size: int,
                   task_comparisons: int) -> tuple[Any, ...]:
    """In a worker: blocks one LSH table and compares its blocks; returns (similarities, lower rows,
    higher rows, pairs compared, blocks split)."""
    table = table_blocks(columns, positions, blocking)
    units = list(_table_units(table, chunk_size, task_comparisons))
    found = _compare_units(rows, [unit for unit, _ in units], threshold, ones_per_row)
    return (*found, sum(cost for _, cost in units), table.split_blocks)


class _Collected:
    """Per-task results, deduplicated now and then so that memory stays near the candidates' size
    (a candidate pair is met in many of the LSH tables)."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.pending = 0
        self.kept = 0
        self.comparisons = 0
        self.split_blocks = 0

    def add(self, result: tuple[Any, ...]) -> None:
        similarities, lower, higher, comparisons, split_blocks = result
        self.parts.append((similarities, lower, higher))
        self.pending += len(similarities)
        self.comparisons += comparisons
        self.split_blocks += split_blocks
        if self.pending > max(1_000_000, 2 * self.kept):
            merged = _deduplicate(*(np.concatenate(column) for column in zip(*self.parts)))
            self.parts, self.kept, self.pending = [merged], len(merged[0]), 0


def _compare_tables_in_pool(matrix: ClkMatrix, threshold: float, blocking: BlockingSettings, processes: int,
                            progress: ProgressCallback | None, chunk_size: int,
                            task_comparisons: int) -> _Collected:
    collected = _Collected()
    columns = byte_columns(matrix)
    with SharedRowsPool([matrix.rows, columns, row_popcounts(matrix.rows)], processes) as pool:
        del columns
        in_flight: deque[Future] = deque()
        for positions in sample_bit_positions(matrix.rows.shape[1] * 8, blocking):
            in_flight.append(pool.submit(_compare_table, positions, blocking, threshold, chunk_size,
                                         task_comparisons))
            while len(in_flight) > 2 * processes:
                collected.add(in_flight.popleft().result())
                if progress is not None:
                    progress(compared(collected.comparisons))
        while in_flight:
            collected.add(in_flight.popleft().result())
    return collected


_worker_copies: tuple[tuple[int, ...], tuple[np.ndarray, ...]] | None = None


def _compare_table_on_worker(rows: np.ndarray, columns: np.ndarray, ones_per_row: np.ndarray,
                             *arguments: Any) -> tuple[Any, ...]:
    """On a Dask worker: ``_compare_table`` on the worker's own copy of the scattered arrays.

    Reading the arrays as the worker received them was measured 2.5x slower than reading a copy
    (they are views into the received message); the copy is made once per match and worker.
    """
    global _worker_copies
    identity = (id(rows), id(columns), id(ones_per_row))
    if _worker_copies is None or _worker_copies[0] != identity:
        _worker_copies = (identity, (rows.copy(), columns.copy(), ones_per_row.copy()))
    return _compare_table(*_worker_copies[1], *arguments)


def _compare_tables_on_client(matrix: ClkMatrix, threshold: float, blocking: BlockingSettings, client: Any,
                              progress: ProgressCallback | None, chunk_size: int,
                              task_comparisons: int) -> _Collected:
    from dask.distributed import as_completed
    collected = _Collected()
    rows = client.scatter(matrix.rows, broadcast=True, hash=False)
    columns = client.scatter(byte_columns(matrix), broadcast=True, hash=False)
    ones_per_row = client.scatter(row_popcounts(matrix.rows), broadcast=True, hash=False)
    futures = [client.submit(_compare_table_on_worker, rows, columns, ones_per_row, positions, blocking, threshold, chunk_size,
                             task_comparisons, pure=False)
               for positions in sample_bit_positions(matrix.rows.shape[1] * 8, blocking)]
    for future in as_completed(futures):
        collected.add(future.result())
        future.release()
        if progress is not None:
            progress(compared(collected.comparisons))
    return collected


def compare_blocks(
    matrix: ClkMatrix,
    threshold: float,
    blocking: BlockingSettings,
    *,
    client: Any = None,
    processes: int = 0,
    progress: ProgressCallback | None = None,
    chunk_size: int = 2_048,
    task_comparisons: int = 8_000_000,
) -> Comparison:
    """Given packed CLKs, a Dice threshold and blocking settings, returns the candidate pairs.

    With LSH on ``client`` (a ``dask.distributed.Client``) or on ``processes`` worker processes
    (when more than one), each task blocks and compares one whole table; otherwise the blocks are
    made here, table by table, and compared by :func:`find_candidate_pairs`. Every path gives the
    same candidates and comparison count. Raises :class:`InvalidMatchInput` for unusable blocking
    settings and ``ValueError`` for a threshold outside (0, 1].
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1] (got {threshold})")
    parallel_tables = client is not None or processes > 1
    if (not parallel_tables or matrix.record_count < 2
            or choose_strategy(matrix.record_count, blocking) == "all_pairs"):
        blocking_seconds, split_blocks = 0.0, 0

        def timed_tables() -> Iterator[TableBlocks]:
            nonlocal blocking_seconds, split_blocks
            tables = iterate_blocks(matrix, blocking)
            while True:
                started = time.perf_counter()
                table = next(tables, None)
                blocking_seconds += time.perf_counter() - started
                if table is None:
                    return
                split_blocks += table.split_blocks
                yield table

        found = find_candidate_pairs(matrix, threshold, timed_tables(), client=client, progress=progress,
                                     chunk_size=chunk_size, task_comparisons=task_comparisons,
                                     processes=processes)
        return Comparison(found.candidates, found.comparisons, split_blocks, blocking_seconds)
    if blocking.problems():
        list(iterate_blocks(matrix, blocking))  # raises InvalidMatchInput listing every problem
    sample_bit_positions(matrix.rows.shape[1] * 8, blocking)  # raises when a CLK is too short
    if client is not None:
        collected = _compare_tables_on_client(matrix, threshold, blocking, client, progress, chunk_size,
                                              task_comparisons)
    else:
        collected = _compare_tables_in_pool(matrix, threshold, blocking, processes, progress, chunk_size,
                                            task_comparisons)
    return Comparison(_sorted_candidates(matrix, collected.parts), collected.comparisons,
                      collected.split_blocks)


def _sorted_candidates(matrix: ClkMatrix, found: list[tuple[np.ndarray, ...]]) -> CandidatePairs:
    """Given per-task results, returns them deduplicated and sorted, in anonlink's layout."""
    if found:
        similarities, lower, higher = (np.concatenate(parts) for parts in zip(*found))
        similarities, lower, higher = _deduplicate(similarities, lower, higher)
    else:
        similarities, lower, higher = np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.lexsort((higher, lower, -similarities))
    dataset_lower, record_lower = matrix.positions(lower[order])
    dataset_higher, record_higher = matrix.positions(higher[order])
    return (np.ascontiguousarray(similarities[order], dtype=np.float64),
            (dataset_lower, dataset_higher), (record_lower, record_higher))
