"""Growth: match time, peak memory and linkage quality at 100k, 1M and 3M records.

Encoding a million synthetic records with clkhash takes over an hour on the 2-core machine, so
the larger populations are built from the city's realistic CLKs (``benchmarks/realistic_clks.py``,
dealt to ``--partners`` datasets as in ``benchmarks/scale.py``): copy ``c`` of the city is the
same records with the CLK bit positions permuted by a seeded permutation (copy 0 unpermuted).
A permuted copy keeps everything about one city (bit fill, how duplicates and look-alikes
resemble each other, block sizes) and is unrelated to the other copies, as another city's
people encoded with another secret would be; copies are merged into the same partners. Whole
true persons are then drawn at random until the size is reached, so duplicates stay together.

What this cannot show: in a real population k times larger, common names are k times more
common, so look-alikes and LSH blocks grow faster than here. Comparisons, candidates and false
matches *across* copies are those of unrelated records; the F1 printed is therefore an upper
bound for a real population of that size.

With a fixed number of bits per LSH table, blocks grow with the population, so comparisons and
candidates grow as n²: 1.8M candidates at 100k records, 149M at 1M (3.6 GB held by the
coordinator). At 3M records that would be about 1.3 billion candidates (over 30 GB, measured
2026-12-03: stopped at 17 GB while still comparing); past 200M candidates each record keeps its
32 most similar (``coordinator/matching/record_cap.py``), so memory stays bounded while the
comparisons still grow as n² (see benchmarks/RESULTS-scale.md).

Each size runs in its own process (started by this script), so that peak memory is that size's:
the proportional set size (PSS, shared memory counted once) of the process and its worker
processes, sampled every 0.2 s or more (a twentieth of the time in sampling) during
``match_partners``. The worker processes are started before
the timing, as a running coordinator worker has them.

    nice .venv/bin/python benchmarks/growth.py [--sizes 100000,1000000] [--youth 180000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.realistic_clks import CLK_BYTES, RealisticClks, load_realistic_clks, split_partners  # noqa: E402

TARGET_SIZE, TARGET_SECONDS, TARGET_BYTES = 1_000_000, 180, 6 * 2 ** 30


def grown(city: RealisticClks, size: int, seed: int = 3) -> RealisticClks:
    """Given a city's partner datasets and a record count, returns about ``size`` records drawn as
    whole persons from as many bit-permuted copies of the city as needed, in the city's partners."""
    generator = np.random.default_rng(seed)
    copies = max(1, -(-size // city.record_count))
    per_dataset: list[list[np.ndarray]] = [[] for _ in city.clks]
    persons_per_dataset: list[list[np.ndarray]] = [[] for _ in city.clks]
    person_count = 1 + max(int(persons.max()) for persons in city.persons if len(persons))
    order = generator.permutation(copies * person_count)
    wanted = np.zeros(copies * person_count, dtype=bool)
    counts = np.bincount(np.concatenate(city.persons), minlength=person_count)
    taken = np.cumsum(np.tile(counts, copies)[order])
    wanted[order[:int(np.searchsorted(taken, size)) + 1]] = True
    for copy in range(copies):
        permutation = np.arange(CLK_BYTES * 8) if copy == 0 else generator.permutation(CLK_BYTES * 8)
        for index, (clks, persons) in enumerate(zip(city.clks, city.persons)):
            keep = wanted[copy * person_count + persons]
            rows = np.frombuffer(clks, dtype=np.uint8).reshape(-1, CLK_BYTES)[keep]
            bits = np.unpackbits(rows, axis=1)[:, permutation]
            per_dataset[index].append(np.packbits(bits, axis=1))
            persons_per_dataset[index].append(persons[keep] + copy * person_count)
    return RealisticClks(list(city.names), [np.concatenate(parts).tobytes() for parts in per_dataset],
                         [np.concatenate(parts) for parts in persons_per_dataset])


def run_one(size: int, youth: int, partners: int, seed: int) -> dict:
    """In a process of its own: matches about ``size`` records and returns the figures."""
    from benchmarks.process_usage import cpu_seconds, proportional_bytes, start_workers
    from demo.evaluation import pairwise_quality
    from hublink.coordinator.matching import match_partners

    data = grown(split_partners(load_realistic_clks(youth, seed), partners), size)
    datasets = data.partner_clks()
    start_workers(datasets)
    peak, done = [0], threading.Event()

    def sample() -> None:
        # Reading PSS makes the kernel walk every page (tenths of a second at 3M records): wait
        # 19 times as long as a reading took, so sampling costs the match at most 5% of a core.
        pause = 0.2
        while not done.wait(pause):
            started = time.perf_counter()
            peak[0] = max(peak[0], proportional_bytes())
            pause = max(0.2, 19 * (time.perf_counter() - started))

    sampler = threading.Thread(target=sample, daemon=True)
    before = proportional_bytes()
    sampler.start()
    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = match_partners(datasets)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    done.set()
    sampler.join()
    predicted = {member: index for index, group in enumerate(result.groups) for member in group}
    quality = pairwise_quality(predicted, data.truth())
    return {"records": data.record_count, "datasets": len(datasets), "seconds": seconds, "cpu_seconds": cpu,
            "stages": result.stage_seconds, "comparisons": result.comparisons,
            "candidates": result.candidate_pairs, "peak_bytes": max(peak[0], before), "before_bytes": before,
            "precision": quality.precision, "recall": quality.recall, "f1": quality.f1,
            "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="record counts, comma-separated")
    parser.add_argument("--youth", type=int, default=180_000, help="youth of the city that is copied")
    parser.add_argument("--partners", type=int, default=84)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process of one size
    arguments = parser.parse_args()
    if arguments.one:
        print(json.dumps(run_one(arguments.one, arguments.youth, arguments.partners, arguments.seed)))
        return
    print(f"city: {arguments.youth:,} youth, {arguments.partners} partners; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    for size in (int(part) for part in arguments.sizes.split(",")):
        child = subprocess.run([sys.executable, __file__, "--one", str(size), "--youth", str(arguments.youth),
                                "--partners", str(arguments.partners), "--seed", str(arguments.seed)],
                               capture_output=True, text=True, check=True)
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in figures["stages"].items())
        n = figures["records"]
        line = (f"{n:,} records in {figures['datasets']} datasets: {figures['seconds']:.1f}s ({stages}; CPU "
                f"{figures['cpu_seconds']:.1f}s in all processes); "
                f"peak memory {figures['peak_bytes'] / 2 ** 30:.2f} GiB (before the match "
                f"{figures['before_bytes'] / 2 ** 30:.2f}); comparisons {figures['comparisons']:,} = "
                f"{figures['comparisons'] / (n * (n - 1) / 2):.3%} of n²/2; {figures['candidates']:,} candidates; "
                f"precision {figures['precision']:.4f} recall {figures['recall']:.4f} F1 {figures['f1']:.4f}; "
                f"load average {figures['load']:.1f}")
        if abs(n - TARGET_SIZE) <= TARGET_SIZE // 20:
            met = figures["seconds"] < TARGET_SECONDS and figures["peak_bytes"] < TARGET_BYTES
            line += f"; target under {TARGET_SECONDS}s and 6 GiB: {'met' if met else 'NOT met'}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
