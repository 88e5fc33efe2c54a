"""Work units: the blocks of a table cut into pieces the Dice kernel compares in one call.

A unit is :class:`Runs` (every pair within each run of rows) or :class:`Across` (every pair of a
row of one set with a row of the other). Blocks up to ``chunk_size`` records are packed many to a
unit; a larger block is cut into chunks of at most ``chunk_size`` rows, each compared within
itself and with every later chunk, so a unit's rows stay in the processor's cache. Each pair of
a block is in exactly one unit of that block.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Iterator, NamedTuple

import numpy as np

from hublink.coordinator.matching.blocking import TableBlocks
from hublink.coordinator.matching.dice_kernel import as_words, dice_across, dice_within_runs, row_popcounts

__all__ = ["Across", "Runs", "Unit", "compare_units", "deduplicate_pairs", "joined_parts", "table_units", "tasks"]


class Runs(NamedTuple):
    """Every pair within each run ``members[bounds[k]:bounds[k + 1]]`` (ascending rows)."""

    members: np.ndarray
    bounds: np.ndarray


class Across(NamedTuple):
    """Every pair of a row of ``left`` with a row of ``right``."""

    left: np.ndarray
    right: np.ndarray


Unit = Runs | Across


def _pairs_within(sizes: np.ndarray) -> np.ndarray:
    return sizes * (sizes - 1) // 2


def _large_block_units(block: np.ndarray, chunk_size: int) -> Iterator[tuple[Unit, int]]:
    chunks = np.array_split(block, math.ceil(len(block) / chunk_size))
    for index, left in enumerate(chunks):
        yield Runs(left, np.array([0, len(left)], dtype=np.int64)), len(left) * (len(left) - 1) // 2
        for right in chunks[index + 1:]:
            yield Across(left, right), len(left) * len(right)


def table_units(table: TableBlocks, chunk_size: int, unit_pairs: int) -> Iterator[tuple[Unit, int]]:
    """Given one table's blocks, yields (unit, pairs compared): blocks of at most ``chunk_size``
    records packed into units of about ``unit_pairs`` pairs, larger blocks chunked."""
    sizes = table.sizes
    small = sizes <= chunk_size
    if np.any(small):
        members = table.members[np.repeat(small, sizes)]
        small_sizes = sizes[small]
        bounds = np.zeros(len(small_sizes) + 1, dtype=np.int64)
        bounds[1:] = np.cumsum(small_sizes)
        pairs = np.cumsum(_pairs_within(small_sizes))
        cuts = np.searchsorted(pairs, np.arange(unit_pairs, int(pairs[-1]), unit_pairs), side="right")
        run_cuts = np.unique(np.r_[0, cuts, len(small_sizes)])
        for first, last in zip(run_cuts[:-1].tolist(), run_cuts[1:].tolist()):
            unit_bounds = bounds[first:last + 1]
            unit = Runs(members[unit_bounds[0]:unit_bounds[-1]], unit_bounds - unit_bounds[0])
            yield unit, int(pairs[last - 1] - (pairs[first - 1] if first else 0))
    for start, end in zip(table.bounds[:-1][~small].tolist(), table.bounds[1:][~small].tolist()):
        yield from _large_block_units(table.members[start:end], chunk_size)


def tasks(tables: Iterable[TableBlocks], chunk_size: int, task_comparisons: int) -> Iterator[tuple[list[Unit], int]]:
    """Given the tables, yields (task, pairs compared), each task about ``task_comparisons`` pairs."""
    current: list[Unit] = []
    current_cost = 0
    for table in tables:
        for unit, cost in table_units(table, chunk_size, task_comparisons):
            current.append(unit)
            current_cost += cost
            if current_cost >= task_comparisons:
                yield current, current_cost
                current, current_cost = [], 0
    if current:
        yield current, current_cost


def deduplicate_pairs(similarities: np.ndarray, lower: np.ndarray,
                      higher: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given pairs possibly found more than once (in several tables), returns each pair once."""
    pair_keys = (lower.astype(np.int64) << 32) | higher.astype(np.int64)
    _, first = np.unique(pair_keys, return_index=True)
    return similarities[first], lower[first], higher[first]


def joined_parts(parts: list[Any]) -> list[np.ndarray]:
    """Given results of (similarities, first rows, second rows, ...), returns those three columns
    joined. ``parts`` is emptied column by column as it is read, so at most one column is held twice."""
    columns = []
    held = [list(part[:3]) for part in parts]
    parts.clear()
    for column, empty in enumerate((np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64))):
        columns.append(np.concatenate([part[column] for part in held]) if held else empty)
        for part in held:
            part[column] = None
    return columns


def compare_units(rows: np.ndarray, units: list[Unit], threshold: float,
                  ones_per_row: np.ndarray | None = None,
                  one_table: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given CLK rows, work units and optionally the rows' bit counts (computed when not given),
    returns (similarities, first rows, second rows) of the units' pairs at or above the threshold,
    each pair once. Within a run the first row is the lower; across, it is the row of ``left``.
    ``one_table`` promises the units are one table's (:func:`table_units`), whose every pair is in
    exactly one unit: then the pairs are not deduplicated, and come in no particular order."""
    words = as_words(rows)
    ones = row_popcounts(rows) if ones_per_row is None else ones_per_row
    found = [dice_within_runs(words, ones, unit.members, unit.bounds, threshold) if isinstance(unit, Runs)
             else dice_across(words, ones, unit.left, unit.right, threshold) for unit in units]
    if not found:
        return np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64)
    joined = tuple(np.concatenate(column) for column in zip(*found))
    return joined if one_table else deduplicate_pairs(*joined)  # type: ignore[return-value]
