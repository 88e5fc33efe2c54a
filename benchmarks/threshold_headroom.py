"""How far the per-run threshold estimate is from the best thresholds labels would find.

No hub has labels, so the engine estimates each run's thresholds from the run's own similarities
(``coordinator/matching/thresholds.py``). This measures what that costs on every data set with
known truth: each is compared once at the candidate floor and solved at the estimate, then at
thresholds swept around it on a grid (across partners first, then within one partner at the best
across: a coordinate search), with the engine's solver at its defaults. Per data set it prints
the estimate and each stage's method, F1 and the unduplicated count's error there, the labelled
best and its F1, the F1 points the estimate leaves, and the swept point whose count is nearest
the truth (the F1 optimum need not be). The public FEBRL sets are encoded under
``--secrets`` numbered secrets (``benchmarks/febrl.py``), the synthetic cities as
``benchmarks/scale.py`` deals them out (``--cities YOUTH/DATASETS/SEED,...``).

    .venv/bin/python benchmarks/threshold_headroom.py [--secrets 3] [--cities 600/6/11,8000/6/11]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Hashable, Sequence

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.febrl import encode_frames, every_febrl, numbered_secret  # noqa: E402
from benchmarks.realistic_clks import load_realistic_clks, split_partners  # noqa: E402
from demo.evaluation import PairwiseQuality, pairwise_quality  # noqa: E402
from hublink.coordinator.matching import MatchSettings, PartnerClks  # noqa: E402
from hublink.coordinator.matching.engine import compare_at_floor  # noqa: E402
from hublink.coordinator.matching.records import pack_datasets  # noqa: E402
from hublink.coordinator.matching.solve import solve_groups  # noqa: E402
from hublink.coordinator.matching.thresholds import choose_thresholds  # noqa: E402

DEFAULT_CITIES = "600/6/11,3000/12/5,8000/6/11,20000/80/5"
SWEEP = np.round(np.arange(-0.05, 0.0501, 0.01), 3)
"""Offsets from the estimate swept per stage: the estimates measured so far lie within 0.05 of
the labelled best on every kept data set (benchmarks/RESULTS-matching.md §15)."""


@dataclass(frozen=True)
class Solved:
    thresholds: tuple[float, float]
    quality: PairwiseQuality
    count_error: float


@dataclass(frozen=True)
class Headroom:
    """One data set's estimate against the labelled best of the sweep."""

    name: str
    methods: tuple[str, str]
    estimate: Solved
    best: Solved
    count_right: Solved
    """The swept point whose unduplicated count is nearest the truth: the hub's headline figure,
    which the F1 optimum need not get right."""

    def line(self) -> str:
        def figures(solved: Solved) -> str:
            across, within = solved.thresholds
            return (f"{across:.3f}/{within:.3f} F1 {solved.quality.f1:.4f} "
                    f"(P {solved.quality.precision:.4f} R {solved.quality.recall:.4f}) "
                    f"count {solved.count_error:+.2%}")
        points = 100 * (self.best.quality.f1 - self.estimate.quality.f1)
        return (f"{self.name:<24} estimate {figures(self.estimate)} [{self.methods[0]}/{self.methods[1]}]"
                f" | labelled best {figures(self.best)} | F1 left {points:.2f} points"
                f" | count nearest the truth at {figures(self.count_right)}")


def headroom(name: str, datasets: Sequence[PartnerClks], truth: dict[Hashable, Hashable]) -> Headroom:
    """Given a data set's CLKs and (dataset, record) -> true entity, returns its estimate and the
    labelled best of the sweep, both solved as the engine solves at its defaults."""
    matrix = pack_datasets(datasets)
    settings = MatchSettings()
    settings = replace(settings, blocking=settings.blocking.for_clks(matrix.rows))
    floor, spread, comparison = compare_at_floor(matrix, settings)
    candidates = comparison.candidates
    estimates = choose_thresholds(candidates, floor, None, None, spread)
    true_entities = len(set(truth.values()))

    def solve(across: float, within: float) -> Solved:
        across, within = max(across, floor), max(within, floor)  # no candidate lies below the floor
        groups = solve_groups(candidates, matrix.record_counts, settings.merge_threshold,
                              threshold=across, within_threshold=within)
        predicted = {member: index for index, group in enumerate(groups) for member in group}
        return Solved((across, within), pairwise_quality(predicted, truth), len(groups) / true_entities - 1)

    estimate = solve(*(stage.threshold for stage in estimates))
    swept = [estimate]
    best = estimate
    if len(datasets) > 1:  # one partner's records meet only the within-partner threshold
        swept += [solve(estimate.thresholds[0] + offset, estimate.thresholds[1]) for offset in SWEEP]
        best = max(swept, key=lambda solved: solved.quality.f1)
    swept += [solve(best.thresholds[0], estimate.thresholds[1] + offset) for offset in SWEEP]
    best = max(swept, key=lambda solved: solved.quality.f1)
    count_right = min(swept, key=lambda solved: abs(solved.count_error))
    return Headroom(name, (estimates[0].method, estimates[1].method), estimate, best, count_right)


def summary(name: str, measured: Sequence[Headroom]) -> str:
    """One line over a data set's secrets: F1 at the estimate and at the labelled best."""
    at_estimate = [item.estimate.quality.f1 for item in measured]
    at_best = [item.best.quality.f1 for item in measured]
    return (f"{name} over {len(measured)} secrets: estimate F1 {min(at_estimate):.4f}-{max(at_estimate):.4f} "
            f"(mean {np.mean(at_estimate):.4f}), labelled best {min(at_best):.4f}-{max(at_best):.4f} "
            f"(mean {np.mean(at_best):.4f}), F1 left {100 * (np.mean(at_best) - np.mean(at_estimate)):.2f} points")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secrets", type=int, default=3, help="numbered secrets per FEBRL set")
    parser.add_argument("--cities", default=DEFAULT_CITIES, help="YOUTH/DATASETS/SEED,... ('' for none)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hublink-headroom-") as folder:
        for name, frames in every_febrl():
            measured = []
            for number in range(arguments.secrets):
                root = Path(folder) / f"{name}-{number}"
                root.mkdir()
                datasets, truth = encode_frames(frames, root, numbered_secret(number))
                measured.append(headroom(f"{name} secret {number}", datasets, truth))
                print(measured[-1].line(), flush=True)
            print(summary(name, measured), flush=True)
    for city in filter(None, arguments.cities.split(",")):
        youth, count, seed = (int(part) for part in city.split("/"))
        data = split_partners(load_realistic_clks(youth, seed), count)
        print(headroom(f"city {youth:,}/{count}/{seed}", data.partner_clks(), data.truth()).line(),
              flush=True)


if __name__ == "__main__":
    main()
