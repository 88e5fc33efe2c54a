"""LSH tables as tasks: each task blocks one whole table and compares its blocks, on worker
processes (arrays in shared memory) or on the workers of a ``dask.distributed`` cluster.

A task carries only the table's bit positions; the CLK rows, their byte columns and bit counts
are shared once per match. A candidate pair is met in many tables. Every row's key in every
table (``blocking.table_keys``) is shared too, filled by the worker processes themselves, a share
of the tables each (on a Dask cluster each worker computes all of them), and a table keeps only
the pairs that share no key in an earlier table, so each pair comes back once, from the first
table that compared it. Otherwise (a block split by more bits, or too many rows for the keys)
results are deduplicated in the parent now and then, so its memory stays near the
candidates' size. Past ``record_cap.CANDIDATE_BUDGET`` distinct pairs, each record's best are
kept as results arrive (``record_cap``), so memory stays bounded at any record count.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from typing import Any

import numba
import numpy as np

from hublink.coordinator.matching.blocking import (BlockingSettings, byte_columns, fill_table_keys,
                                                   sample_bit_positions, table_blocks, table_keys, table_keys_type)
from hublink.coordinator.matching.dice_kernel import row_popcounts
from hublink.coordinator.matching.progress import ProgressCallback, compared
from hublink.coordinator.matching.record_cap import CANDIDATE_BUDGET, above_lowest, lowest_kept
from hublink.coordinator.matching.records import ClkMatrix
from hublink.coordinator.matching.work_units import compare_units, deduplicate_pairs, joined_parts, table_units
from hublink.coordinator.matching.workers import SharedRowsPool

__all__ = ["CollectedTables", "compare_tables_in_pool", "compare_tables_on_client"]


def compare_table(rows: np.ndarray, columns: np.ndarray, ones_per_row: np.ndarray, positions: np.ndarray,
                  blocking: BlockingSettings, threshold: float, chunk_size: int,
                  task_comparisons: int, keys: np.ndarray | None = None,
                  lowest: np.ndarray | None = None) -> tuple[Any, ...]:
    """In a worker: blocks one LSH table (by its rows' ``keys`` when given) and compares its
    blocks; returns (similarities, lower rows, higher rows, pairs compared, blocks split),
    without the pairs below both rows' ``lowest`` (``record_cap.lowest_kept`` so far)."""
    table = table_blocks(columns, positions, blocking, keys)
    units = list(table_units(table, chunk_size, task_comparisons))
    similarities, lower, higher = compare_units(rows, [unit for unit, _ in units], threshold, ones_per_row,
                                                one_table=True)
    if lowest is not None:
        keep = above_lowest(similarities, lower, higher, lowest)
        similarities, lower, higher = similarities[keep], lower[keep], higher[keep]
    if len(rows) <= 1 << 32:  # half the bytes to send and to hold until all tables are in
        lower, higher = lower.astype(np.uint32), higher.astype(np.uint32)
    return similarities, lower, higher, sum(cost for _, cost in units), table.split_blocks


def compare_table_first_found(rows: np.ndarray, columns: np.ndarray, ones_per_row: np.ndarray,
                              keys: np.ndarray, positions: np.ndarray, table: int, *arguments: Any,
                              lowest: np.ndarray | None = None) -> tuple[Any, ...]:
    """In a worker: :func:`compare_table` of table number ``table``, keeping only the pairs that
    share no key in an earlier table (``keys``: every row's key in every table)."""
    similarities, lower, higher, comparisons, split_blocks = compare_table(rows, columns, ones_per_row,
                                                                           positions, *arguments,
                                                                           keys=keys[:, table], lowest=lowest)
    keep = _first_shared_here(keys, lower, higher, table)
    return similarities[keep], lower[keep], higher[keep], comparisons, split_blocks


def _table_in_pool(rows: np.ndarray, columns: np.ndarray, ones_per_row: np.ndarray, lowest: np.ndarray,
                   keys: np.ndarray, *arguments: Any) -> tuple[Any, ...]:
    """In a worker process: :func:`compare_table`, filtered by the shared ``lowest`` (``keys`` unused)."""
    return compare_table(rows, columns, ones_per_row, *arguments, lowest=lowest)


def _first_found_in_pool(rows: np.ndarray, columns: np.ndarray, ones_per_row: np.ndarray, lowest: np.ndarray,
                         keys: np.ndarray, *arguments: Any) -> tuple[Any, ...]:
    """In a worker process: :func:`compare_table_first_found`, filtered by the shared ``lowest``."""
    return compare_table_first_found(rows, columns, ones_per_row, keys, *arguments, lowest=lowest)


def _keys_in_pool(rows: np.ndarray, columns: np.ndarray, ones_per_row: np.ndarray, lowest: np.ndarray,
                  keys: np.ndarray, positions: np.ndarray, blocking: BlockingSettings, tables: range) -> int:
    """In a worker process: fills the shared ``keys`` of ``tables`` (``blocking.fill_table_keys``)."""
    return fill_table_keys(columns, positions, blocking, keys, tables)


@numba.njit(nogil=True, cache=True)
def _first_shared_here(keys, lower, higher, table):
    """Returns a mask of the pairs whose rows share no key in the tables before ``table``."""
    keep = np.ones(len(lower), dtype=np.bool_)
    for pair in range(len(lower)):
        first, second = lower[pair], higher[pair]
        shared = 0
        for earlier in range(table):  # no early exit: the loop compiles to vector compares
            shared |= keys[first, earlier] == keys[second, earlier]
        keep[pair] = shared == 0
    return keep


MERGE_AFTER = 1_000_000
"""Pairs that may arrive before the parts are first joined (deduplicated or capped)."""


class CollectedTables:
    """Per-table results of ``row_count`` rows, deduplicated now and then so that memory stays near
    the candidates' size, unless ``distinct`` (no pair in two results): then they are only kept.
    Once more than ``budget`` distinct pairs have arrived, ``capped`` is set and each record's best
    pairs are kept as more arrive (``record_cap``): arriving pairs below both records' K-th
    similarity so far are dropped at once, the rest capped when they pile up; ``shared_lowest``,
    when set, receives those similarities for worker processes to drop pairs before sending them.
    The caller applies the rule once more to the whole (:func:`compare._sorted_candidates`)."""

    def __init__(self, row_count: int, distinct: bool = False, budget: int = CANDIDATE_BUDGET,
                 merge_after: int | None = None) -> None:
        self.row_count = row_count
        self.shared_lowest: np.ndarray | None = None
        self.merge_after = MERGE_AFTER if merge_after is None else merge_after
        self.distinct = distinct
        self.budget = budget
        self.lowest_kept: np.ndarray | None = None
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.pending = 0
        self.kept = 0
        self.comparisons = 0
        self.split_blocks = 0

    @property
    def capped(self) -> bool:
        """Whether more than ``budget`` distinct pairs arrived, so each record's best are kept."""
        return self.lowest_kept is not None

    def add(self, result: tuple[Any, ...], first_found: bool | None = None) -> None:
        """Given one task's result, keeps its pairs and counts. ``first_found`` False says the
        task did not filter its pairs by earlier tables' keys: from then on results are
        deduplicated (pairs of filtered results are still each in the first table sharing them)."""
        if first_found is False:
            self.distinct = False
        similarities, lower, higher, comparisons, split_blocks = result
        if self.lowest_kept is not None:
            keep = above_lowest(similarities, lower, higher, self.lowest_kept)
            similarities, lower, higher = similarities[keep], lower[keep], higher[keep]
        self.parts.append((similarities, lower, higher))
        self.pending += len(similarities)
        self.comparisons += comparisons
        self.split_blocks += split_blocks
        if self._compaction_due():
            self._compact()

    def _compaction_due(self) -> bool:
        """Whether to join the parts now: held pairs stay under about 1.25 budgets (plus one
        result), and each join is paid for by as many new pairs as a quarter of what it reads."""
        over_budget = self.capped or self.kept + self.pending > self.budget
        if over_budget and self.pending > max(self.merge_after, self.kept, self.budget // 4):
            return True
        return not self.distinct and self.pending > max(self.merge_after, 2 * self.kept)

    def _compact(self) -> None:
        """Joins the parts into one, each pair once, and past the budget keeps each record's best."""
        merged = joined_parts(self.parts)
        if not self.distinct:
            merged = list(deduplicate_pairs(*merged))
        if self.capped or len(merged[0]) > self.budget:
            self.lowest_kept = lowest_kept(*merged, self.row_count)
            keep = above_lowest(*merged, self.lowest_kept)
            merged = [column[keep] for column in merged]
            if self.shared_lowest is not None:  # each value only rises: any mix of old and new is safe
                self.shared_lowest[:] = self.lowest_kept
        self.parts, self.kept, self.pending = [tuple(merged)], len(merged[0]), 0


def compare_tables_in_pool(matrix: ClkMatrix, threshold: float, blocking: BlockingSettings, processes: int,
                           progress: ProgressCallback | None, chunk_size: int,
                           task_comparisons: int, budget: int = CANDIDATE_BUDGET) -> CollectedTables:
    """Given packed CLKs, a threshold and LSH settings, compares table by table on ``processes``
    worker processes, at most two tables a process in flight. The processes first fill every
    row's key in every table (``blocking.table_keys``, in shared memory), a share of the tables each."""
    all_positions = sample_bit_positions(matrix.rows.shape[1] * 8, blocking)
    key_type = table_keys_type(matrix.record_count, len(all_positions), blocking)
    keys = (np.empty((0, 0), np.uint16) if key_type is None
            else np.empty((matrix.record_count, len(all_positions)), dtype=key_type))
    shared = [matrix.rows, byte_columns(matrix), row_popcounts(matrix.rows),
              np.zeros(matrix.record_count), keys]  # lowest: every row's K-th similarity so far, 0 keeps all
    with SharedRowsPool(shared, processes, writable=(4,)) as pool:
        del shared, keys
        distinct = key_type is not None and _keys_hold(pool, all_positions, blocking)
        collected = CollectedTables(matrix.record_count, distinct, budget)
        collected.shared_lowest = pool.shared(3)
        in_flight: deque[Future] = deque()
        try:
            for table, positions in enumerate(all_positions):
                if collected.distinct:
                    in_flight.append(pool.submit(_first_found_in_pool, positions, table, blocking,
                                                 threshold, chunk_size, task_comparisons))
                else:
                    in_flight.append(pool.submit(_table_in_pool, positions, blocking, threshold, chunk_size,
                                                 task_comparisons))
                while len(in_flight) > 2 * processes:
                    collected.add(in_flight.popleft().result())
                    if progress is not None:
                        progress(compared(collected.comparisons))
            while in_flight:
                collected.add(in_flight.popleft().result())
        finally:
            collected.shared_lowest = None  # the segment closes only once no view of it is left
    return collected


def _keys_hold(pool: SharedRowsPool, all_positions: np.ndarray, blocking: BlockingSettings) -> bool:
    """Fills the pool's shared keys, a share of the tables per process; returns whether they hold
    (no block over ``max_block_size``, which would be split by more bits)."""
    shares = np.array_split(np.arange(len(all_positions)), pool.processes)
    filled = [pool.submit(_keys_in_pool, all_positions, blocking, range(int(share[0]), int(share[-1]) + 1))
              for share in shares if len(share)]
    return max(future.result() for future in filled) <= blocking.max_block_size


_worker_state: tuple[tuple[int, ...], tuple[np.ndarray, ...], np.ndarray | None] | None = None


def _compare_table_on_worker(arrays: list[np.ndarray], positions: np.ndarray, table: int,
                             blocking: BlockingSettings, *arguments: Any) -> tuple[tuple[Any, ...], bool]:
    """On a Dask worker: :func:`compare_table_first_found` of one table, or :func:`compare_table`
    when the keys do not hold (:func:`blocking.table_keys` is None); returns (result, whether the
    pairs were filtered by earlier tables' keys).

    Each worker works on its own copy of the scattered rows, byte columns and bit counts (reading
    them as received was measured 2.5x slower: they are views into the message) and computes every
    row's key in every table itself: the same on every worker, and cheaper than sending them
    (300 MB at a million records). Both are made once per match and worker.
    """
    global _worker_state
    identity = tuple(id(array) for array in arrays)
    state = _worker_state  # read once: a worker's threads may replace it
    if state is None or state[0] != identity:
        _worker_state = None  # the previous match's arrays go before this one's are made
        rows, columns, ones_per_row = (array.copy() for array in arrays)
        keys = table_keys(columns, sample_bit_positions(rows.shape[1] * 8, blocking), blocking)
        state = _worker_state = (identity, (rows, columns, ones_per_row), keys)
    _, copies, keys = state
    if keys is None:
        return compare_table(*copies, positions, blocking, *arguments), False
    return compare_table_first_found(*copies, keys, positions, table, blocking, *arguments), True


def compare_tables_on_client(matrix: ClkMatrix, threshold: float, blocking: BlockingSettings, client: Any,
                             progress: ProgressCallback | None, chunk_size: int,
                             task_comparisons: int, budget: int = CANDIDATE_BUDGET) -> CollectedTables:
    """Given packed CLKs, a threshold, LSH settings and a ``dask.distributed.Client``, scatters the
    rows, byte columns and bit counts to every worker once and compares one table per task."""
    from dask.distributed import as_completed
    collected = CollectedTables(matrix.record_count, True, budget)
    scattered = client.scatter([matrix.rows, byte_columns(matrix), row_popcounts(matrix.rows)],
                               broadcast=True, hash=False)
    futures = [client.submit(_compare_table_on_worker, scattered, positions, table, blocking, threshold,
                             chunk_size, task_comparisons, pure=False)
               for table, positions in enumerate(sample_bit_positions(matrix.rows.shape[1] * 8, blocking))]
    for future in as_completed(futures):
        collected.add(*future.result())
        future.release()
        if progress is not None:
            progress(compared(collected.comparisons))
    return collected
