"""The operator's review of a match run's thresholds: counts only, never a pair's or record's score.

Built inside the engine from the run's candidate pairs and kept on the run (``MatchRun.review``);
``hublink-coordinator match review RUN`` prints it. Per stage: a histogram of candidate-pair and
best-match-pair similarities as counts in bins of ``BIN_WIDTH``, the threshold, how it was chosen
and why, the fitted mixture's estimated matches and look-alikes at or above it and matches below
it, and how many records have a best-match pair within ``NEAR`` of it.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numba
import numpy as np

from hublink.coordinator.matching.best_pairs import StageBestPairs, stage_best_pairs
from hublink.coordinator.matching.compare import CandidatePairs
from hublink.coordinator.matching.thresholds import StageEstimate

__all__ = ["BIN_WIDTH", "NEAR", "build_review", "review_lines"]

BIN_WIDTH = 0.02
NEAR = 0.02
_STAGE_TITLES = {"across": "across partners", "within": "within one partner"}


def _edges(low: float) -> np.ndarray:
    """The bins' edges from ``low`` (rounded down to a bin) to 1 (the last bin holds 1)."""
    start = math.floor(low / BIN_WIDTH) * BIN_WIDTH
    return np.append(np.arange(start, 1.0, BIN_WIDTH), 1.0 + 1e-9)


def _histogram(similarities: np.ndarray, low: float) -> list[list[float | int]]:
    """Returns [[bin start, count], ...] from ``low`` (rounded down to a bin) to 1."""
    edges = _edges(low)
    counts, _ = np.histogram(similarities, bins=edges)
    return _bins(edges, counts)


def _bins(edges: np.ndarray, counts: np.ndarray) -> list[list[float | int]]:
    return [[round(float(edge), 2), int(count)] for edge, count in zip(edges[:-1], counts)]


@numba.njit(nogil=True, cache=True)
def _stage_counts(similarities, in_stage, edges, threshold):
    """Returns (the stage's pairs, those at or above ``threshold``, counts per bin of ``edges``) in
    one pass, without copying the stage's similarities (hundreds of millions at a million records)."""
    counts = np.zeros(len(edges) - 1, dtype=np.int64)
    pairs = 0
    above = 0
    for pair in range(len(similarities)):
        if in_stage[pair]:
            similarity = similarities[pair]
            pairs += 1
            above += similarity >= threshold
            place = np.searchsorted(edges, similarity, side="right") - 1
            if 0 <= place < len(counts):
                counts[place] += 1
    return pairs, above, counts


def build_review(candidates: CandidatePairs, floor: float, estimates: tuple[StageEstimate, ...],
                 best: StageBestPairs | None = None) -> dict[str, Any]:
    """Given a run's candidate pairs, its candidate floor, stage estimates and optionally the
    stages' best-match pairs (``stage_best_pairs``; computed when not given), returns the review
    as plain JSON-serialisable data (counts, thresholds, reasons)."""
    similarities = np.asarray(candidates[0], dtype=np.float64)
    same_dataset = np.asarray(candidates[1][0]) == np.asarray(candidates[1][1])
    best = stage_best_pairs(candidates) if best is None else best
    stages = []
    edges = _edges(floor)
    for estimate in estimates:
        in_stage = same_dataset == (estimate.stage == "within")
        stage_best = best["within" if estimate.stage == "within" else "across"]
        best_similarities = similarities[stage_best]
        near = stage_best[np.abs(best_similarities - estimate.threshold) <= NEAR]
        records = {(int(candidates[1][side][index]), int(candidates[2][side][index]))
                   for index in near for side in (0, 1)}
        entry = asdict(estimate)
        for key in ("estimated_matches", "estimated_non_matches", "missed_matches"):
            if entry[key] is not None:
                entry[key] = int(round(entry[key]))
        pairs, above, counts = _stage_counts(similarities, in_stage, edges, estimate.threshold)
        entry.update(candidate_pairs=int(pairs), pairs_at_or_above=int(above),
                     best_pairs_at_or_above=int((best_similarities >= estimate.threshold).sum()),
                     records_near_threshold=len(records),
                     candidate_histogram=_bins(edges, counts),
                     best_pair_histogram=_histogram(best_similarities, floor))
        stages.append(entry)
    return {"floor": round(floor, 4), "bin_width": BIN_WIDTH, "near": NEAR, "stages": stages}


def review_lines(review: dict[str, Any]) -> list[str]:
    """Given a stored review, returns it as lines for a terminal."""
    lines = [f"candidate floor {review['floor']:.3f} (random-pair background); "
             f"bins of {review['bin_width']}"]
    for stage in review["stages"]:
        title = _STAGE_TITLES.get(stage["stage"], stage["stage"])
        lines += ["", f"{title}: threshold {stage['threshold']:.3f} ({stage['method']})",
                  f"  why: {stage['reason']}",
                  f"  candidate pairs {stage['candidate_pairs']:,}, at or above the threshold "
                  f"{stage['pairs_at_or_above']:,}; best-match pairs {stage['best_pairs']:,}, at "
                  f"or above {stage['best_pairs_at_or_above']:,}"]
        if stage.get("estimated_matches") is not None:
            lines.append(f"  estimated at or above: {stage['estimated_matches']:,} matches, "
                         f"{stage['estimated_non_matches']:,} look-alikes; estimated matches "
                         f"below: {stage['missed_matches']:,}")
        lines.append(f"  records with a best-match pair within {review['near']} of the "
                     f"threshold: {stage['records_near_threshold']:,}")
        lines.append("  similarity   candidate pairs   best-match pairs")
        for (start, count), (_, best) in zip(stage["candidate_histogram"], stage["best_pair_histogram"]):
            marker = " <- threshold" if start <= stage["threshold"] < start + review["bin_width"] else ""
            lines.append(f"  {start:.2f}-{start + review['bin_width']:.2f}  {count:>15,}  "
                         f"{best:>17,}{marker}")
    parts = review.get("partner_thresholds")
    if parts:
        within = [pair[1] for pair in parts.values()]
        lines += ["", f"partner link IDs: {len(parts)} partners' own parts made at within-partner "
                      f"thresholds {min(within):.3f} to {max(within):.3f} (each partner's, from its "
                      f"own records in a full run, carried by an incremental one)"]
    return lines
