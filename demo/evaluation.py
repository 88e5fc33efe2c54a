"""Linkage quality against known truth: pairwise precision, recall and F1 from clusters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

__all__ = ["PairwiseQuality", "pairwise_quality"]


@dataclass(frozen=True)
class PairwiseQuality:
    true_positives: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _pairs(sizes: Counter) -> int:
    return sum(size * (size - 1) // 2 for size in sizes.values())


def pairwise_quality(predicted: Mapping[Hashable, Hashable],
                     truth: Mapping[Hashable, Hashable]) -> PairwiseQuality:
    """Given record -> predicted cluster and record -> true entity over the same records,
    returns pairwise counts; records missing from ``predicted`` count as singletons."""
    predicted_sizes: Counter = Counter()
    joint_sizes: Counter = Counter()
    for record, entity in truth.items():
        cluster = predicted.get(record, ("unlinked", record))
        predicted_sizes[cluster] += 1
        joint_sizes[(cluster, entity)] += 1
    return PairwiseQuality(true_positives=_pairs(joint_sizes),
                           predicted_pairs=_pairs(predicted_sizes),
                           true_pairs=_pairs(Counter(truth.values())))
