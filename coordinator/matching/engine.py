"""The matching engine: blocking, comparing and solving every partner's records in one run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from hublink.coordinator.matching.blocking import BlockingSettings, choose_strategy
from hublink.coordinator.matching.compare import compare_blocks
from hublink.coordinator.matching.incremental import candidate_graph
from hublink.coordinator.matching.records import InvalidMatchInput, PartnerClks, pack_datasets
from hublink.coordinator.matching.review import build_review
from hublink.coordinator.matching.solve import Groups, solve_groups
from hublink.coordinator.matching.thresholds import choose_thresholds, random_pairs
from hublink.coordinator.matching.workers import default_processes

__all__ = ["MatchSettings", "MatchResult", "match_partners"]


@dataclass(frozen=True)
class MatchSettings:
    """How records are matched.

    ``threshold``: the Dice similarity at or above which records of two partners may link.
    ``within_threshold``: the same for two records of one partner (duplicates).
    Either left None (the default) is estimated for each run from the run's own similarities
    (``matching.thresholds``), so it follows the data and the encoding without tuning.
    ``merge_threshold``: the share of candidate pairs between two groups the solver needs to merge them.
    """

    threshold: float | None = None
    within_threshold: float | None = None
    merge_threshold: float = 0.8
    blocking: BlockingSettings = field(default_factory=BlockingSettings)

    def problems(self) -> list[str]:
        """Returns every reason these settings are unusable (empty when they are fine)."""
        found = []
        if self.threshold is not None and not 0 < self.threshold <= 1:
            found.append(f"threshold must be in (0, 1] (got {self.threshold})")
        if self.within_threshold is not None and not 0 < self.within_threshold <= 1:
            found.append(f"within_threshold must be in (0, 1] (got {self.within_threshold})")
        if not 0 <= self.merge_threshold <= 1:
            found.append(f"merge_threshold must be in [0, 1] (got {self.merge_threshold})")
        return found + self.blocking.problems()


@dataclass(frozen=True)
class MatchResult:
    """The entities of one match run, and counts that describe the run.

    ``groups`` covers every record exactly once as (dataset_index, record_index), singletons
    included. ``thresholds`` are the (across, within) thresholds used; ``review`` holds the
    thresholds' review (``matching.review``): counts only. Similarity scores are deliberately
    absent: they never leave the coordinator's engine.
    """

    groups: Groups
    record_count: int
    entity_count: int
    comparisons: int
    candidate_pairs: int
    strategy: str
    split_blocks: int
    stage_seconds: dict[str, float]
    thresholds: tuple[float, float] = (0.0, 0.0)
    review: dict[str, Any] = field(default_factory=dict)
    graph: Any = None
    """The run's candidate graph (``matching.incremental.CandidateGraph``): what the next run needs
    to re-link only what changed. It holds similarities: for the coordinator's sealed match state
    only, never to log, return or export."""


def match_partners(
    datasets: Sequence[PartnerClks],
    settings: MatchSettings = MatchSettings(),
    client: Any = None,
    progress: Callable[[str], None] | None = None,
) -> MatchResult:
    """Given every partner's CLKs, settings, an optional ``dask.distributed.Client`` and an optional
    progress callback, returns the entities across and within partners.

    Without a client the comparisons run on one worker process per core (matches of
    ``workers.PROCESSES_FROM`` records or more) or on Dask's local threaded scheduler. Stage
    ``blocking`` counts blocking done in this process; on worker processes or a client each task
    blocks its own LSH table, inside stage ``comparing``. Raises
    :class:`InvalidMatchInput`, listing every problem, when the settings or datasets are unusable.
    """
    problems = settings.problems()
    if problems:
        raise InvalidMatchInput("the match settings are invalid", details=problems)
    report = progress or (lambda message: None)
    matrix = pack_datasets(datasets)
    strategy = choose_strategy(matrix.record_count, settings.blocking)
    report(f"matching {matrix.record_count:,} records of {len(datasets)} datasets ({strategy})")

    started = time.perf_counter()
    processes = default_processes(matrix.record_count) if client is None else 0
    given = [value for value in (settings.threshold, settings.within_threshold) if value is not None]
    background = random_pairs(matrix.rows)
    estimated_floor = background.floor if background is not None else 0.5
    floor = min([estimated_floor, *given]) if len(given) < 2 else min(given)
    comparison = compare_blocks(matrix, floor, settings.blocking,
                                client=client, processes=processes, progress=report)
    blocking_seconds = comparison.blocking_seconds
    split_blocks = comparison.split_blocks
    comparing_seconds = time.perf_counter() - started - blocking_seconds
    report(f"{comparison.candidate_count:,} candidate pairs from {comparison.comparisons:,} comparisons")

    started = time.perf_counter()
    estimates = choose_thresholds(comparison.candidates, floor, settings.threshold,
                                  settings.within_threshold,
                                  background.spread if background is not None else None)
    across, within = (estimate.threshold for estimate in estimates)
    report(f"thresholds {across:.3f} across partners ({estimates[0].method}), "
           f"{within:.3f} within one partner ({estimates[1].method})")
    groups = solve_groups(comparison.candidates, matrix.record_counts, settings.merge_threshold,
                          threshold=across, within_threshold=within)
    solving_seconds = time.perf_counter() - started
    report(f"{len(groups):,} entities")
    return MatchResult(
        groups=groups,
        record_count=matrix.record_count,
        entity_count=len(groups),
        comparisons=comparison.comparisons,
        candidate_pairs=comparison.candidate_count,
        strategy=strategy,
        split_blocks=split_blocks,
        stage_seconds={"blocking": blocking_seconds, "comparing": comparing_seconds, "solving": solving_seconds},
        thresholds=(across, within),
        review=build_review(comparison.candidates, floor, estimates),
        graph=candidate_graph(matrix, comparison.candidates, across, within),
    )
