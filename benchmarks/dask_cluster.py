"""The Dask distributed path against the local one, side by side in one run, same results.

The city's realistic CLKs (``benchmarks/scale.py``) are matched by ``match_partners``:

1. *local*: no client, one worker process per core (the default path);
2. *distributed, 1 worker* and *2 workers*: a ``distributed.LocalCluster`` of single-threaded
   worker processes, the client handed to ``match_partners`` as ``match --scheduler`` does.

Cluster start-up is left out of the timings (a real cluster is already running); the CLK
matrix's scatter to the workers is in. The entities of every run must be identical.

    .venv/bin/python benchmarks/dask_cluster.py [--youth 180000] [--partners 84]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.process_usage import start_workers  # noqa: E402
from benchmarks.realistic_clks import load_realistic_clks, split_partners  # noqa: E402
from hublink.coordinator.matching import MatchSettings, match_partners  # noqa: E402
from hublink.coordinator.matching.workers import available_cores  # noqa: E402


def _timed(datasets, settings, client=None):
    started = time.perf_counter()
    result = match_partners(datasets, settings, client=client)
    return time.perf_counter() - started, result


def run(youth: int, partners: int, seed: int = 11) -> dict[str, float]:
    """Prints and returns the seconds of each path."""
    from dask.distributed import Client, LocalCluster

    datasets = split_partners(load_realistic_clks(youth, seed), partners).partner_clks()
    settings = MatchSettings()
    records = sum(dataset.record_count for dataset in datasets)
    print(f"{records:,} records of {len(datasets)} partners; {available_cores()} cores; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    start_workers(datasets, settings)  # the local worker processes run, as in a coordinator after its first match
    seconds: dict[str, float] = {}
    local_seconds, local = _timed(datasets, settings)
    seconds["local"] = local_seconds
    print(f"local (worker processes): {local_seconds:.1f}s; {local.entity_count:,} entities; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
                Client(cluster) as client:
            start_workers(datasets, settings, client)  # its workers load the kernels, as the local ones did
            took, result = _timed(datasets, settings, client)
        seconds[f"distributed-{workers}"] = took
        assert result.groups == local.groups, "the distributed path gave other entities"
        print(f"distributed, {workers} worker(s): {took:.1f}s; same entities; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
    speedup = seconds["distributed-1"] / seconds["distributed-2"]
    overhead = seconds["distributed-2"] / seconds["local"]
    print(f"2 workers over 1: {speedup:.2f}x (target >= 1.7x: {'met' if speedup >= 1.7 else 'NOT met'}); "
          f"distributed (2) / local: {overhead:.2f}x (target <= 1.3x: {'met' if overhead <= 1.3 else 'NOT met'})")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youth", type=int, default=180_000)
    parser.add_argument("--partners", type=int, default=84)
    arguments = parser.parse_args()
    run(arguments.youth, arguments.partners)


if __name__ == "__main__":
    main()
