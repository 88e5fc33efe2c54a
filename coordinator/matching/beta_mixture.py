"""Two beta distributions fitted by EM to best-match similarities, and the valley between them.

The threshold estimate (``matching.thresholds``) scales a stage's best-match similarities from
the candidate floor (0) to 1 (1), fits look-alikes and matches as ``COMPONENTS`` beta components
(:func:`fit_mixture`), and places its threshold in the histogram's valley between the two
components' means (:func:`valley_threshold`) when one is deep enough.

Similarities never leave this module except as the fitted parameters and the valley.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Mixture", "fit_mixture", "valley_threshold", "COMPONENTS", "EDGE"]

COMPONENTS = 2
"""Beta components fitted: look-alikes and matches (three, measured, moved the synthetic city's
threshold from 0.69 to 0.78 and cost recall; FEBRL did not change)."""
_VALLEY_BINS = 50
_VALLEY_SMOOTHING = 5
_VALLEY_TOLERANCE = 0.5
_VALLEY_QUANTILE = 0.1
_BINS = 1_000
_ITERATIONS = 200
EDGE = 1e-4
"""Scaled similarities are clipped this far inside (0, 1), where a beta density is finite."""


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
class Mixture:
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


def fit_mixture(scaled: np.ndarray, components: int = COMPONENTS) -> Mixture:
    """Fits ``components`` beta components by EM to values in (0, 1), binned, each started on
    one of equal ranges of (0, 1), so a small group far from the rest keeps a component of its
    own (started on quantiles instead, a 10% group of look-alikes below a gap was absorbed)."""
    counts, edges = np.histogram(scaled, bins=_BINS, range=(0, 1))
    centres = np.clip((edges[:-1] + edges[1:]) / 2, EDGE, 1 - EDGE)
    kept = counts > 0
    centres, counts = centres[kept], counts[kept].astype(np.float64)
    start = np.minimum((centres * components).astype(int), components - 1)
    responsibilities = np.stack([(start == index).astype(np.float64) for index in range(components)]) + 1e-6
    mixture = Mixture((), ())
    for _ in range(_ITERATIONS):
        weighted = responsibilities * counts
        weights = weighted.sum(axis=1) / counts.sum()
        mixture = Mixture(tuple(float(weight) for weight in weights),
                           tuple(_beta_moments(centres, row + 1e-12) for row in weighted))
        densities = mixture.component_densities(centres) + 1e-300
        responsibilities = densities / densities.sum(axis=0)
    order = np.argsort(mixture.means)
    return Mixture(tuple(mixture.weights[i] for i in order),
                    tuple(mixture.parameters[i] for i in order))


def valley_threshold(scaled: np.ndarray, mixture: Mixture,
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


