"""Worker processes that compare blocks in parallel, reading the CLK rows from shared memory.

anonlink's Dice kernel holds the GIL, so threads compare one block at a time; processes do not.
The rows are copied once into a shared-memory segment that every worker maps read-only, so a task
carries only row indices and returns only the pairs at or above the threshold.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import shared_memory
from typing import Any, Callable

import numpy as np

__all__ = ["PROCESSES_FROM", "SharedRowsPool", "default_processes"]

PROCESSES_FROM = 50_000
"""Matches of fewer records stay in one process: starting workers (about a second) would not pay."""

_worker_rows: np.ndarray | None = None
_worker_memory: shared_memory.SharedMemory | None = None


def default_processes(record_count: int) -> int:
    """Given a match's record count, returns how many worker processes to use (0: none)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if cores > 1 and record_count >= PROCESSES_FROM else 0


def _attach(name: str, shape: tuple[int, ...], dtype: str) -> None:
    global _worker_rows, _worker_memory
    # The parent owns and unlinks the segment; a worker only maps it (spawned workers share the
    # parent's resource tracker, so the segment is tracked once, by name).
    _worker_memory = shared_memory.SharedMemory(name=name)
    _worker_rows = np.ndarray(shape, dtype=np.dtype(dtype), buffer=_worker_memory.buf)
    _worker_rows.flags.writeable = False


def _call_with_rows(function: Callable[..., Any], *arguments: Any) -> Any:
    return function(_worker_rows, *arguments)


class SharedRowsPool:
    """A pool of ``processes`` worker processes that see ``rows`` through shared memory.

    Use as a context manager; on exit the workers stop and the segment is freed.
    """

    def __init__(self, rows: np.ndarray, processes: int) -> None:
        self._memory = shared_memory.SharedMemory(create=True, size=max(rows.nbytes, 1))
        try:
            np.ndarray(rows.shape, dtype=rows.dtype, buffer=self._memory.buf)[...] = rows
            self._executor = ProcessPoolExecutor(
                max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                initializer=_attach, initargs=(self._memory.name, rows.shape, rows.dtype.str))
        except BaseException:
            self._release_memory()
            raise
        self.processes = processes

    def submit(self, function: Callable[..., Any], *arguments: Any) -> Future:
        """Given a module-level function taking the rows first, runs it in a worker with the rows."""
        return self._executor.submit(_call_with_rows, function, *arguments)

    def _release_memory(self) -> None:
        self._memory.close()
        self._memory.unlink()

    def close(self) -> None:
        """Stops the workers (cancelling tasks not started) and frees the shared memory."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._release_memory()

    def __enter__(self) -> "SharedRowsPool":
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()
