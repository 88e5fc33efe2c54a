"""Match thresholds estimated per run from the run's own similarities, so no hub has to tune them.

The estimate adapts to whatever the current encoding does to similarities; nothing in it assumes
a CLK length, fill or schema. Per stage (pairs within one partner, pairs across partners):

1. *Floor*: Dice of random record pairs (nearly all non-matches) gives the background; pairs
   below ``median + FLOOR_SPREADS * spread`` of it are never candidates (see :func:`candidate_floor`).
2. *Best-match pairs*: a pair whose records are each other's most similar record in the other's
   dataset (or, within a partner, in their own); among each record's ``BEST_PAIRS_PER_RECORD``
   most similar such pairs when records average more than that (many partners). The solver links only such pairs in effect,
   and their similarities form two populations: matches near 1 and look-alikes (siblings, twins,
   namesakes) above the floor.
3. *Mixture*: two beta distributions fitted by EM to those similarities. When the lower one is
   centred in the lower half of the way from the floor to 1, the upper one in the upper half,
   and the pairs' histogram has a valley between them (``VALLEY_DEPTH``), the threshold lies in
   that valley. Without a valley, and with the upper one in the upper half, the stage holds
   matches only (one population with a long lower tail): the threshold is
   ``MATCHES_ONLY_SPREADS`` random-pair spreads above the floor. With both components in the
   lower half, a valley whose histogram rises again above it, to pairs centred in the upper
   half, still separates a few matches (a small partner's duplicates) from many look-alikes.
   Otherwise the stage holds look-alikes only: the threshold lies above all but half a pair of
   them, and never below the other stage's. Margins are in random-pair spreads because an encoding that compresses
   similarities (balanced and folded CLKs) narrows the spread with them.
4. A stage with too few best-match pairs takes the other stage's threshold; the within-partner
   stage then takes ``FLOOR_MARGIN`` of the way from it to 1 (nothing keeps a look-alike out of a
   partner's own group, while across partners a record joins a group only in place of none).

Similarities never leave this module except as counts in :class:`StageEstimate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hublink.coordinator.matching.compare import CandidatePairs

__all__ = ["StageEstimate", "RandomPairs", "random_pairs", "candidate_floor", "best_match_pairs",
           "choose_thresholds", "estimate_stage", "FLOOR_SPREADS", "FLOOR_MARGIN", "MATCHES_ONLY_SPREADS",
           "VALLEY_DEPTH", "BEST_PAIRS_PER_RECORD"]

FLOOR_SPREADS = 3.0
"""How many spreads above the median random-pair Dice the candidate floor lies."""
FLOOR_MARGIN = 0.2
"""With no random-pair spread to measure by (a handful of records), or for a within-partner stage
too small to fit, a threshold lies this share of the way from the floor (or the across-partner
threshold) to 1."""
MATCHES_ONLY_SPREADS = {"across": 2.0, "within": 2.5}
"""A stage of matches only starts this many random-pair spreads above the floor: the few
look-alikes such a stage still holds sit just above the floor, too few to fit (FEBRL3: 2% of its
pairs). Spreads, not a share of the way to 1, because an encoding that compresses similarities
toward its random-pair median (a balanced, folded CLK: unrelated pairs about 0.52, spread 0.021,
against 0.36 and 0.043 unhardened) narrows the spread with them; measured, the labelled optimum
of FEBRL3 lies 2.7-2.8 spreads above the floor under both linkage-v1 and linkage-v2. Across
partners a record joins a group only in place of none (one record per partner), so the margin
is narrower there (FEBRL4 under linkage-v2: F1 0.9955 at 2.5 spreads, 0.9975 at 2.0)."""
VALLEY_DEPTH = 0.8
"""Two populations need a valley: the smoothed histogram between the components' means must fall
to this share of its highest point below that valley. A beta pair fitted to one population with
a long lower tail (matches with several corruptions, compressed toward the floor by a folded
encoding) has none: its histogram only rises (measured depth 1.0 on FEBRL4 across and FEBRL3
under linkage-v2), while look-alikes and matches measured 0.0-0.3, and 0.64 when look-alikes
overlap the matches' tail (tests)."""
BEST_PAIRS_PER_RECORD = 3
"""When a stage's records average more mutual best pairs than this, each keeps only its most
similar few for the fit (otherwise one per other dataset is kept). A youth is held by a few partners, while at 80 partners a record has a look-alike
above the floor in most of them, which buried the matches: on the synthetic city (252,275
records, 80 datasets, linkage-v2) the across stage then held 3.5M pairs, read as look-alikes
only, and took 0.99 (F1 0.33); with the best 3 it held 226k and found the valley at 0.78
(F1 0.934; 2: 0.938, 1: the valley vanished and the threshold fell to 0.64, F1 0.80 at 56k
records). Measured in docs/linkage-schema.md."""
MIN_PAIRS = 30
"""Fewer best-match pairs than this in a stage are too few to fit: the other stage decides."""
COMPONENTS = 2
"""Beta components fitted: look-alikes and matches (three, measured, moved the synthetic city's
threshold from 0.69 to 0.78 and cost recall; FEBRL did not change)."""
_VALLEY_BINS = 50
_VALLEY_SMOOTHING = 5
_VALLEY_TOLERANCE = 0.5
_VALLEY_QUANTILE = 0.1
_RANDOM_PAIRS = 20_000
_BINS = 1_000
_ITERATIONS = 200
_EDGE = 1e-4


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


