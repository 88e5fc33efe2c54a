"""LSH blocking against all pairs on ~30k realistic CLKs: comparisons saved, matches lost, seconds.

Synthetic youth are encoded exactly as the agent does (``benchmarks/realistic_clks.py``), then:

1. *All pairs*: every pair compared; its candidates (Dice ≥ the cross-partner threshold) are the
   reference, and their entities are solved and scored against the truth.
2. *Key scan*: for a grid of (tables, bits per table), the blocks alone tell which reference pairs
   share no block (missed) and how many comparisons LSH would make; no Dice is computed.
3. *Engine runs*: blocking, comparing and solving with a few settings, scored like all pairs.

    .venv/bin/python benchmarks/blocking.py [--youth 21500] [--seed 11] [--full 40x10,80x14,...]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.realistic_clks import RealisticClks, load_realistic_clks  # noqa: E402
from demo.evaluation import PairwiseQuality, pairwise_quality  # noqa: E402
from hublink.coordinator.matching.blocking import BlockingSettings, iterate_blocks  # noqa: E402
from hublink.coordinator.matching.compare import find_candidate_pairs  # noqa: E402
from hublink.coordinator.matching.engine import MatchSettings, match_partners  # noqa: E402
from hublink.coordinator.matching.records import ClkMatrix, pack_datasets  # noqa: E402
from hublink.coordinator.matching.solve import solve_groups  # noqa: E402

GRID = ([(tables, bits) for bits in (10, 12, 14, 16, 18) for tables in (20, 40, 60, 80, 120, 160)]
        + [(tables, bits) for bits in (20, 21, 22, 24) for tables in (80, 100, 120, 150, 200, 250)])
FULL_RUNS = "40x10,80x14,60x18,100x20,150x22"
BORDERLINE = 0.80
"""True-match pairs with threshold ≤ Dice < this are reported apart: LSH misses them most often."""


@dataclass
class Run:
    name: str
    comparisons: int
    seconds: dict[str, float]
    candidates: np.ndarray
    """Pair keys (lower row << 32 | higher row) of the candidates found, sorted."""
    similarities: np.ndarray
    quality: PairwiseQuality
    entities: int


def _pair_keys(matrix: ClkMatrix, candidates) -> tuple[np.ndarray, np.ndarray]:
    """Returns the candidates' pair keys (lower row << 32 | higher row), sorted, and their similarities."""
    similarities, (dataset_lower, dataset_higher), (record_lower, record_higher) = candidates
    lower = matrix.offsets[dataset_lower] + record_lower.astype(np.int64)
    higher = matrix.offsets[dataset_higher] + record_higher.astype(np.int64)
    keys = (lower << 32) | higher
    order = np.argsort(keys)
    return keys[order], np.asarray(similarities)[order]


def _run(name: str, matrix: ClkMatrix, data: RealisticClks, settings: MatchSettings) -> Run:
    """Blocks, compares and solves as ``match_partners`` does, keeping the candidates."""
    started = time.perf_counter()
    tables = list(iterate_blocks(matrix, settings.blocking))
    blocking = time.perf_counter() - started
    started = time.perf_counter()
    comparison = find_candidate_pairs(matrix, min(settings.threshold, settings.within_threshold), tables)
    comparing = time.perf_counter() - started
    started = time.perf_counter()
    groups = solve_groups(comparison.candidates, matrix.record_counts, settings.merge_threshold,
                          threshold=settings.threshold, within_threshold=settings.within_threshold)
    solving = time.perf_counter() - started
    predicted = {member: index for index, group in enumerate(groups) for member in group}
    return Run(name, comparison.comparisons, {"blocking": blocking, "comparing": comparing, "solving": solving},
               *_pair_keys(matrix, comparison.candidates), pairwise_quality(predicted, data.truth()), len(groups))


def _shares_a_block(matrix: ClkMatrix, settings: BlockingSettings, pairs: np.ndarray) -> tuple[np.ndarray, int]:
    """Given pair keys, returns which pairs share a block in some table, and the comparisons made."""
    lower, higher = pairs >> 32, pairs & 0xFFFFFFFF
    found = np.zeros(len(pairs), dtype=bool)
    comparisons = 0
    labels = np.empty(matrix.record_count, dtype=np.int64)
    for table in iterate_blocks(matrix, settings):
        labels.fill(-1)
        for index, block in enumerate(table.blocks):
            labels[block] = index
            comparisons += len(block) * (len(block) - 1) // 2
        found |= (labels[lower] >= 0) & (labels[lower] == labels[higher])
    return found, comparisons


