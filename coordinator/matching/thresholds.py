"""Match thresholds estimated per run from the run's own similarities, so no hub has to tune them.

The estimate adapts to whatever the current encoding does to similarities; nothing in it assumes
a CLK length, fill or schema. Per stage (pairs within one partner, pairs across partners):

1. *Floor*: Dice of random record pairs (nearly all non-matches) gives the background; pairs
   below ``median + FLOOR_SPREADS * spread`` of it are never candidates (``matching.random_pairs``).
2. *Best-match pairs*: a pair whose records are each other's most similar record in the other's
   dataset (or, within a partner, in their own); among each record's ``BEST_PAIRS_PER_RECORD``
   most similar such pairs when records average more than that (many partners; ``matching.best_pairs``). The solver links only such pairs in effect,
   and their similarities form two populations: matches near 1 and look-alikes (siblings, twins,
   namesakes) above the floor.
3. *Mixture*: two beta distributions fitted by EM to those similarities (``matching.beta_mixture``). When the lower one is
   centred in the lower half of the way from the floor to 1, the upper one in the upper half,
   and the pairs' histogram has a valley between them (``VALLEY_DEPTH``) with at least
   ``LOOK_ALIKE_SHARE`` of the pairs below it, the threshold lies in that valley. Without a
   valley, and with the upper one in the upper half, the stage holds matches only (one
   population with a long lower tail): the threshold is ``MATCHES_ONLY_SPREADS`` random-pair
   spreads above the floor. With both components in the lower half, a valley whose histogram
   rises again above it, to pairs centred in the upper half, still separates a few matches (a
   small partner's duplicates) from many look-alikes.
   Otherwise the stage holds look-alikes only: the threshold lies above all but half a pair of
   them, and never below the other stage's. Margins are in random-pair spreads because an encoding that compresses
   similarities (balanced and folded CLKs) narrows the spread with them.
4. A stage with too few best-match pairs takes the other stage's threshold; the within-partner
   stage then takes ``FLOOR_MARGIN`` of the way from it to 1 (nothing keeps a look-alike out of a
   partner's own group, while across partners a record joins a group only in place of none).

Similarities never leave this module except as counts in :class:`StageEstimate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hublink.coordinator.matching.beta_mixture import EDGE, Mixture, fit_mixture, valley_threshold
from hublink.coordinator.matching.best_pairs import StageBestPairs, stage_best_pairs
from hublink.coordinator.matching.compare import CandidatePairs

__all__ = ["StageEstimate", "choose_thresholds", "estimate_stage", "FLOOR_MARGIN",
           "MATCHES_ONLY_SPREADS", "VALLEY_DEPTH", "LOOK_ALIKE_SHARE", "MIN_PAIRS"]

FLOOR_MARGIN = 0.2
"""With no random-pair spread to measure by (a handful of records), or for a within-partner stage
too small to fit, a threshold lies this share of the way from the floor (or the across-partner
threshold) to 1."""
MATCHES_ONLY_SPREADS = {"across": 1.0, "within": 3.0}
"""A stage of matches only starts this many random-pair spreads above the floor: the few
look-alikes such a stage still holds sit just above the floor, too few to fit (FEBRL3: 2% of its
pairs). Spreads, not a share of the way to 1, because an encoding that compresses similarities
toward its random-pair median (a balanced, folded CLK: unrelated pairs about 0.52, spread 0.021,
against 0.36 and 0.043 unhardened) narrows the spread with them. Measured under linkage-v3 with
the household-aware solver, over numbered secrets (``benchmarks/threshold_headroom.py``,
benchmarks/RESULTS-matching.md §15): within one partner, FEBRL3 mean F1 0.9820 at 2.25, 0.9834 at
2.5, 0.9833 at 3.0, but with unrelated records added to it (look-alikes without a match: 400 or
1,500 of FEBRL2's originals) 2.5 lost 0.1-0.7 points to 3.0, so 3.0 stays. Across partners a
record joins a group only in place of none (one record per partner), and a record without a
match rarely has a mutual best pair above the floor: FEBRL4 0.9959-0.9971 at 1.75, 0.9972-0.9983
at 1.0 (ten secrets), and 1.0 beat 1.75 with 3% to 40% of one partner's records removed too
(0.9961-0.9975 against 0.9952-0.9962), where 0.5 began to lose to 1.0."""
VALLEY_DEPTH = 0.8
"""Two populations need a valley: the smoothed histogram between the components' means must fall
to this share of its highest point below that valley. A beta pair fitted to one population with
a long lower tail (matches with several corruptions, compressed toward the floor by a folded
encoding) has none: its histogram only rises (measured depth 1.0 on FEBRL4 across and FEBRL3
under linkage-v2), while look-alikes and matches measured 0.0-0.3, and 0.64 when look-alikes
overlap the matches' tail (tests)."""
LOOK_ALIKE_SHARE = 0.1
"""A valley separates two populations only when at least this share of the stage's best-match
pairs lies below it. Fewer are the handful of look-alikes a stage of matches only keeps just
above the floor, and the valley beside them is a gap in the matches' sparse lower tail: FEBRL3
(2-6% of its pairs below such gaps) took 0.70-0.76 under four secrets in ten, F1 0.81-0.91,
where its labelled optimum is 0.615-0.63 (merge threshold 0.8; about 0.64 at 0.5, §11); the
city's valleys have 40-41% below them (benchmarks/RESULTS-matching.md §9)."""
MIN_PAIRS = 30
"""Fewer best-match pairs than this in a stage are too few to fit: the other stage decides."""
@dataclass(frozen=True)
class StageEstimate:
    """One stage's threshold and why, with counts that describe it (never a pair's score).

    ``method`` is ``mixture`` (two populations), ``matches_only``, ``look_alikes_only``,
    ``too_few_pairs`` or ``given`` (the operator set it). ``estimated_matches`` and
    ``estimated_non_matches`` count best-match pairs at or above the threshold by the fitted
    mixture (None without one); ``missed_matches`` the estimated matches below it.
    """

    stage: str
    threshold: float
    method: str
    reason: str
    best_pairs: int
    estimated_matches: float | None = None
    estimated_non_matches: float | None = None
    missed_matches: float | None = None


def _centred_in_upper_half(scaled: np.ndarray) -> bool:
    """Whether pairs above a valley are matches: centred in the upper half above the floor. The
    upper component's own mean is not the test, because a few matches (a small partner's
    duplicates) beside many look-alikes pull it into the lower half (measured: 0.49 with 15
    duplicates at 0.8-1.0 beside 160 look-alikes, which read as look-alikes only, at 0.99)."""
    return len(scaled) > 0 and float(np.median(scaled)) >= 0.5


def estimate_stage(stage: str, similarities: np.ndarray, floor: float,
                   lowest: float | None = None, spread: float | None = None) -> StageEstimate:
    """Given a stage's name, its best-match pairs' similarities, the candidate floor, the
    lowest threshold a look-alikes-only stage may take (the other stage's) and the random-pair
    spread (None: unknown, see ``FLOOR_MARGIN``), returns its estimate.

    Raises ``ValueError`` when fewer than ``MIN_PAIRS`` similarities are given.
    """
    pairs = len(similarities)
    if pairs < MIN_PAIRS:
        raise ValueError(f"{pairs} best-match pairs are too few to fit")
    width = 1.0 - floor
    scaled = np.clip((np.asarray(similarities, dtype=np.float64) - floor) / width, EDGE, 1 - EDGE)
    mixture = fit_mixture(scaled)
    lower_mean, upper_mean = mixture.means[0], mixture.means[-1]
    valley, depth = valley_threshold(scaled, mixture) if lower_mean < 0.5 <= upper_mean else (0.0, 1.0)
    if depth <= VALLEY_DEPTH and np.mean(scaled < valley) >= LOOK_ALIKE_SHARE:
        return _between_populations(stage, similarities, scaled, mixture, floor + valley * width,
                                    "look-alikes in the lower and matches in the upper half above "
                                    "the floor")
    if upper_mean >= 0.5:
        spreads = MATCHES_ONLY_SPREADS.get(stage, max(MATCHES_ONLY_SPREADS.values()))
        margin = (f"{spreads:g} random-pair spreads above the floor" if spread
                  else f"{FLOOR_MARGIN:.0%} of the way from the floor to 1")
        threshold = floor + (spreads * spread if spread else FLOOR_MARGIN * width)
        return StageEstimate(
            stage, round(min(threshold, 0.99), 4), "matches_only",
            f"one population in {pairs:,} best-match pairs, reaching the upper half above the "
            f"floor with no valley below it: matches; threshold {margin}",
            pairs)
    if lower_mean < 0.5:
        valley, depth = valley_threshold(scaled, mixture, both_sides=True)
        if depth <= VALLEY_DEPTH and _centred_in_upper_half(scaled[scaled >= valley]):
            return _between_populations(stage, similarities, scaled, mixture, floor + valley * width,
                                        "many look-alikes in the lower half above the floor, a few "
                                        "matches centred in the upper half")
    threshold = float(np.quantile(similarities, 1 - 0.5 / pairs))
    threshold = min(0.99, max(threshold, lowest if lowest is not None else floor))
    return StageEstimate(
        stage, round(threshold, 4), "look_alikes_only",
        f"one population in {pairs:,} best-match pairs, in the lower half above the floor: "
        "look-alikes; threshold above all but half a pair of them, and not below the other "
        "stage's", pairs)


def _between_populations(stage: str, similarities: np.ndarray, scaled: np.ndarray,
                         mixture: Mixture, threshold: float, populations: str) -> StageEstimate:
    """The estimate of a stage whose threshold lies in the valley between two populations."""
    match_share = mixture.match_posterior(scaled)
    above = similarities >= threshold
    return StageEstimate(
        stage, round(threshold, 4), "mixture",
        f"two populations in {len(similarities):,} best-match pairs, {populations}: threshold in "
        "the valley between them", len(similarities), float(match_share[above].sum()),
        float((1 - match_share[above]).sum()), float(match_share[~above].sum()))


def _given(stage: str, threshold: float, pairs: int) -> StageEstimate:
    return StageEstimate(stage, threshold, "given", "set by the operator for this run", pairs)


def choose_thresholds(candidates: CandidatePairs, floor: float, threshold: float | None,
                      within_threshold: float | None,
                      spread: float | None = None,
                      best: StageBestPairs | None = None) -> tuple[StageEstimate, StageEstimate]:
    """Given candidate pairs (sorted by decreasing similarity, all at or above ``floor``), the
    operator's thresholds (None: estimate), the random-pair spread (``random_pairs.RandomPairs``;
    None: unknown) and optionally the stages' best-match pairs (``stage_best_pairs`` of these
    candidates; computed when not given), returns the (across, within) stage estimates.

    The across-partner stage is estimated first; the within-partner stage never falls below it
    when it holds look-alikes only, and takes it when it has too few pairs (and the reverse).
    """
    similarities = np.asarray(candidates[0], dtype=np.float64)
    best = stage_best_pairs(candidates) if best is None else best

    def estimate(stage: str, given: float | None, lowest: float | None) -> StageEstimate | None:
        if given is not None:
            return _given(stage, given, len(best[stage]))
        if len(best[stage]) < MIN_PAIRS:
            return None
        return estimate_stage(stage, similarities[best[stage]], floor, lowest, spread)

    across = estimate("across", threshold, None)
    within = estimate("within", within_threshold, across.threshold if across else None)
    if across is None and within is None:
        # Nothing to fit (a handful of records): halfway from the floor to 1, where no look-alike
        # of any stage measured reached, and the within-partner stage higher still.
        halfway = floor + 0.5 * (1 - floor)
        reason = (f"fewer than {MIN_PAIRS} best-match pairs in either stage: halfway from the "
                  "floor to 1 (within one partner: a further 20% of the way)")
        return (StageEstimate("across", round(halfway, 4), "too_few_pairs", reason, len(best["across"])),
                StageEstimate("within", round(halfway + FLOOR_MARGIN * (1 - halfway), 4),
                              "too_few_pairs", reason, len(best["within"])))
    if across is None:
        across = StageEstimate("across", within.threshold, "too_few_pairs",
                               f"fewer than {MIN_PAIRS} best-match pairs: the within-partner "
                               "stage's threshold", len(best["across"]))
    if within is None:
        raised = across.threshold + FLOOR_MARGIN * (1 - across.threshold)
        within = StageEstimate("within", round(raised, 4), "too_few_pairs",
                               f"fewer than {MIN_PAIRS} best-match pairs: {FLOOR_MARGIN:.0%} of "
                               "the way from the across-partner threshold to 1", len(best["within"]))
    return across, within
