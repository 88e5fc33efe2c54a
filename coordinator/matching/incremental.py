"""Incremental matching: re-link only what the records changed since the last run touched.

The candidate graph of a run joins every pair of records its blocking compared and found at or
above the lower of the two thresholds. The solver (``matching.solve``) decides each connected
component of that graph from the component's own pairs alone, so an entity never spans two
components. A run therefore keeps, for every record, the label of its component
(:func:`connected_components`), and the next run recomputes only the *affected* components:

- the components that held a deleted record or the old version of a changed one;
- the components of unchanged records that now pair with a new or changed record.

New and changed records are compared with every current record (exact Dice, then the LSH
filter of :func:`blocking.pairs_share_a_block`, so the pairs are those a full run's blocking
would compare); the unchanged members of affected components are compared among themselves
again. Solving those pairs gives the same entities as a full run on the same data. The one
documented difference: a full run splits an LSH block larger than ``max_block_size`` by more
bits, which can part a pair that the incremental run keeps (none at city scale; see
docs/matching.md). Every other record keeps its entity, and its link ID, untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Hashable, Sequence

import numpy as np

from hublink.coordinator.matching.blocking import TableBlocks, choose_strategy, pairs_share_a_block
from hublink.coordinator.matching.compare import CandidatePairs, _compare_units, _deduplicate, _table_units
from hublink.coordinator.matching.records import ClkMatrix
from hublink.coordinator.matching.solve import Groups, solve_groups

if TYPE_CHECKING:  # the engine imports this module
    from hublink.coordinator.matching.engine import MatchSettings

__all__ = ["IncrementalResult", "candidate_components", "carry_over", "connected_components", "match_changes",
           "stale_components"]

_CHUNK = 2_048
_TASK_PAIRS = 8_000_000


@dataclass(frozen=True)
class IncrementalResult:
    """The entities of the affected records, and the components of every current record.

    ``affected`` holds ascending global rows (new or changed records and the unchanged members of
    affected components); ``groups`` covers exactly those, as (dataset, record) positions like
    ``MatchResult.groups``. Every other current record keeps its previous entity.
    """

    affected: np.ndarray
    groups: Groups
    components: np.ndarray
    comparisons: int
    candidate_pairs: int


def connected_components(record_count: int, lower: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Given a record count and the pairs (row indices) of a candidate graph, returns each row's
    component label: the smallest row index of its component."""
    labels = np.arange(record_count, dtype=np.int64)
    lower, higher = np.asarray(lower, dtype=np.int64), np.asarray(higher, dtype=np.int64)
    while len(lower):
        before = labels.copy()
        smaller = np.minimum(labels[lower], labels[higher])
        np.minimum.at(labels, lower, smaller)
        np.minimum.at(labels, higher, smaller)
        while True:  # pointer jumping: each label to its label's label
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(before, labels):
            break
    return labels


def _global_rows(matrix: ClkMatrix, candidates: CandidatePairs) -> tuple[np.ndarray, np.ndarray]:
    _, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates
    return (matrix.offsets[dataset_lower] + record_lower.astype(np.int64),
            matrix.offsets[dataset_higher] + record_higher.astype(np.int64))


def candidate_components(matrix: ClkMatrix, candidates: CandidatePairs) -> np.ndarray:
    """Given a full run's packed CLKs and candidates, returns each row's component label."""
    return connected_components(matrix.record_count, *_global_rows(matrix, candidates))