def _parse_settings(text: str) -> BlockingSettings:
    tables, bits = text.split("x")
    return BlockingSettings(tables=int(tables), bits_per_table=int(bits), strategy="lsh")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youth", type=int, default=21_500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--full", default=FULL_RUNS, help="comma-separated TABLESxBITS settings run end to end")
    arguments = parser.parse_args()

    data = load_realistic_clks(arguments.youth, arguments.seed)
    matrix = pack_datasets(data.partner_clks())
    n = matrix.record_count
    all_pairs_total = n * (n - 1) // 2
    person = np.concatenate(data.persons)
    # The thresholds a default all-pairs run estimates for this data, fixed for every run below
    # so that the blocking settings are compared at the same thresholds.
    across, within = match_partners(data.partner_clks(), MatchSettings(
        blocking=BlockingSettings(strategy="all_pairs"))).thresholds
    threshold = round(across, 3)
    defaults = BlockingSettings()
    print(f"{n:,} records of {len(data.names)} partners ({arguments.youth:,} youth generated, seed "
          f"{arguments.seed}); n²/2 = {all_pairs_total:,} pairs; threshold {threshold}; "
          f"defaults {defaults.tables}x{defaults.bits_per_table}")
    bits_set = np.unpackbits(matrix.rows, axis=1).sum(axis=1)
    print(f"bits set per CLK: mean {bits_set.mean():.1f} of {matrix.rows.shape[1] * 8} "
          f"({bits_set.mean() / (matrix.rows.shape[1] * 8):.1%})")

    fixed = dict(threshold=across, within_threshold=within)
    reference = _run("all pairs", matrix, data,
                     MatchSettings(blocking=BlockingSettings(strategy="all_pairs"), **fixed))
    pairs = reference.candidates
    lower, higher = pairs >> 32, pairs & 0xFFFFFFFF
    true_match = person[lower] == person[higher]
    borderline = true_match & (reference.similarities < BORDERLINE)
    print(f"all pairs: {reference.comparisons:,} comparisons; {len(pairs):,} pairs with Dice ≥ {threshold}, "
          f"{int(true_match.sum()):,} of them true matches ({int(borderline.sum()):,} with Dice < {BORDERLINE}); "
          f"{sum(reference.seconds.values()):.1f}s")

    print("\nkey scan (blocks only; misses among the all-pairs pairs with Dice ≥ threshold):")
    print(f"  {'setting':>8} {'comparisons':>14} {'share n²/2':>10} {'true missed':>11} {'all missed':>10}"
          f" {'true <' + str(BORDERLINE) + ' missed':>17} {'scan s':>6}")
    for tables, bits in GRID:
        started = time.perf_counter()
        found, comparisons = _shares_a_block(matrix, BlockingSettings(tables=tables, bits_per_table=bits,
                                                                      strategy="lsh"), pairs)
        print(f"  {tables:>4}x{bits:<3} {comparisons:>14,} {comparisons / all_pairs_total:>10.2%} "
              f"{1 - found[true_match].mean():>11.3%} {1 - found.mean():>10.3%} "
              f"{1 - found[borderline].mean():>17.2%} {time.perf_counter() - started:>6.1f}", flush=True)

    print("\nengine runs (blocking, comparing, solving) against all pairs:")
    runs = [reference] + [_run(text, matrix, data, MatchSettings(blocking=_parse_settings(text), **fixed))
                          for text in arguments.full.split(",")]
    print(f"  {'setting':>9} {'comparisons':>14} {'share n²/2':>10} {'true missed':>11} {'all missed':>10} "
          f"{'true <' + str(BORDERLINE) + ' missed':>17} {'entities':>8} {'precision':>9} {'recall':>7} {'block s':>7} {'compare s':>9} {'solve s':>7}")
    for run in runs:
        found = np.isin(pairs, run.candidates, assume_unique=True)
        print(f"  {run.name:>9} {run.comparisons:>14,} {run.comparisons / all_pairs_total:>10.2%} "
              f"{1 - found[true_match].mean():>11.3%} {1 - found.mean():>10.3%} "
              f"{1 - found[borderline].mean():>17.2%} {run.entities:>8,} "
              f"{run.quality.precision:>9.4f} {run.quality.recall:>7.4f} {run.seconds['blocking']:>7.1f} "
              f"{run.seconds['comparing']:>9.1f} {run.seconds['solving']:>7.1f}", flush=True)
    print(f"  true entities: {len(np.unique(person)):,}")


if __name__ == "__main__":
    main()
