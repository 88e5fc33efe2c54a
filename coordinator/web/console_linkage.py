"""Console pages on linkage: the quality and equity report of the last match run with its
warnings, and the threshold review of one run (``match review RUN`` as a page).

Both show counts, rates, thresholds and reasons only (what ``outputs.quality`` and
``matching.review`` produce): never a record, a pair's score or an identifier. Viewing the
quality report is audited, as on the command line.
"""

from __future__ import annotations

from typing import Any

from flask import g, render_template

from hublink.coordinator.api.context import current_home
from hublink.coordinator.jobs.queue import get_run
from hublink.coordinator.outputs.quality import MIN_GROUP_RECORDS, quality_report
from hublink.coordinator.web.console import blueprint, login_required
from hublink.coordinator.web.tables import dimension_label

__all__ = ["STAGE_TITLES", "histogram_rows", "quality", "review"]

STAGE_TITLES = {"across": "Across partners", "within": "Within one partner"}


def histogram_rows(stage: dict[str, Any], bin_width: float) -> list[dict[str, Any]]:
    """Given one stage of a stored review, returns its histogram as rows (bin start and end,
    candidate and best-match counts, share of the largest bin, whether the threshold falls in
    it)."""
    largest = max((count for _, count in stage["candidate_histogram"]), default=0) or 1
    rows = []
    for (start, count), (_, best) in zip(stage["candidate_histogram"],
                                         stage["best_pair_histogram"]):
        rows.append({"start": start, "end": round(start + bin_width, 4), "candidates": count,
                     "best": best, "share": 100 * count / largest,
                     "threshold": start <= stage["threshold"] < start + bin_width})
    return rows


@blueprint.get("/quality")
@login_required
def quality() -> str:
    """The last match run's linkage quality and equity report: match rates by group and by
    partner, entity sizes and every warning (viewing it is audited)."""
    report = quality_report(current_home(), actor=g.console_user.actor)
    return render_template("console/quality.html", report=report,
                           min_group_records=MIN_GROUP_RECORDS, dimension_label=dimension_label)


@blueprint.get("/runs/<int:run_id>/review")
@login_required
def review(run_id: int) -> str:
    """The threshold review of match run ``run_id``: per stage, how its threshold was chosen
    and why, estimated matches and look-alikes, and the similarity histograms as counts."""
    run = get_run(current_home().database, run_id)
    stages = []
    if run.review:
        for stage in run.review["stages"]:
            stages.append({**stage, "title": STAGE_TITLES.get(stage["stage"], stage["stage"]),
                           "rows": histogram_rows(stage, run.review["bin_width"])})
    return render_template("console/review.html", run=run, review=run.review, stages=stages)