@dataclass(frozen=True)
class RandomPairs:
    """The non-match background of a run: median and robust spread (1.4826 x the median absolute
    deviation) of the Dice of random distinct record pairs. Both follow the encoding (fill,
    folding, balancing); nothing else about the schema is assumed."""

    median: float
    spread: float

    @property
    def floor(self) -> float:
        """The lowest similarity worth keeping: ``FLOOR_SPREADS`` spreads above the median."""
        return float(min(0.95, max(0.05, self.median + FLOOR_SPREADS * self.spread)))


def random_pairs(rows: np.ndarray, seed: int = 0) -> RandomPairs | None:
    """Given every record's CLK as rows of bytes, returns the random-pair background, which stays
    put when a few random pairs happen to be matches; None with fewer than two records."""
    count = len(rows)
    if count < 2:
        return None
    generator = np.random.default_rng(seed)
    first = generator.integers(0, count, _RANDOM_PAIRS)
    second = generator.integers(0, count, _RANDOM_PAIRS)
    distinct = first != second
    left, right = rows[first[distinct]], rows[second[distinct]]
    ones = np.unpackbits(left, axis=1).sum(1) + np.unpackbits(right, axis=1).sum(1)
    common = np.unpackbits(left & right, axis=1).sum(1)
    dice = np.divide(2.0 * common, ones, out=np.zeros(len(ones)), where=ones > 0)
    median = float(np.median(dice))
    return RandomPairs(median, 1.4826 * float(np.median(np.abs(dice - median))))


def candidate_floor(rows: np.ndarray, seed: int = 0) -> float:
    """Given every record's CLK as rows of bytes, returns the :class:`RandomPairs` floor (0.5 with
    fewer than two records)."""
    background = random_pairs(rows, seed)
    return background.floor if background is not None else 0.5


def best_match_pairs(candidates: CandidatePairs, stage: np.ndarray) -> np.ndarray:
    """Given candidate pairs sorted by decreasing similarity and a mask of one stage's pairs,
    returns the indices of the stage's pairs that are each record's best toward the other's dataset."""
    indices = np.flatnonzero(stage)
    if len(indices) == 0:
        return indices
    _, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates

    def end(dataset: np.ndarray, record: np.ndarray, toward: np.ndarray) -> np.ndarray:
        return ((np.asarray(dataset)[indices].astype(np.int64) << 40)
                | (np.asarray(record)[indices].astype(np.int64) << 8)
                | np.asarray(toward)[indices].astype(np.int64))

    ends = np.stack([end(dataset_lower, record_lower, dataset_higher),
                     end(dataset_higher, record_higher, dataset_lower)], axis=1).ravel()
    owners = np.repeat(np.arange(len(indices)), 2)
    _, first = np.unique(ends, return_index=True)  # sorted by similarity: first = best
    best_ends = np.bincount(owners[first], minlength=len(indices))
    mutual = indices[best_ends == 2]
    ranks = _ranks_of_ends(candidates, mutual)
    records = int((ranks == 0).sum())  # each record's first pair has rank 0
    if len(mutual) == 0 or 2 * len(mutual) <= BEST_PAIRS_PER_RECORD * records:
        return mutual  # a few pairs per record: the matches are not outnumbered
    return mutual[ranks.max(axis=1) < BEST_PAIRS_PER_RECORD]