def carry_over(previous_keys: Sequence[Hashable], previous_rows: np.ndarray, current_keys: Sequence[Hashable],
               current_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Given the previous run's record keys and CLK rows and the current ones, returns for each
    current record (its index in the previous run by key, or -1 when new; the same index, or -1
    when new or its CLK changed)."""
    index_of = {key: index for index, key in enumerate(previous_keys)}
    known = np.fromiter((index_of.get(key, -1) for key in current_keys), dtype=np.int64,
                        count=len(current_keys))
    carried = known.copy()
    present = np.flatnonzero(known >= 0)
    same = np.all(previous_rows[known[present]] == current_rows[present], axis=1)
    carried[present[~same]] = -1
    return known, carried


def stale_components(previous_components: np.ndarray, carried: np.ndarray) -> np.ndarray:
    """Returns the labels of the previous components that lost a record (deleted or changed)."""
    kept = np.zeros(len(previous_components), dtype=bool)
    kept[carried[carried >= 0]] = True
    return np.unique(previous_components[~kept])


def _changed_pairs(rows: np.ndarray, changed: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    """Returns (similarities, lower, higher) of every pair of a changed row with any row, ≥ threshold."""
    everyone = np.arange(len(rows), dtype=np.int64)
    units = [(changed[start:start + _CHUNK], everyone[other:other + _CHUNK])
             for start in range(0, len(changed), _CHUNK) for other in range(0, len(rows), _CHUNK)]
    similarities, left, right = _compare_units(rows, units, threshold)
    lower, higher = np.minimum(left, right), np.maximum(left, right)
    different = lower != higher
    return _deduplicate(similarities[different], lower[different], higher[different])


def _component_pairs(rows: np.ndarray, members: np.ndarray, labels: np.ndarray,
                     threshold: float) -> tuple[tuple[np.ndarray, ...], int]:
    """Given rows grouped by component label, returns the pairs within each component ≥ threshold
    and the number of pairs compared."""
    order = np.lexsort((members, labels))
    members, labels = members[order], labels[order]
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    ends = np.r_[starts[1:], len(members)]
    blocks = [members[start:end] for start, end in zip(starts.tolist(), ends.tolist()) if end - start >= 2]
    units = list(_table_units(TableBlocks(blocks=blocks), _CHUNK, _TASK_PAIRS))
    return _compare_units(rows, [unit for unit, _ in units], threshold), sum(cost for _, cost in units)


def match_changes(matrix: ClkMatrix, changed: np.ndarray, previous_components: np.ndarray,
                  stale_components: np.ndarray, settings: MatchSettings) -> IncrementalResult:
    """Given the current packed CLKs (records in the order a full run packs them), the rows that are
    new or changed, each current row's component label from the previous run (any value for
    changed rows), the labels of components that lost a record (deleted, or changed away) and the
    settings of the previous run, returns the entities of the affected records.

    Labels of the previous run must be non-negative. Raises ``ValueError`` when the settings
    are unusable.
    """
    problems = settings.problems()
    if problems:
        raise ValueError("; ".join(problems))
    rows, threshold = matrix.rows, min(settings.threshold, settings.within_threshold)
    changed = np.asarray(changed, dtype=np.int64)
    is_changed = np.zeros(matrix.record_count, dtype=bool)
    is_changed[changed] = True
    lsh = choose_strategy(matrix.record_count, settings.blocking) == "lsh"

    found = _changed_pairs(rows, changed, threshold)
    comparisons = len(changed) * matrix.record_count - len(changed) * (len(changed) + 1) // 2
    if lsh and len(found[0]):
        keep = pairs_share_a_block(rows, found[1], found[2], settings.blocking)
        found = tuple(column[keep] for column in found)
    partners_of_changed = np.concatenate([found[1], found[2]])
    partners_of_changed = partners_of_changed[~is_changed[partners_of_changed]]
    affected_labels = np.union1d(np.asarray(stale_components, dtype=np.int64),
                                 previous_components[partners_of_changed])
    in_affected = ~is_changed & np.isin(previous_components, affected_labels)
    unchanged_members = np.flatnonzero(in_affected)
    within, within_comparisons = _component_pairs(rows, unchanged_members,
                                                  previous_components[unchanged_members], threshold)
    comparisons += within_comparisons
    if lsh and len(within[0]):
        keep = pairs_share_a_block(rows, within[1], within[2], settings.blocking)
        within = tuple(column[keep] for column in within)
    similarities, lower, higher = (np.concatenate(parts) for parts in zip(found, within))

    affected = np.flatnonzero(in_affected | is_changed)
    order = np.lexsort((higher, lower, -similarities))
    similarities, lower, higher = similarities[order], lower[order], higher[order]
    groups = _solve_subset(matrix, affected, similarities, lower, higher, settings)

    components = previous_components.astype(np.int64, copy=True)
    offset = int(max(previous_components.max(initial=-1), matrix.record_count)) + 1
    local = connected_components(len(affected), np.searchsorted(affected, lower),
                                 np.searchsorted(affected, higher))
    components[affected] = offset + affected[local]
    return IncrementalResult(affected=affected, groups=groups, components=components,
                             comparisons=comparisons, candidate_pairs=len(similarities))


def _solve_subset(matrix: ClkMatrix, affected: np.ndarray, similarities: np.ndarray, lower: np.ndarray,
                  higher: np.ndarray, settings: MatchSettings) -> Groups:
    """Solves the affected records' pairs on compact, order-preserving record indices (datasets
    keep their index, so the solver's one-record-per-partner rule is the full run's)."""
    datasets, records = matrix.positions(affected)
    counts = np.bincount(datasets, minlength=len(matrix.offsets) - 1)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    compact = np.arange(len(affected)) - starts[datasets]
    position_lower, position_higher = np.searchsorted(affected, lower), np.searchsorted(affected, higher)
    candidates = (similarities.astype(np.float64),
                  (datasets[position_lower], datasets[position_higher]),
                  (compact[position_lower].astype(np.uint32), compact[position_higher].astype(np.uint32)))
    solved = solve_groups(candidates, counts.tolist(), settings.merge_threshold,
                          threshold=settings.threshold, within_threshold=settings.within_threshold)
    back = [records[starts[dataset]:starts[dataset] + count] for dataset, count in enumerate(counts)]
    return tuple(tuple((dataset, int(back[dataset][record])) for dataset, record in group) for group in solved)
