"""An incremental run links with the thresholds the run it builds on chose.

A full run estimates its thresholds from all its similarities (``matching.thresholds``); an
incremental run compares only the changed records, far too few pairs to estimate from, and its
result must equal a full run's on the same data. So it carries the thresholds of the run whose
state it extends (recorded in that run's review), and says so in its own review. Thresholds the
operator set for the run are used as they are. A state run without a review (made before runs
kept one) cannot be extended: the caller then matches in full.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.matching import MatchSettings
from hublink.coordinator.storage.models import MatchRun

__all__ = ["carried_thresholds"]


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
