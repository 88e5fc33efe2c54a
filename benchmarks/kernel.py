"""Comparison kernel throughput: the engine's comparing against anonlink's own, side by side in one run.

Realistic CLKs (``benchmarks/realistic_clks.py``) are cut in two halves A and B. Each round runs,
back to back on the same CLKs:

1. *direct*: ``anonlink.candidate_generation.find_candidate_pairs([A, B], dice, threshold)``,
   single-threaded, as anonlink's documentation calls it;
2. *engine*: ``compare_blocks`` with all pairs of A+B in one block (the compiled kernel), on the worker processes
   ``default_processes`` chooses (one per core; the pool started in an untimed warm-up round,
   whose seconds are printed apart: a process pays them once).

Rates are comparisons per second (direct: |A|·|B|; engine: n(n-1)/2, so it also compares within
A and within B). The ratio of the medians over the rounds is the figure; the load average is
printed, because the cores are shared, and so are the pairs per CPU second of each (all
processes), which say how much work each does whatever share of the cores it gets. The engine's candidates between A and B are checked
against anonlink's, pair for pair and bit for bit.

    .venv/bin/python benchmarks/kernel.py [--youth 15000] [--rounds 3] [--threshold 0.72]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from anonlink.candidate_generation import find_candidate_pairs as anonlink_find_candidate_pairs  # noqa: E402
from anonlink.similarities import dice_coefficient_accelerated  # noqa: E402
from bitarray import bitarray  # noqa: E402

from benchmarks.process_usage import cpu_seconds  # noqa: E402
from benchmarks.realistic_clks import load_realistic_clks  # noqa: E402
from hublink.coordinator.matching.blocking import BlockingSettings  # noqa: E402
from hublink.coordinator.matching.compare import compare_blocks  # noqa: E402
from hublink.coordinator.matching.records import pack_datasets  # noqa: E402
from hublink.coordinator.matching.workers import available_cores, default_processes  # noqa: E402

TARGET_RATIO = 1.8


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _check_same_pairs(direct, engine, half: int) -> int:
    """Returns how many A-B pairs both found; raises AssertionError when they differ."""
    similarities, _, (record_lower, record_higher) = engine.candidates  # one dataset: record = row
    across = (record_lower < half) & (record_higher >= half)
    engine_pairs = {(int(a), int(b) - half): float(s) for a, b, s in
                    zip(record_lower[across], record_higher[across], similarities[across])}
    direct_similarities, _, (direct_a, direct_b) = direct
    direct_pairs = {(int(a), int(b)): float(s) for a, b, s in zip(direct_a, direct_b, direct_similarities)}
    assert engine_pairs == direct_pairs, "the engine's A-B candidates differ from anonlink's"
    return len(direct_pairs)


def run(youth: int, rounds: int, threshold: float, seed: int = 11) -> dict[str, float]:
    """Given the youth to generate, rounds and a threshold, prints and returns the figures."""
    data = load_realistic_clks(youth, seed)
    rows = pack_datasets(data.partner_clks()).rows
    n = len(rows)
    half = n // 2
    matrix = pack_datasets([_one_dataset(rows)])
    first = [bitarray(buffer=row.tobytes()) for row in rows[:half]]
    second = [bitarray(buffer=row.tobytes()) for row in rows[half:]]
    processes = default_processes(n)
    blocking = BlockingSettings(strategy="all_pairs")
    print(f"{n:,} realistic CLKs (A {half:,}, B {n - half:,}); threshold {threshold}; {available_cores()} cores; "
          f"engine on {processes or 'no'} worker processes; load average {_load()}")

    started = time.perf_counter()
    compare_blocks(matrix, threshold, blocking, processes=processes)
    print(f"warm-up round (starts the worker processes): {time.perf_counter() - started:.1f}s")
    direct_rates, engine_rates = [], []
    for round_number in range(1, rounds + 1):
        started, cpu_started = time.perf_counter(), cpu_seconds()
        direct = anonlink_find_candidate_pairs([first, second], dice_coefficient_accelerated, threshold)
        direct_seconds, direct_cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        started, cpu_started = time.perf_counter(), cpu_seconds()
        engine = compare_blocks(matrix, threshold, blocking, processes=processes)
        engine_seconds, engine_cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        shared = _check_same_pairs(direct, engine, half)
        direct_rates.append(half * (n - half) / direct_seconds)
        engine_rates.append(engine.comparisons / engine_seconds)
        print(f"round {round_number}: direct {direct_seconds:.2f}s {direct_rates[-1] / 1e6:.1f}M/s; engine "
              f"{engine_seconds:.2f}s {engine_rates[-1] / 1e6:.1f}M/s; ratio {engine_rates[-1] / direct_rates[-1]:.2f}; "
              f"per CPU second: direct {half * (n - half) / max(direct_cpu, 1e-3) / 1e6:.1f}M, engine "
              f"{engine.comparisons / max(engine_cpu, 1e-3) / 1e6:.1f}M; {shared:,} A-B pairs identical; load average {_load()}",
              flush=True)
    ratio = statistics.median(engine_rates) / statistics.median(direct_rates)
    print(f"median: direct {statistics.median(direct_rates) / 1e6:.1f}M/s, engine "
          f"{statistics.median(engine_rates) / 1e6:.1f}M/s: {ratio:.2f}x (target {TARGET_RATIO}x on 2 cores: "
          f"{'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    return {"ratio": ratio, "direct": statistics.median(direct_rates), "engine": statistics.median(engine_rates)}


def _one_dataset(rows: np.ndarray):
    from hublink.coordinator.matching.records import PartnerClks
    return PartnerClks(1, rows.tobytes(), rows.shape[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youth", type=int, default=15_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threshold", type=float, default=0.72)
    arguments = parser.parse_args()
    run(arguments.youth, arguments.rounds, arguments.threshold)


if __name__ == "__main__":
    main()
