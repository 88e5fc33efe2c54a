"""The non-match background of a run: Dice of random record pairs, and the candidate floor above it.

Nearly every random pair of records is a non-match, so their similarities describe what an
unrelated pair looks like under the current encoding (fill, folding, balancing); nothing about a
CLK length or schema is assumed. Pairs below the floor (``FLOOR_SPREADS`` robust spreads above
the median) are never candidates, and the threshold estimate (``matching.thresholds``) measures
its margins in the same spreads.

Similarities never leave this module except as the median and spread of :class:`RandomPairs`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RandomPairs", "random_pairs", "candidate_floor", "FLOOR_SPREADS"]

FLOOR_SPREADS = 3.0
"""How many spreads above the median random-pair Dice the candidate floor lies."""
_RANDOM_PAIRS = 20_000


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
