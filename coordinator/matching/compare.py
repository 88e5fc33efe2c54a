"""Comparing the records of each block with anonlink's Dice kernel, in chunks run through Dask."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import dask
import numpy as np
from anonlink.similarities import dice_coefficient_accelerated
from bitarray import bitarray

from hublink.coordinator.matching.blocking import TableBlocks
from hublink.coordinator.matching.records import ClkMatrix

__all__ = ["CandidatePairs", "Comparison", "find_candidate_pairs"]

CandidatePairs = tuple[np.ndarray, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
"""anonlink's layout: (similarities, (dataset indices 0, 1), (record indices 0, 1))."""

Unit = tuple[np.ndarray, "np.ndarray | None"]
"""Rows compared against themselves (second item None) or against a second, higher set of rows."""


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
        yield (left, None), len(left) * (len(left) - 1) // 2
        for right in chunks[left_index + 1:]:
            yield (left, right), len(left) * len(right)


def _as_bitarrays(rows: np.ndarray, indices: np.ndarray) -> list[bitarray]:
    return [bitarray(buffer=rows[index]) for index in indices]


def _compare_units(rows: np.ndarray, units: list[Unit], threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given CLK rows and work units, returns (similarities, lower rows, higher rows) of pairs ≥ threshold."""
    similarities, lower, higher = [], [], []
    for left, right in units:
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
        delayed_compare = dask.delayed(_compare_units, pure=False)
        return list(dask.compute(*[delayed_compare(rows_handle, units, threshold) for units in tasks],
                                 scheduler="threads"))
    futures = [client.submit(_compare_units, rows_handle, units, threshold, pure=False) for units in tasks]
    return client.gather(futures)


def find_candidate_pairs(
    matrix: ClkMatrix,
    threshold: float,
    tables: Iterable[TableBlocks],
    *,
    client: Any = None,
    progress: Callable[[str], None] | None = None,
    chunk_size: int = 2_048,
    task_comparisons: int = 8_000_000,
    tasks_per_batch: int = 64,
) -> Comparison:
    """Given packed CLKs, a Dice threshold and blocks (table by table), returns the candidate pairs.

    Blocks are cut into work units of at most ``chunk_size`` records a side, units are packed into
    tasks of about ``task_comparisons`` pairs, and tasks run in batches of ``tasks_per_batch``
    through Dask: the local threaded scheduler, or ``client`` (a ``dask.distributed.Client``) when
    given. Only pairs at or above the threshold are kept, so memory stays bounded by one batch of
    blocks plus the candidates. Raises ``ValueError`` when the threshold is outside (0, 1].
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1] (got {threshold})")
    if client is None:
        rows_handle = dask.delayed(matrix.rows, name=f"clk-rows-{uuid.uuid4()}")
    else:
        rows_handle = client.scatter(matrix.rows, broadcast=True, hash=False)
    found: list[tuple[np.ndarray, ...]] = []
    comparisons = 0
    tasks: list[list[Unit]] = []
    current: list[Unit] = []
    current_cost = 0

    def run_batch() -> None:
        found.extend(_run_tasks(rows_handle, tasks, threshold, client))
        tasks.clear()
        if progress is not None:
            progress(f"compared {comparisons:,} pairs")

    for table in tables:
        for block in table.blocks:
            for unit, cost in _work_units(block, chunk_size):
                current.append(unit)
                current_cost += cost
                comparisons += cost
                if current_cost >= task_comparisons:
                    tasks.append(current)
                    current, current_cost = [], 0
                    if len(tasks) >= tasks_per_batch:
                        run_batch()
    if current:
        tasks.append(current)
    if tasks:
        run_batch()
    return Comparison(candidates=_sorted_candidates(matrix, found), comparisons=comparisons)


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
