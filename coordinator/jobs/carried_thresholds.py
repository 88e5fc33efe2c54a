"""An incremental run links with the thresholds the run it builds on chose.

A full run estimates its thresholds from all its similarities (``matching.thresholds``); an
incremental run compares only the changed records, far too few pairs to estimate from, and its
result must equal a full run's on the same data. So it carries the thresholds of the run whose
state it extends (recorded in that run's review), and says so in its own review. Thresholds the
operator set for the run are used as they are. A state run without a review (made before runs
kept one) cannot be extended: the caller then matches in full.

Partners' parts (``outputs.link_ids``) are made the same way: the thresholds each partner's parts
were made with are kept in the run's review (``partner_thresholds``: thresholds, no counts or
scores); an incremental run makes a changed partner's parts with that partner's, and a full run
estimates them afresh from the partner's own records. A partner's parts are a full match of its
records, so with its thresholds held, records it did not change keep their parts.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, Mapping

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.matching import MatchSettings
from hublink.coordinator.outputs.link_ids import PartThresholds
from hublink.coordinator.storage.models import MatchRun

__all__ = ["carried_thresholds", "part_thresholds", "run_part_thresholds", "with_part_thresholds"]

_PARTS = "partner_thresholds"


def carried_thresholds(home: CoordinatorHome, state_run_id: int,
                       settings: MatchSettings) -> tuple[MatchSettings, dict[str, Any] | None]:
    """Given the run whose state an incremental run extends and the run's settings, returns the
    settings with every threshold left to estimate filled from that run, and the review the
    incremental run records; (settings, None) when that run kept no review."""
    with home.database.session() as session:
        run = session.get(MatchRun, state_run_id)
        stored = run.review if run is not None else None
    stages = {stage["stage"]: stage for stage in (stored or {}).get("stages", [])}
    if not {"across", "within"} <= set(stages):
        return settings, None
    filled = replace(settings,
                     threshold=settings.threshold if settings.threshold is not None
                     else stages["across"]["threshold"],
                     within_threshold=settings.within_threshold
                     if settings.within_threshold is not None else stages["within"]["threshold"])
    review = copy.deepcopy(stored)
    review["carried_from_run"] = state_run_id
    for stage in review["stages"]:
        given = settings.threshold if stage["stage"] == "across" else settings.within_threshold
        if stage["stage"] not in ("across", "within"):
            continue
        if given is not None:
            stage.update(threshold=given, method="given", reason="set by the operator for this run")
        else:
            stage["reason"] = (f"carried from run {state_run_id}, whose state this incremental run "
                               f"extends: {stage['reason']}")
    return filled, review


def part_thresholds(review: Mapping[str, Any] | None) -> PartThresholds:
    """Returns the thresholds each partner's parts were made with, as a run's review keeps them
    (none for a run made before reviews kept them)."""
    return {int(partner_id): (float(across), float(within))
            for partner_id, (across, within) in (review or {}).get(_PARTS, {}).items()}


def run_part_thresholds(home: CoordinatorHome, run_id: int) -> PartThresholds:
    """Returns the thresholds each partner's parts were made with in run ``run_id``."""
    with home.database.session() as session:
        run = session.get(MatchRun, run_id)
        return part_thresholds(run.review if run is not None else None)


def with_part_thresholds(review: dict[str, Any], thresholds: PartThresholds) -> dict[str, Any]:
    """Returns ``review`` holding ``thresholds`` as the partners' parts' (JSON: ids as strings)."""
    return {**review, _PARTS: {str(partner_id): [across, within]
                               for partner_id, (across, within) in sorted(thresholds.items())}}
