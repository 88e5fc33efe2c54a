"""Incremental matching: re-link only what the records changed since the last run touched.

The candidate graph of a run joins every pair of records its blocking compared and found at or
above the lower of the two thresholds. The solver (``matching.solve``) decides each connected
component of that graph from the component's own pairs alone, so an entity never spans two
components. A run therefore keeps its graph (:class:`CandidateGraph`), and the next run:

- keeps the pairs between records that did not change (same CLK: same similarity, same blocks);
- compares each new or changed record with every current record (exact Dice), then keeps the
  pairs a full run's blocking would compare (:func:`blocking.pairs_share_a_block`);
- re-solves only the *affected* components of the new graph: those holding a new or changed
  record, or a record whose old component lost a member (deleted, or changed away).

That gives the entities of a full run on the same data. The one documented difference: a full
run splits an LSH block larger than ``max_block_size`` by more bits, which can part a pair that
the incremental run keeps (none at city scale; see docs/matching.md).

The graph holds similarities: it is the coordinator's own, kept sealed at rest with the CLKs
(``jobs.match_state``), never logged or returned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Hashable, Sequence

import numpy as np

from hublink.coordinator.matching.blocking import choose_strategy, pairs_share_a_block
from hublink.coordinator.matching.compare import CandidatePairs
from hublink.coordinator.matching.records import ClkMatrix
from hublink.coordinator.matching.solve import Groups, component_labels, solve_groups
from hublink.coordinator.matching.work_units import Across, compare_units, deduplicate_pairs

if TYPE_CHECKING:  # the engine imports this module
    from hublink.coordinator.matching.engine import MatchSettings

__all__ = ["CandidateGraph", "IncrementalResult", "candidate_graph", "carry_over", "component_labels",
           "match_changes"]

_CHUNK = 2_048


@dataclass(frozen=True)
class CandidateGraph:
    """A run's candidate pairs as global rows (``lower < higher``) with their similarities."""

    lower: np.ndarray
    higher: np.ndarray
    similarities: np.ndarray

    def carried(self, carried: np.ndarray, previous_count: int) -> "CandidateGraph":
        """Given, for each current row, its row in this graph's run (of ``previous_count`` rows)
        or -1 (new or changed), returns the pairs between carried rows, in current rows."""
        current_of = np.full(previous_count, -1, dtype=np.int64)
        rows = np.flatnonzero(carried >= 0)
        current_of[carried[rows]] = rows
        lower, higher = current_of[self.lower], current_of[self.higher]
        keep = (lower >= 0) & (higher >= 0)
        lower, higher = lower[keep], higher[keep]
        return CandidateGraph(np.minimum(lower, higher), np.maximum(lower, higher), self.similarities[keep])


def candidate_graph(matrix: ClkMatrix, candidates: CandidatePairs, threshold: float,
                    within_threshold: float) -> CandidateGraph:
    """Given a full run's packed CLKs and candidates and the thresholds it solved with, returns its
    candidate graph: the pairs the solver could use (see ``solver_pairs``)."""
    similarities, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates
    keep = _solver_uses(similarities, dataset_lower == dataset_higher, threshold, within_threshold)
    return CandidateGraph(matrix.offsets[dataset_lower[keep]] + record_lower[keep].astype(np.int64),
                          matrix.offsets[dataset_higher[keep]] + record_higher[keep].astype(np.int64),
                          np.asarray(similarities, dtype=np.float64)[keep])


def _solver_uses(similarities: np.ndarray, same_dataset: np.ndarray, threshold: float,
                 within_threshold: float) -> np.ndarray:
    """Returns a mask of the pairs at or above their stage's threshold (within one partner, or
    across). The stage is looked at only for pairs above the lower threshold: the few the solver
    may use, not the hundreds of millions of candidates a million records have."""
    keep = similarities >= min(threshold, within_threshold)
    maybe = np.flatnonzero(keep)
    keep[maybe] = similarities[maybe] >= np.where(same_dataset[maybe], within_threshold, threshold)
    return keep


