"""A running match's lease: a heartbeat thread that renews it and writes the progress.

The matching engine reports :class:`~hublink.coordinator.matching.progress.Progress` records;
``RunLease.report`` keeps their stage and counts of comparisons in memory and is the checkpoint
where a cancelled (or lost) run stops. The thread writes the progress with each renewal, every
third of the lease, so the run row is written a few times a minute whatever the engine's pace.
"""

from __future__ import annotations

import logging
import threading

from hublink.coordinator.jobs.queue import RunCancelled, RunLost, renew_lease
from hublink.coordinator.matching.progress import Progress, ProgressCallback
from hublink.coordinator.storage import Database

__all__ = ["RunLease"]

log = logging.getLogger(__name__)


class RunLease:
    """Holds ``worker``'s lease on a run while the ``with`` block runs."""

    def __init__(self, database: Database, run_id: int, worker: str, lease_seconds: float,
                 forward: ProgressCallback | None = None) -> None:
        self.database, self.run_id, self.worker = database, run_id, worker
        self.lease_seconds = lease_seconds
        self.forward = forward
        self.stage: str | None = "loading"
        self.comparisons_done = 0
        self.comparisons_total: int | None = None
        self._cancelled = threading.Event()
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-run-{run_id}", daemon=True)

    def __enter__(self) -> RunLease:
        self.renew()
        self._thread.start()
        return self

    def __exit__(self, *exception: object) -> None:
        self._stop.set()
        self._thread.join()

    def renew(self) -> None:
        """Renews the lease and writes the progress now; notes a cancel request or a lost run."""
        try:
            if renew_lease(self.database, self.run_id, self.worker, self.lease_seconds,
                           self.stage, self.comparisons_done, self.comparisons_total):
                self._cancelled.set()
        except RunLost:
            self._lost.set()
        except Exception:  # a transient database error: the next beat tries again
            log.warning("could not renew the lease of match run %s", self.run_id, exc_info=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            self.renew()

    def set_stage(self, stage: str) -> None:
        self.stage = stage
        self.checkpoint()

    def report(self, progress: Progress) -> None:
        """The engine's progress callback: keeps the record's fields (a None count leaves the
        one kept), forwards the record, then checks for a cancel."""
        self.stage = progress.stage
        if progress.done is not None:
            self.comparisons_done = progress.done
        if progress.total is not None:
            self.comparisons_total = progress.total
        if self.forward is not None:
            self.forward(progress)
        self.checkpoint()

    def checkpoint(self) -> None:
        """Raises RunCancelled or RunLost when the run must stop."""
        if self._lost.is_set():
            raise RunLost(f"match run {self.run_id} is no longer held by {self.worker}")
        if self._cancelled.is_set():
            raise RunCancelled(f"match run {self.run_id} was cancelled")
