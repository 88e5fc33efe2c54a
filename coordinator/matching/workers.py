"""Worker processes that compare blocks in parallel, reading the CLK arrays from shared memory.

A whole LSH table is one task: its blocking (numpy key extraction and sorts) and the Python
around the compiled Dice kernel run in the worker too, so processes, not threads, keep every core
busy at city scale. The arrays (CLK rows, and their byte columns for blocking) are copied once per match into a
shared-memory segment that every worker maps read-only, so a task carries only row indices or
bit positions and returns only the pairs at or above the threshold.

The worker processes themselves outlive a match: starting them (spawn, importing numpy and
anonlink) costs one to several seconds, more than a city-sized match spends comparing on a
quiet machine, so a process starts them once and every later match reuses them. A worker maps
only the segment of the match it is working on; the parent unlinks each segment when its match
ends, so its memory is returned once every worker has moved on to the next match or stopped.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import shared_memory
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["PROCESSES_FROM", "SharedRowsPool", "default_processes", "stop_workers"]

PROCESSES_FROM = 20_000
"""A process whose workers are not running yet starts them for matches of this many records or
more: starting them cost 3.5 to 9 seconds on the loaded benchmark machine (``benchmarks/kernel.py``,
benchmarks/RESULTS-scale.md), about what one process needs for all pairs of 20,000 records."""

WARM_PROCESSES_FROM = 2_000
"""Once the workers run (a ``worker`` process after its first large match), matches of this many
records or more use them too: below, a task's round trip costs more than it saves."""

ArraySpec = tuple[str, tuple[tuple[tuple[int, ...], str, int, bool], ...]]
"""(segment name, ((shape, dtype, byte offset, whether workers may write it) of each array))."""

_executor: ProcessPoolExecutor | None = None
_executor_processes = 0
_mapped: tuple[str, shared_memory.SharedMemory, list[np.ndarray]] | None = None


def available_cores() -> int:
    """Returns the number of cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def default_processes(record_count: int) -> int:
    """Given a match's record count, returns how many worker processes to use (0: none)."""
    cores = available_cores()
    smallest = WARM_PROCESSES_FROM if _executor is not None and _executor_processes == cores else PROCESSES_FROM
    return cores if cores > 1 and record_count >= smallest else 0


def _executor_for(processes: int) -> ProcessPoolExecutor:
    """Returns this process's pool of ``processes`` workers, starting it (again) if needed."""
    global _executor, _executor_processes
    if _executor is not None and (_executor_processes != processes or getattr(_executor, "_broken", False)):
        stop_workers()
    if _executor is None:
        _executor = ProcessPoolExecutor(max_workers=processes,
                                        mp_context=multiprocessing.get_context("spawn"))
        _executor_processes = processes
    return _executor


def stop_workers() -> None:
    """Stops this process's worker processes, if any (they start again when next needed)."""
    global _executor, _executor_processes
    if _executor is not None:
        _executor.shutdown(wait=True, cancel_futures=True)
    _executor, _executor_processes = None, 0


atexit.register(stop_workers)


def _arrays_of(spec: ArraySpec) -> list[np.ndarray]:
    """In a worker: returns the arrays of ``spec``, mapping its segment (and unmapping the last)."""
    global _mapped
    name, layout = spec
    if _mapped is None or _mapped[0] != name:
        if _mapped is not None:
            _mapped[1].close()
            _mapped = None
        # The parent owns and unlinks the segment; a worker only maps it (spawned workers share
        # the parent's resource tracker, so the segment is tracked once, by name).
        memory = shared_memory.SharedMemory(name=name)
        arrays = []
        for shape, dtype, offset, writable in layout:
            array = np.ndarray(shape, dtype=np.dtype(dtype), buffer=memory.buf, offset=offset)
            array.flags.writeable = writable
            arrays.append(array)
        _mapped = (name, memory, arrays)
    return _mapped[2]


def _call_with_arrays(spec: ArraySpec, function: Callable[..., Any], *arguments: Any) -> Any:
    return function(*_arrays_of(spec), *arguments)


class SharedRowsPool:
    """``processes`` worker processes that see ``arrays`` through shared memory, read-only except
    those numbered in ``writable`` (tasks must then write disjoint parts of them).

    Use as a context manager: on exit the segment is freed and tasks not yet started are
    cancelled; the processes stay for the next match (:func:`stop_workers` ends them).
    """

    def __init__(self, arrays: Sequence[np.ndarray], processes: int, writable: Sequence[int] = ()) -> None:
        offsets, layout, size = [], [], 0
        for array in arrays:
            size = (size + 63) // 64 * 64  # each array starts on a cache line
            offsets.append(size)
            layout.append((tuple(array.shape), array.dtype.str, size, len(layout) in writable))
            size += array.nbytes
        self._memory = shared_memory.SharedMemory(create=True, size=max(size, 1))
        try:
            for array, offset in zip(arrays, offsets):
                np.ndarray(array.shape, dtype=array.dtype, buffer=self._memory.buf, offset=offset)[...] = array
            self._executor = _executor_for(processes)
        except BaseException:
            self._release_memory()
            raise
        self._spec: ArraySpec = (self._memory.name, tuple(layout))
        self._futures: list[Future] = []
        self.processes = processes

    def shared(self, index: int) -> np.ndarray:
        """Returns a writable view of the ``index``-th array in shared memory: what this process
        writes there, the workers read (they see each element either before or after a write)."""
        shape, dtype, offset, _ = self._spec[1][index]
        return np.ndarray(shape, dtype=np.dtype(dtype), buffer=self._memory.buf, offset=offset)

    def submit(self, function: Callable[..., Any], *arguments: Any) -> Future:
        """Given a module-level function taking the arrays first, runs it in a worker with them."""
        future = self._executor.submit(_call_with_arrays, self._spec, function, *arguments)
        self._futures = [pending for pending in self._futures if not pending.done()]
        self._futures.append(future)
        return future

    def _release_memory(self) -> None:
        self._memory.close()
        self._memory.unlink()

    def close(self) -> None:
        """Cancels tasks not started, waits for running ones and frees the shared memory."""
        for future in self._futures:
            future.cancel()
        for future in self._futures:
            if not future.cancelled():
                future.exception()  # waits; an error was already raised to whoever asked
        self._release_memory()

    def __enter__(self) -> "SharedRowsPool":
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()
