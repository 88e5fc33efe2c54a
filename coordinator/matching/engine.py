"""The matching engine: blocking, comparing and solving every partner's records in one run."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields, replace
from typing import Any, Sequence

from hublink.coordinator.matching.best_pairs import stage_best_pairs
from hublink.coordinator.matching.blocking import BlockingSettings, choose_strategy
from hublink.coordinator.matching.compare import Comparison, compare_blocks
from hublink.coordinator.matching.incremental import candidate_graph
from hublink.coordinator.matching.progress import Progress, ProgressCallback
from hublink.coordinator.matching.random_pairs import random_pairs
from hublink.coordinator.matching.records import ClkMatrix, InvalidMatchInput, PartnerClks, pack_datasets
from hublink.coordinator.matching.review import build_review
from hublink.coordinator.matching.solve import DEFAULT_MERGE_THRESHOLD, Groups, solve_groups
from hublink.coordinator.matching.thresholds import choose_thresholds
from hublink.coordinator.matching.workers import default_processes

__all__ = ["MatchSettings", "MatchResult", "compare_at_floor", "match_partners"]


@dataclass(frozen=True)
class MatchSettings:
    """How records are matched.

    ``threshold``: the Dice similarity at or above which records of two partners may link.
    ``within_threshold``: the same for two records of one partner (duplicates).
    Either left None (the default) is estimated for each run from the run's own similarities
    (``matching.thresholds``), so it follows the data and the encoding without tuning.
    ``merge_threshold``: the share of candidate pairs between a record and a group the solver
    needs to join them (``solve.DEFAULT_MERGE_THRESHOLD``); two groups of several records each
    need at least ``solve.GROUP_MERGE_THRESHOLD``.

    A queued run stores ``to_dict()``, and its worker rebuilds the settings with ``from_dict``.
    """

    threshold: float | None = None
    within_threshold: float | None = None
    merge_threshold: float = DEFAULT_MERGE_THRESHOLD
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

    def check(self) -> MatchSettings:
        """Returns these settings; raises :class:`InvalidMatchInput` listing every problem."""
        problems = self.problems()
        if problems:
            raise InvalidMatchInput("the match settings are invalid", details=problems)
        return self

    def to_dict(self) -> dict[str, Any]:
        """Returns the settings that differ from the defaults, as JSON-ready values (blocking
        as a dict of its own non-default fields)."""
        values: dict[str, Any] = {}
        for name, value, default in _differences(self, MatchSettings()):
            if name == "blocking":
                value = {key: item for key, item, _ in _differences(value, default)}
            values[name] = value
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> MatchSettings:
        """Given ``to_dict``'s output (or any part of it), returns the settings; raises
        :class:`InvalidMatchInput` listing every unknown name, wrong type and out-of-range value."""
        blocking = values.get("blocking") or {}
        problems = [] if isinstance(blocking, dict) else ["blocking must be a table of settings"]
        blocking = blocking if isinstance(blocking, dict) else {}
        usable = _usable({key: value for key, value in values.items() if key != "blocking"},
                         cls, "", problems)
        usable_blocking = _usable(blocking, BlockingSettings, "blocking ", problems)
        settings = cls(**usable, blocking=BlockingSettings(**usable_blocking))
        problems += settings.problems()
        if problems:
            raise InvalidMatchInput("the match settings are invalid", details=problems)
        return settings


def _differences(settings: Any, defaults: Any) -> list[tuple[str, Any, Any]]:
    return [(item.name, value, default) for item in fields(settings)
            if (value := getattr(settings, item.name)) != (default := getattr(defaults, item.name))]


def _usable(values: dict[str, Any], kind: type, prefix: str, problems: list[str]) -> dict[str, Any]:
    """Returns the values named and typed as ``kind``'s fields; notes every other one in ``problems``."""
    defaults = {item.name: getattr(kind(), item.name) for item in fields(kind) if item.name != "blocking"}
    usable = {}
    for name, value in values.items():
        if name not in defaults:
            known = ", ".join(sorted(item.name for item in fields(kind)))
            problems.append(f"unknown {prefix}setting {name!r} (known: {known})")
        elif _same_type(value, defaults[name]):
            usable[name] = value
        else:
            problems.append(f"{prefix}{name} has the wrong type (got {value!r})")
    return usable


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(value, bool) or isinstance(default, str):
        return isinstance(value, str) and isinstance(default, str)
    if isinstance(default, int):
        return isinstance(value, int)
    # a float, or None for a threshold estimated for each run
    return isinstance(value, (int, float)) or (value is None and default is None)


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


