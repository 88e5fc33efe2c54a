"""CLKs with chosen similarities, for tests of how records group (not of the encoding).

``chain`` walks from a random CLK in equal steps, each swapping a share of its set bits for
unset ones, so neighbours are close and the ends far apart: the shape of a youth whose
records at two partners link only through a third record (A1 ~ B1 ~ B2 ~ A2).
"""

from __future__ import annotations

import random

import numpy as np

__all__ = ["dice", "random_clks", "chain"]


def dice(first: bytes, second: bytes) -> float:
    """Returns the Dice similarity of two CLKs of equal length."""
    left, right = (np.unpackbits(np.frombuffer(clk, dtype=np.uint8)) for clk in (first, second))
    return float(2 * (left & right).sum() / max(int(left.sum() + right.sum()), 1))


def random_clks(count: int, clk_bytes: int, seed: int) -> list[bytes]:
    """Returns ``count`` CLKs of independent random bits (half set): pairs near Dice 0.5."""
    generator = random.Random(seed)
    return [generator.randbytes(clk_bytes) for _ in range(count)]


def chain(length: int, clk_bytes: int, seed: int, step: float = 0.1) -> list[bytes]:
    """Returns ``length`` CLKs, each (about) ``1 - step`` Dice from the one before it, all with
    the first one's number of set bits; CLKs k steps apart are about ``1 - k * step`` apart."""
    generator = np.random.default_rng(seed)
    bits = generator.integers(0, 2, clk_bytes * 8, dtype=np.uint8)
    swap = int(round(step * bits.sum()))
    clks = [np.packbits(bits).tobytes()]
    for _ in range(length - 1):
        ones, zeros = np.flatnonzero(bits == 1), np.flatnonzero(bits == 0)
        bits = bits.copy()
        bits[generator.choice(ones, swap, replace=False)] = 0
        bits[generator.choice(zeros, swap, replace=False)] = 1
        clks.append(np.packbits(bits).tobytes())
    return clks
