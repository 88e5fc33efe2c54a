"""``hublink-coordinator worker``: takes queued match runs from the database and runs them.

Several workers may share one database (see ``jobs.queue`` for how they claim runs). Before
each claim a worker re-queues or fails the runs whose worker died (lease expired).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.jobs.lease import RunLease
from hublink.coordinator.jobs.match_run import (DEFAULT_LEASE_SECONDS, MatchSummary, execute_run,
                                                worker_name)
from hublink.coordinator.jobs.queue import (DEFAULT_POLL_SECONDS, FINISHED, RunLost, claim_run, get_run,
                                            recover_expired_runs)
from hublink.coordinator.matching.progress import ProgressCallback
from hublink.coordinator.storage.models import MatchRun

__all__ = ["RunOutcome", "run_next", "run_or_wait", "serve_queue"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    status: str
    summary: MatchSummary | None = None
    error: str | None = None


def run_next(home: CoordinatorHome, lease_seconds: float = DEFAULT_LEASE_SECONDS,
             client: Any = None, name: str | None = None) -> RunOutcome | None:
    """Recovers runs of dead workers, then claims and runs the oldest queued run; returns how it
    ended, or None when no run was queued."""
    recover_expired_runs(home.database)
    claimed = claim_run(home.database, name or worker_name(), lease_seconds)
    if claimed is None:
        return None
    log.info("match run %s: attempt %s", claimed.run_id, claimed.attempt)
    try:
        with RunLease(home.database, claimed.run_id, claimed.worker, lease_seconds,
                      forward=lambda progress: log.info("run %s: %s", claimed.run_id, progress)) as lease:
            summary = execute_run(home, claimed, lease, client=client)
    except RunLost as error:
        return RunOutcome(claimed.run_id, "lost", error=str(error))
    except Exception as error:
        status = get_run(home.database, claimed.run_id).status
        return RunOutcome(claimed.run_id, status, error=f"{type(error).__name__}: {error}")
    return RunOutcome(claimed.run_id, "succeeded", summary=summary)


def serve_queue(home: CoordinatorHome, lease_seconds: float = DEFAULT_LEASE_SECONDS,
                poll_seconds: float = DEFAULT_POLL_SECONDS, client: Any = None,
                report: Callable[[RunOutcome], None] | None = None) -> None:
    """Runs queued runs one after another, polling every ``poll_seconds`` when idle, until
    interrupted."""
    while True:
        outcome = run_next(home, lease_seconds, client)
        if outcome is None:
            time.sleep(poll_seconds)
        elif report is not None:
            report(outcome)


def run_or_wait(home: CoordinatorHome, run_id: int, lease_seconds: float = DEFAULT_LEASE_SECONDS,
                client: Any = None, progress: ProgressCallback | None = None,
                poll_seconds: float = 1.0) -> MatchRun:
    """Runs queued run ``run_id`` in this process, or, when a worker has it, waits until it has
    finished (taking it over if that worker dies); returns the finished run. Errors of a run made
    here propagate (the run is then marked failed or cancelled)."""
    while True:
        claimed = claim_run(home.database, worker_name(), lease_seconds, run_id=run_id)
        if claimed is not None:
            with RunLease(home.database, run_id, claimed.worker, lease_seconds,
                          forward=progress) as lease:
                execute_run(home, claimed, lease, client=client)
        run = get_run(home.database, run_id)
        if run.status in FINISHED:
            return run
        recover_expired_runs(home.database)
        time.sleep(poll_seconds)
