"""Mining the patterns of a pattern-mining attack on CLKs (step 1 of ``pattern_attack``).

From every bit position (seed), grow a set of positions greedily, each step the position most
over-represented among the records that hold the set so far, until no further position is set
in at least ``coverage`` of them; the closed set of positions and its records form a pattern.
Peeling the records of each pattern found off the seed finds the rarer bigrams that share it.
``coverage < 1`` (with ``tolerance`` of the positions allowed unset) is the variant against XOR
folding, where a set position is flipped by whatever shares its folded bit. Uses nothing but
the CLKs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Pattern", "AttackSettings", "mine_patterns"]


@dataclass(frozen=True)
class Pattern:
    """Bit positions set together (up to the tolerance) in a set of records."""

    positions: frozenset[int]
    records: np.ndarray  # boolean mask over the CLKs


@dataclass(frozen=True)
class AttackSettings:
    """How hard the attacker looks. ``coverage``: share of a pattern's records in which a
    position must be set to join it; ``tolerance``: share of a pattern's positions a record
    may miss and still count as holding it; ``dependences``: the co-occurrence thresholds (|phi|)
    that group the first-name patterns, each tried."""

    coverage: float = 1.0
    tolerance: float = 0.0
    minimum_support: int = 6
    seed_rounds: int = 4
    grow_at_least: int = 5
    grow_at_most: int = 40
    rounds: int = 10
    dependences: tuple[float, ...] = (0.1, 0.15, 0.2, 0.25, 0.3)


def _holders(matrix: np.ndarray, positions: list[int], tolerance: float) -> np.ndarray:
    needed = len(positions) - math.floor(tolerance * len(positions))
    return matrix[:, positions].sum(axis=1) >= needed


def _grow(matrix: np.ndarray, seed: int, universe: np.ndarray,
          settings: AttackSettings) -> list[Pattern]:
    """Grows a chain of positions from the seed among the universe's records and returns every
    closed pattern met on the way, most general (most records) first."""
    candidates = np.flatnonzero(universe & matrix[:, seed])
    rows = matrix[candidates].astype(np.float32)
    share = matrix[universe].mean(axis=0)
    positions = [seed]
    inside = np.ones(len(rows), dtype=bool)
    closed_sets: list[tuple[int, ...]] = []
    while len(positions) < settings.grow_at_most and inside.sum() >= settings.minimum_support:
        held = int(inside.sum())
        support = inside.astype(np.float32) @ rows
        closed = tuple(int(p) for p in np.flatnonzero(support >= settings.coverage * held))
        if len(positions) >= settings.grow_at_least and len(closed) >= settings.grow_at_least \
                and (not closed_sets or closed_sets[-1] != closed):
            closed_sets.append(closed)
        # The position most over-represented among the holders, not the most frequent one: a
        # frequent position (a common birth year) is set in many records by chance.
        excess = support - held * share
        excess[positions] = -held
        best = int(excess.argmax())
        if len(positions) >= settings.grow_at_least and support[best] < 0.9 * held:
            break
        positions.append(best)
        # Holders only shrink as positions are added: keep only them (the cost of each step).
        keep = _holders(rows, positions, settings.tolerance)
        rows = rows[keep]
        inside = np.ones(len(rows), dtype=bool)
    return [Pattern(frozenset(closed), _holders(matrix, list(closed), settings.tolerance))
            for closed in closed_sets]


def mine_patterns(matrix: np.ndarray, settings: AttackSettings) -> list[Pattern]:
    """Given the CLKs as a boolean matrix (records x bits), returns the distinct patterns."""
    found: dict[frozenset[int], Pattern] = {}
    everyone = np.ones(len(matrix), dtype=bool)
    # A position set in (nearly) every record (the common city's bigrams) is in every closure
    # and tells nothing: leave it out.
    informative = matrix.mean(axis=0) < 0.95
    matrix = matrix & informative
    for seed in np.flatnonzero(informative):
        universe = everyone.copy()
        for _ in range(settings.seed_rounds):
            if (universe & matrix[:, seed]).sum() < settings.minimum_support:
                break
            patterns = _grow(matrix, int(seed), universe, settings)
            if not patterns:
                break
            for pattern in patterns:
                found.setdefault(pattern.positions, pattern)
            universe &= ~patterns[0].records
    return list(found.values())
