"""Comparing the records of each block by Dice similarity, in tasks run in parallel.

:func:`compare_blocks` is the engine's entry point. Blocks are cut into work units
(``work_units``) and compared by the compiled kernel (``dice_kernel``), which gives anonlink's
similarities to the bit and releases the GIL. Tasks run on worker processes (rows in shared
memory), on Dask's threaded scheduler, or on a ``dask.distributed`` client. With LSH on worker
processes or a Dask client, each task is one whole table (``table_tasks``): the worker computes
the table's blocks from the shared CLKs and compares them, so blocking runs in parallel too.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import numpy as np

from hublink.coordinator.matching.blocking import (BlockingSettings, TableBlocks, choose_strategy,
                                                   iterate_blocks, sample_bit_positions)
from hublink.coordinator.matching.dice_kernel import row_popcounts
from hublink.coordinator.matching.pair_order import CandidatePairs, ordered_candidates
from hublink.coordinator.matching.progress import ProgressCallback, compared
from hublink.coordinator.matching.record_cap import CANDIDATE_BUDGET, best_per_record
from hublink.coordinator.matching.records import ClkMatrix
from hublink.coordinator.matching.table_tasks import compare_tables_in_pool, compare_tables_on_client
from hublink.coordinator.matching.work_units import Unit, compare_units, deduplicate_pairs, joined_parts, tasks
from hublink.coordinator.matching.workers import SharedRowsPool

__all__ = ["CandidatePairs", "Comparison", "compare_blocks", "find_candidate_pairs"]



@dataclass(frozen=True)
class Comparison:
    """What comparing the blocks found.

    ``candidates`` holds every unordered pair once, with similarity ≥ threshold (past
    ``record_cap.CANDIDATE_BUDGET`` pairs, only each record's best: ``record_cap``), oriented so the
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


def _compare_task(rows: np.ndarray, ones_per_row: np.ndarray, units: list[Unit],
                  threshold: float) -> tuple[np.ndarray, ...]:
    return compare_units(rows, units, threshold, ones_per_row)


def _run_tasks(handles: tuple[Any, Any], batch: list[list[Unit]], threshold: float,
               client: Any) -> list[tuple[np.ndarray, ...]]:
    if client is None:  # the kernel releases the GIL, so Dask's threads compare in parallel
        import dask  # only this path needs it: worker processes start faster without it
        delayed_compare = dask.delayed(_compare_task, pure=False)
        return list(dask.compute(*[delayed_compare(*handles, units, threshold) for units in batch],
                                 scheduler="threads"))
    futures = [client.submit(_compare_task, *handles, units, threshold, pure=False) for units in batch]
    return client.gather(futures)


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
    candidate_budget: int = CANDIDATE_BUDGET,
) -> Comparison:
    """Given packed CLKs, a Dice threshold and blocks (table by table), returns the candidate pairs.

    Blocks are cut into work units of at most ``chunk_size`` records a side (smaller blocks are
    packed many to a unit), units are packed into tasks of about ``task_comparisons`` pairs, and
    tasks run in batches of ``tasks_per_batch``: on ``client`` (a ``dask.distributed.Client``) when
    given, else on ``processes`` worker processes when more than one, else on Dask's local threaded
    scheduler. Worker processes take tasks while later tables are still being blocked, with at most
    ``tasks_per_batch`` tasks in flight. Only pairs at or above the threshold are kept, so memory
    stays bounded by one batch of blocks plus the candidates; past ``candidate_budget`` distinct
    pairs only each record's best are returned (``record_cap``). Raises ``ValueError`` when the
    threshold is outside (0, 1].
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1] (got {threshold})")
    if client is None and processes > 1:
        with SharedRowsPool([matrix.rows, row_popcounts(matrix.rows)], processes) as pool:
            found, comparisons = _compare_in_pool(pool, threshold, tables, progress, chunk_size,
                                                  task_comparisons, tasks_per_batch)
        return Comparison(candidates=_sorted_candidates(matrix, found, budget=candidate_budget),
                          comparisons=comparisons)
    arrays = (matrix.rows, row_popcounts(matrix.rows))
    if client is None:
        import dask
        match_id = uuid.uuid4()
        handles = tuple(dask.delayed(array, name=f"clk-{name}-{match_id}")
                        for name, array in zip(("rows", "ones"), arrays))
    else:
        handles = tuple(client.scatter(array, broadcast=True, hash=False) for array in arrays)
    found = []
    comparisons = 0
    batch: list[list[Unit]] = []

    def run_batch() -> None:
        found.extend(_run_tasks(handles, batch, threshold, client))
        batch.clear()
        if progress is not None:
            progress(compared(comparisons))

    for task, cost in tasks(tables, chunk_size, task_comparisons):
        batch.append(task)
        comparisons += cost
        if len(batch) >= tasks_per_batch:
            run_batch()
    if batch:
        run_batch()
    return Comparison(candidates=_sorted_candidates(matrix, found, budget=candidate_budget),
                          comparisons=comparisons)


def _compare_in_pool(pool: SharedRowsPool, threshold: float, tables: Iterable[TableBlocks],
                     progress: ProgressCallback | None, chunk_size: int, task_comparisons: int,
                     tasks_per_batch: int) -> tuple[list[tuple[np.ndarray, ...]], int]:
    found: list[tuple[np.ndarray, ...]] = []
    in_flight: deque[Future] = deque()
    comparisons = 0
    for task, cost in tasks(tables, chunk_size, task_comparisons):
        in_flight.append(pool.submit(_compare_task, task, threshold))
        comparisons += cost
        while len(in_flight) >= max(tasks_per_batch, pool.processes):
            found.append(in_flight.popleft().result())
            if progress is not None:
                progress(compared(comparisons))
    found.extend(future.result() for future in in_flight)
    return found, comparisons


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
    candidate_budget: int = CANDIDATE_BUDGET,
) -> Comparison:
    """Given packed CLKs, a Dice threshold and blocking settings, returns the candidate pairs.

    With LSH on ``client`` (a ``dask.distributed.Client``) or on ``processes`` worker processes
    (when more than one), each task blocks and compares one whole table; otherwise the blocks are
    made here, table by table, and compared by :func:`find_candidate_pairs`. Every path gives the
    same candidates and comparison count; past ``candidate_budget`` distinct pairs, each record's
    best (``record_cap``), held to about that many while tables arrive on the parallel paths.
    Raises :class:`InvalidMatchInput` for unusable blocking settings and ``ValueError`` for a
    threshold outside (0, 1].
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
                                     processes=processes, candidate_budget=candidate_budget)
        return Comparison(found.candidates, found.comparisons, split_blocks, blocking_seconds)
    if blocking.problems():
        list(iterate_blocks(matrix, blocking))  # raises InvalidMatchInput listing every problem
    sample_bit_positions(matrix.rows.shape[1] * 8, blocking)  # raises when a CLK is too short
    if client is not None:
        collected = compare_tables_on_client(matrix, threshold, blocking, client, progress, chunk_size,
                                              task_comparisons, candidate_budget)
    else:
        collected = compare_tables_in_pool(matrix, threshold, blocking, processes, progress, chunk_size,
                                            task_comparisons, candidate_budget)
    return Comparison(_sorted_candidates(matrix, collected.parts, collected.distinct, collected.capped,
                                         candidate_budget), collected.comparisons,
                      collected.split_blocks)


def _sorted_candidates(matrix: ClkMatrix, found: list[Any], distinct: bool = False, capped: bool = False,
                       budget: int = CANDIDATE_BUDGET) -> CandidatePairs:
    """Given per-task results (similarities, lower rows, higher rows; when ``distinct``, no pair in
    two of them), returns them deduplicated and sorted (``pair_order``), in anonlink's layout.
    When ``capped`` (some were already left out by ``record_cap``) or more than ``budget`` distinct
    pairs, each record's best are kept (``record_cap.best_per_record``). ``found`` is emptied
    column by column as it is read, so at most one column is held twice."""
    columns = joined_parts(found)
    if not distinct and (capped or len(columns[0]) > budget):  # count each pair once
        columns, distinct = list(deduplicate_pairs(*columns)), True
    if capped or len(columns[0]) > budget:
        keep = best_per_record(*columns, matrix.record_count)
        columns = [column[keep] for column in columns]
    return ordered_candidates(columns, matrix.offsets, matrix.rows.shape[1] * 8, distinct)