def _ranks_of_ends(candidates: CandidatePairs, indices: np.ndarray) -> np.ndarray:
    """Given candidate pairs sorted by decreasing similarity and indices into them, returns for
    each indexed pair and each of its two records the number of indexed pairs of that record
    more similar than it (shape ``(len(indices), 2)``)."""
    _, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates

    def record(dataset: np.ndarray, row: np.ndarray) -> np.ndarray:
        return (np.asarray(dataset)[indices].astype(np.int64) << 32) | np.asarray(row)[indices].astype(np.int64)

    ends = np.stack([record(dataset_lower, record_lower), record(dataset_higher, record_higher)], axis=1).ravel()
    order = np.argsort(ends, kind="stable")  # stable: within a record, by decreasing similarity
    sorted_ends = ends[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_ends)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(ends)]))
    ranks = np.empty(len(ends), dtype=np.int64)
    ranks[order] = np.arange(len(ends)) - run_start
    return ranks.reshape(-1, 2)


def _beta_moments(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Returns beta parameters (a, b) matching the weighted mean and variance of values in (0, 1)."""
    total = weights.sum()
    mean = float((values * weights).sum() / total)
    variance = float((weights * (values - mean) ** 2).sum() / total)
    variance = min(max(variance, 1e-6), mean * (1 - mean) * 0.999)
    common = mean * (1 - mean) / variance - 1
    return mean * common, (1 - mean) * common


def _beta_log_density(values: np.ndarray, a: float, b: float) -> np.ndarray:
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return (a - 1) * np.log(values) + (b - 1) * np.log1p(-values) - log_beta


@dataclass(frozen=True)
class _Mixture:
    """Beta components on the scaled similarities, ordered by mean."""

    weights: tuple[float, ...]
    parameters: tuple[tuple[float, float], ...]

    @property
    def means(self) -> tuple[float, ...]:
        return tuple(a / (a + b) for a, b in self.parameters)

    def component_densities(self, values: np.ndarray) -> np.ndarray:
        return np.stack([weight * np.exp(_beta_log_density(values, a, b))
                         for weight, (a, b) in zip(self.weights, self.parameters)])

    def match_posterior(self, values: np.ndarray) -> np.ndarray:
        """Returns each value's probability of belonging to the upper component (the matches)."""
        densities = self.component_densities(values)
        return densities[-1] / np.maximum(densities.sum(axis=0), 1e-300)


def _fit_mixture(scaled: np.ndarray, components: int = COMPONENTS) -> _Mixture:
    """Fits ``components`` beta components by EM to values in (0, 1), binned, each started on
    one of equal ranges of (0, 1), so a small group far from the rest keeps a component of its
    own (started on quantiles instead, a 10% group of look-alikes below a gap was absorbed)."""
    counts, edges = np.histogram(scaled, bins=_BINS, range=(0, 1))
    centres = np.clip((edges[:-1] + edges[1:]) / 2, _EDGE, 1 - _EDGE)
    kept = counts > 0
    centres, counts = centres[kept], counts[kept].astype(np.float64)
    start = np.minimum((centres * components).astype(int), components - 1)
    responsibilities = np.stack([(start == index).astype(np.float64) for index in range(components)]) + 1e-6
    mixture = _Mixture((), ())
    for _ in range(_ITERATIONS):
        weighted = responsibilities * counts
        weights = weighted.sum(axis=1) / counts.sum()
        mixture = _Mixture(tuple(float(weight) for weight in weights),
                           tuple(_beta_moments(centres, row + 1e-12) for row in weighted))
        densities = mixture.component_densities(centres) + 1e-300
        responsibilities = densities / densities.sum(axis=0)
    order = np.argsort(mixture.means)
    return _Mixture(tuple(mixture.weights[i] for i in order),
                    tuple(mixture.parameters[i] for i in order))


def _valley_threshold(scaled: np.ndarray, mixture: _Mixture,
                      both_sides: bool = False) -> tuple[float, float]:
    """Returns the valley of the pairs' histogram between the two components' means: the
    ``_VALLEY_QUANTILE`` of the points (``_VALLEY_BINS`` bins, a moving average over
    ``_VALLEY_SMOOTHING``) within ``_VALLEY_TOLERANCE`` of the fewest pairs there, because a flat
    valley's single lowest bin is noise: near where the flat part starts, where the look-alikes'
    tail has ended and the matches' long lower tail goes on (measured, docs/linkage-schema.md).

    The beta fit locates the two populations; the valley, not the fit's posterior, places the
    threshold, because matches' long lower tail (one or several corruptions) is wider than a
    beta and the posterior then falls inside the look-alikes (measured: 0.66 where the labelled
    optimum of the synthetic city is 0.70-0.72).

    Returns (threshold, depth): depth is the valley's smoothed count over the highest smoothed
    count below it (1.0: no valley, the histogram only rises toward the matches); with
    ``both_sides``, over the lower of the highest counts below and above it, so that a histogram
    that only falls along the look-alikes' tail has no valley either."""
    counts, edges = np.histogram(scaled, bins=_VALLEY_BINS, range=(0, 1))
    kernel = np.ones(_VALLEY_SMOOTHING) / _VALLEY_SMOOTHING
    smoothed = np.convolve(counts, kernel, mode="same")
    centres = (edges[:-1] + edges[1:]) / 2
    lower_mean, upper_mean = mixture.means[0], mixture.means[-1]
    between = np.flatnonzero((centres > lower_mean) & (centres < upper_mean))
    if len(between) == 0:
        return float((lower_mean + upper_mean) / 2), 1.0
    fewest = smoothed[between].min()
    valley = between[smoothed[between] <= fewest * (1 + _VALLEY_TOLERANCE)]
    deepest = between[np.argmin(smoothed[between])]
    highest = smoothed[:deepest + 1].max()
    if both_sides:
        highest = min(highest, smoothed[deepest:].max())
    depth = float(fewest / highest) if highest > 0 else 1.0
    return float(np.quantile(centres[valley], _VALLEY_QUANTILE)), depth


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
    scaled = np.clip((np.asarray(similarities, dtype=np.float64) - floor) / width, _EDGE, 1 - _EDGE)
    mixture = _fit_mixture(scaled)
    lower_mean, upper_mean = mixture.means[0], mixture.means[-1]
    valley, depth = _valley_threshold(scaled, mixture) if lower_mean < 0.5 <= upper_mean else (0.0, 1.0)
    if depth <= VALLEY_DEPTH:
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
        valley, depth = _valley_threshold(scaled, mixture, both_sides=True)
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
                         mixture: _Mixture, threshold: float, populations: str) -> StageEstimate:
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
                      spread: float | None = None) -> tuple[StageEstimate, StageEstimate]:
    """Given candidate pairs (sorted by decreasing similarity, all at or above ``floor``), the
    operator's thresholds (None: estimate) and the random-pair spread (:class:`RandomPairs`;
    None: unknown), returns the (across, within) stage estimates.

    The across-partner stage is estimated first; the within-partner stage never falls below it
    when it holds look-alikes only, and takes it when it has too few pairs (and the reverse).
    """
    similarities = np.asarray(candidates[0], dtype=np.float64)
    same_dataset = np.asarray(candidates[1][0]) == np.asarray(candidates[1][1])
    best = {stage: best_match_pairs(candidates, mask)
            for stage, mask in (("across", ~same_dataset), ("within", same_dataset))}

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