def compare_at_floor(matrix: ClkMatrix, settings: MatchSettings, client: Any = None,
                     progress: ProgressCallback | None = None) -> tuple[float, float | None, Comparison]:
    """Given packed CLKs, settings whose blocking is fitted to them (``BlockingSettings.for_clks``),
    an optional Dask client and progress callback, returns (candidate floor, random-pair spread or
    None for a handful of records, the comparison at that floor). The floor is the random pairs'
    (``random_pairs.RandomPairs.floor``), or the lower of the operator's thresholds when it is
    lower or both are given, so every pair either stage could link is a candidate."""
    given = [value for value in (settings.threshold, settings.within_threshold) if value is not None]
    background = random_pairs(matrix.rows)
    estimated_floor = background.floor if background is not None else 0.5
    floor = min([estimated_floor, *given]) if len(given) < 2 else min(given)
    processes = default_processes(matrix.record_count) if client is None else 0
    comparison = compare_blocks(matrix, floor, settings.blocking, client=client, processes=processes,
                                progress=progress)
    return floor, background.spread if background is not None else None, comparison


def match_partners(
    datasets: Sequence[PartnerClks],
    settings: MatchSettings = MatchSettings(),
    client: Any = None,
    progress: ProgressCallback | None = None,
) -> MatchResult:
    """Given every partner's CLKs, settings, an optional ``dask.distributed.Client`` and an optional
    progress callback, returns the entities across and within partners.

    Without a client the comparisons run on one worker process per core (matches of
    ``workers.PROCESSES_FROM`` records or more) or on Dask's local threaded scheduler. Stage
    ``blocking`` counts blocking done in this process; on worker processes or a client each task
    blocks its own LSH table, inside stage ``comparing``. Raises
    :class:`InvalidMatchInput`, listing every problem, when the settings or datasets are unusable.
    """
    settings.check()
    report = progress or (lambda step: None)
    matrix = pack_datasets(datasets)
    settings = replace(settings, blocking=settings.blocking.for_clks(matrix.rows))
    records = matrix.record_count
    strategy = choose_strategy(records, settings.blocking)
    report(Progress("comparing", 0, records * (records - 1) // 2 if strategy == "all_pairs" else None,
                    f"matching {records:,} records of {len(datasets)} datasets ({strategy})"))

    started = time.perf_counter()
    floor, spread, comparison = compare_at_floor(matrix, settings, client, report)
    blocking_seconds = comparison.blocking_seconds
    split_blocks = comparison.split_blocks
    comparing_seconds = time.perf_counter() - started - blocking_seconds
    report(Progress("solving", comparison.comparisons, None, f"{comparison.candidate_count:,} "
                    f"candidate pairs from {comparison.comparisons:,} comparisons"))

    started = time.perf_counter()
    best = stage_best_pairs(comparison.candidates)  # the fit's and the review's, found once
    estimates = choose_thresholds(comparison.candidates, floor, settings.threshold,
                                  settings.within_threshold, spread, best)
    across, within = (estimate.threshold for estimate in estimates)
    report(Progress("solving", message=f"thresholds {across:.3f} across partners "
                    f"({estimates[0].method}), {within:.3f} within one partner ({estimates[1].method})"))
    groups = solve_groups(comparison.candidates, matrix.record_counts, settings.merge_threshold,
                          threshold=across, within_threshold=within)
    solving_seconds = time.perf_counter() - started
    report(Progress("solving", message=f"{len(groups):,} entities"))
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
        review=build_review(comparison.candidates, floor, estimates, best),
        graph=candidate_graph(matrix, comparison.candidates, across, within),
    )