def solver_pairs(graph: CandidateGraph, matrix: ClkMatrix, threshold: float,
                 within_threshold: float) -> CandidateGraph:
    """Returns the pairs of ``graph`` at or above their stage's threshold (within one partner, or
    across partners). The solver ignores the others, so they must not join components either: a
    run whose thresholds sit well above its candidate floor would otherwise make one component of
    the whole city, and every change would re-solve everything."""
    same = matrix.positions(graph.lower)[0] == matrix.positions(graph.higher)[0]  # same dataset
    keep = _solver_uses(graph.similarities, same, threshold, within_threshold)
    return CandidateGraph(graph.lower[keep], graph.higher[keep], graph.similarities[keep])


@dataclass(frozen=True)
class IncrementalResult:
    """The entities of the affected records, and the new candidate graph of every current record.

    ``affected`` holds ascending global rows; ``groups`` covers exactly those, as (dataset, record)
    positions like ``MatchResult.groups``. Every other current record keeps its previous entity.
    """

    affected: np.ndarray
    groups: Groups
    graph: CandidateGraph
    comparisons: int


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


def _changed_pairs(rows: np.ndarray, changed: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    """Returns (similarities, lower, higher) of every pair of a changed row with any row, ≥ threshold."""
    everyone = np.arange(len(rows), dtype=np.int64)
    units = [Across(changed[start:start + _CHUNK], everyone[other:other + _CHUNK])
             for start in range(0, len(changed), _CHUNK) for other in range(0, len(rows), _CHUNK)]
    similarities, left, right = compare_units(rows, units, threshold)
    lower, higher = np.minimum(left, right), np.maximum(left, right)
    different = lower != higher
    return deduplicate_pairs(similarities[different], lower[different], higher[different])


def match_changes(matrix: ClkMatrix, changed: np.ndarray, previous: CandidateGraph, previous_count: int,
                  carried: np.ndarray, settings: MatchSettings) -> IncrementalResult:
    """Given the current packed CLKs (records in the order a full run packs them), the rows that are
    new or changed, the previous run's candidate graph and record count, each current row's row in
    that run (-1: new or changed) and the settings of that run, returns the entities of the
    affected records and the new candidate graph. Raises ``ValueError`` for unusable settings.
    """
    problems = settings.problems()
    if problems:
        raise ValueError("; ".join(problems))
    rows, threshold = matrix.rows, min(settings.threshold, settings.within_threshold)
    settings = replace(settings, blocking=settings.blocking.for_clks(rows))
    changed = np.asarray(changed, dtype=np.int64)
    found = _changed_pairs(rows, changed, threshold) if len(changed) else (np.empty(0), np.empty(0, np.int64),
                                                                          np.empty(0, np.int64))
    comparisons = len(changed) * matrix.record_count - len(changed) * (len(changed) + 1) // 2
    if choose_strategy(matrix.record_count, settings.blocking) == "lsh" and len(found[0]):
        keep = pairs_share_a_block(rows, found[1], found[2], settings.blocking)
        found = tuple(column[keep] for column in found)
    kept = previous.carried(carried, previous_count)
    graph = solver_pairs(CandidateGraph(*(np.concatenate(parts) for parts in
                                          zip((kept.lower, kept.higher, kept.similarities),
                                              (found[1], found[2], found[0])))),
                         matrix, settings.threshold, settings.within_threshold)

    # the old components that lost a member: their other members may now split apart
    old_labels = component_labels(previous_count, previous.lower, previous.higher)
    survived = np.zeros(previous_count, dtype=bool)
    survived[carried[carried >= 0]] = True
    lost = np.zeros(int(old_labels.max(initial=-1)) + 1, dtype=bool)
    lost[old_labels[~survived]] = True
    touched = np.zeros(matrix.record_count, dtype=bool)
    touched[changed] = True
    carried_rows = np.flatnonzero(carried >= 0)
    touched[carried_rows[lost[old_labels[carried[carried_rows]]]]] = True

    labels = component_labels(matrix.record_count, graph.lower, graph.higher)
    affected_labels = np.zeros(int(labels.max(initial=-1)) + 1, dtype=bool)
    affected_labels[labels[touched]] = True
    affected = np.flatnonzero(affected_labels[labels])
    inside = affected_labels[labels[graph.lower]]
    similarities, lower, higher = graph.similarities[inside], graph.lower[inside], graph.higher[inside]
    order = np.lexsort((higher, lower, -similarities))
    groups = _solve_subset(matrix, affected, similarities[order], lower[order], higher[order], settings)
    return IncrementalResult(affected=affected, groups=groups, graph=graph, comparisons=comparisons)


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
