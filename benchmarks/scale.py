"""The city scale from the architecture: ~250k records of 80+ partners, matched end to end.

~180k synthetic youth are generated and encoded exactly as the agent does
(``benchmarks/realistic_clks.py``); the six generated partners' records are then dealt out at
random to 84 datasets, each partner keeping a share of the datasets in proportion to its size
(a program's sites). ``match_partners`` runs with its default settings; its stage seconds,
comparisons and entities are printed with pairwise precision and recall against the truth.

    .venv/bin/python benchmarks/scale.py [--youth 180000] [--partners 84] [--seed 11]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.process_usage import cpu_seconds  # noqa: E402
from benchmarks.realistic_clks import load_realistic_clks, split_partners  # noqa: E402
from demo.evaluation import pairwise_quality  # noqa: E402
from hublink.coordinator.matching import MatchSettings, match_partners  # noqa: E402

TARGET_SECONDS = 15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youth", type=int, default=180_000)
    parser.add_argument("--partners", type=int, default=84)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--blocking", help="TABLESxBITS instead of the default LSH settings (exploration)")
    parser.add_argument("--threshold", type=float, help="cross-partner threshold (exploration)")
    parser.add_argument("--within-threshold", type=float, help="within-partner threshold (exploration)")
    parser.add_argument("--merge-threshold", type=float, help="solver merge threshold (exploration)")
    arguments = parser.parse_args()

    data = split_partners(load_realistic_clks(arguments.youth, arguments.seed), arguments.partners)
    datasets = data.partner_clks()
    settings = MatchSettings()
    chosen = {"threshold": arguments.threshold, "within_threshold": arguments.within_threshold,
              "merge_threshold": arguments.merge_threshold}
    settings = replace(settings, **{key: value for key, value in chosen.items() if value is not None})
    if arguments.blocking:
        tables, bits = (int(part) for part in arguments.blocking.split("x"))
        settings = MatchSettings(blocking=replace(settings.blocking, tables=tables, bits_per_table=bits))
    n = data.record_count
    sizes = [len(persons) for persons in data.persons]
    print(f"{n:,} records in {len(datasets)} datasets (sizes {min(sizes):,} to {max(sizes):,}); "
          f"{os.cpu_count()} cores; blocking {settings.blocking.tables}x{settings.blocking.bits_per_table}"
          f"{' (not the default)' if arguments.blocking else ''}")

    started = time.perf_counter()
    match_partners(datasets[:2], settings)  # starts the worker processes, as a running worker has them
    print(f"worker processes started (a process pays this once): {time.perf_counter() - started:.1f}s; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = match_partners(datasets, settings)
    total, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started

    truth = data.truth()
    predicted = {member: index for index, group in enumerate(result.groups) for member in group}
    quality = pairwise_quality(predicted, truth)
    stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in result.stage_seconds.items())
    print(f"match_partners: {total:.1f}s end to end ({stages}; CPU {cpu:.1f}s in all processes); target under {TARGET_SECONDS}s: "
          f"{'met' if total < TARGET_SECONDS else 'NOT met'}; load average {os.getloadavg()[0]:.1f}")
    print(f"comparisons {result.comparisons:,} = {result.comparisons / (n * (n - 1) / 2):.2%} of n²/2; "
          f"{result.candidate_pairs:,} candidate pairs; strategy {result.strategy}; "
          f"{result.split_blocks} blocks split")
    print(f"entities {result.entity_count:,} vs {len(np.unique(np.concatenate(data.persons))):,} true; "
          f"pairwise precision {quality.precision:.4f} recall {quality.recall:.4f} F1 {quality.f1:.4f} "
          f"({quality.true_pairs:,} true pairs)")


if __name__ == "__main__":
    main()
