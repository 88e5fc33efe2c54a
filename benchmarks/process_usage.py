"""What this process and its worker processes use: CPU seconds and memory, for the benchmarks.

On a shared machine wall-clock seconds say more about the other users than about the code, so
the matching benchmarks print the CPU seconds a run took beside them: the work done, whatever
share of the cores the run was given.
"""

from __future__ import annotations

from typing import Any, Sequence

import psutil

from hublink.coordinator.matching import MatchSettings, PartnerClks, match_partners
from hublink.coordinator.matching.workers import PROCESSES_FROM

__all__ = ["cpu_seconds", "proportional_bytes", "start_workers"]


def _tree() -> list[psutil.Process]:
    me = psutil.Process()
    return [me, *me.children(recursive=True)]


def cpu_seconds() -> float:
    """Returns the user and system CPU seconds of this process and its children so far (children
    that ended are not counted: take differences across a span when the same workers ran)."""
    total = 0.0
    for member in _tree():
        try:
            times = member.cpu_times()
        except psutil.Error:  # a worker that just ended
            continue
        total += times.user + times.system
    return total


def proportional_bytes() -> int:
    """Returns the proportional set size (shared memory counted once) of this process and its children."""
    total = 0
    for member in _tree():
        try:
            total += member.memory_full_info().pss
        except psutil.Error:
            continue
    return total


def start_workers(datasets: Sequence[PartnerClks], settings: MatchSettings = MatchSettings(),
                  client: Any = None) -> None:
    """Matches the first datasets that together hold ``workers.PROCESSES_FROM`` records, so the
    worker processes run (with the compiled kernels loaded) before a timed match, as they do in a
    coordinator worker after its first large match (fewer records would not start them); on the
    workers of a ``dask.distributed`` ``client`` when given, which then load the kernels alike."""
    records, count = 0, 0
    while count < len(datasets) and records < PROCESSES_FROM:
        records += datasets[count].record_count
        count += 1
    match_partners(datasets[:count], settings, client=client)
