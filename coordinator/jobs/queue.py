"""The match-run queue, kept in the ``match_runs`` table so that any number of workers share it.

A worker claims a run with a conditional UPDATE (``WHERE status = 'queued'``) after picking it
with ``SELECT ... FOR UPDATE SKIP LOCKED``: on PostgreSQL the row lock lets concurrent workers
skip each other's picks; on SQLite (one writer at a time, no row locks) the conditional UPDATE
alone decides, and a worker that loses the race picks again. A claimed run carries a lease that
its worker renews; a run whose lease expired lost its worker and is queued again, at most
``MAX_ATTEMPTS`` attempts in all, then marked failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from hublink.coordinator.errors import Conflict, NotFound
from hublink.coordinator.storage import Database, record_event
from hublink.coordinator.storage.models import MatchRun, utc_now
from hublink.shared.errors import HublinkError

if TYPE_CHECKING:  # the matching engine is imported only where a run is queued or run
    from hublink.coordinator.matching.engine import MatchSettings

__all__ = ["DEFAULT_LEASE_SECONDS", "DEFAULT_POLL_SECONDS", "FINISHED", "MAX_ATTEMPTS",
           "ClaimedRun", "RunCancelled", "RunLost", "Superseded", "claim_run", "enqueue_run",
           "get_run", "list_runs", "recover_expired_runs", "renew_lease", "request_cancel",
           "take_for_writing"]

MAX_ATTEMPTS = 2
DEFAULT_LEASE_SECONDS = 60.0
"""How long a claimed run stays its worker's without a renewal."""
DEFAULT_POLL_SECONDS = 5.0
"""How often an idle worker looks for queued runs."""
FINISHED = ("succeeded", "failed", "cancelled")


class RunCancelled(HublinkError):
    code = "cancelled"


class Superseded(HublinkError):
    """A run that started later (so read newer records) has already replaced the links."""

    code = "superseded"


class RunLost(HublinkError):
    """This worker no longer holds the run: its lease expired and the run went elsewhere."""

    code = "run_lost"


@dataclass(frozen=True)
class ClaimedRun:
    run_id: int
    worker: str
    attempt: int
    settings: dict[str, Any]
    full: bool = False


def enqueue_run(database: Database, settings: MatchSettings | None = None, full: bool = False) -> int:
    """Given the match settings and whether every record must be matched again (``full``),
    queues a run and returns its id. Raises InvalidMatchInput, listing every problem, for
    settings a run would fail on: nothing is queued then."""
    from hublink.coordinator.matching.engine import MatchSettings
    stored = (settings or MatchSettings()).check().to_dict()
    with database.session() as session:
        run = MatchRun(status="queued", queued_at=utc_now(), settings=stored, full_requested=full)
        session.add(run)
        session.flush()
        run_id = run.id
    record_event(database, "operator", "match_queued", run=run_id, full=full)
    return run_id


def recover_expired_runs(database: Database) -> list[tuple[int, str]]:
    """Queues again (or, after ``MAX_ATTEMPTS``, fails) every running run whose lease expired;
    returns (run id, new status) of each."""
    now = utc_now()
    recovered: list[tuple[int, str]] = []
    with database.session() as session:
        expired = session.execute(select(MatchRun.id, MatchRun.attempts, MatchRun.cancel_requested)
                                  .where(MatchRun.status == "running",
                                         MatchRun.lease_expires_at < now)).all()
        for run_id, attempts, cancel_requested in expired:
            if cancel_requested:
                values = {"status": "cancelled", "finished_at": now}
            elif attempts < MAX_ATTEMPTS:
                values = {"status": "queued", "stage": None, "comparisons_done": 0}
            else:
                values = {"status": "failed", "finished_at": now, "error": "WorkerLost"}
            changed = session.execute(
                update(MatchRun).where(MatchRun.id == run_id, MatchRun.status == "running",
                                       MatchRun.lease_expires_at < now)
                .values(worker=None, lease_expires_at=None, **values)).rowcount
            if changed:
                recovered.append((run_id, values["status"]))
    for run_id, status in recovered:
        record_event(database, "worker", "match_worker_lost", run=run_id, now=status)
    return recovered


def claim_run(database: Database, worker: str, lease_seconds: float,
              run_id: int | None = None) -> ClaimedRun | None:
    """Claims the oldest queued run (or run ``run_id`` only) for ``worker``; returns it, or None
    when there is nothing to claim."""
    while True:
        with database.session() as session:
            query = select(MatchRun.id).where(MatchRun.status == "queued")
            if run_id is not None:
                query = query.where(MatchRun.id == run_id)
            candidate = session.scalars(query.order_by(MatchRun.id).limit(1)
                                        .with_for_update(skip_locked=True)).first()
            if candidate is None:
                return None
            now = utc_now()
            claimed = session.execute(
                update(MatchRun).where(MatchRun.id == candidate, MatchRun.status == "queued")
                .values(status="running", worker=worker, started_at=now,
                        lease_expires_at=now + timedelta(seconds=lease_seconds),
                        attempts=MatchRun.attempts + 1, stage="queued", comparisons_done=0,
                        comparisons_total=None)).rowcount
            if claimed:
                run = session.get(MatchRun, candidate)
                session.refresh(run)
                return ClaimedRun(run_id=candidate, worker=worker, attempt=run.attempts,
                                  settings=dict(run.settings or {}), full=bool(run.full_requested))
        if run_id is not None:
            return None


def renew_lease(database: Database, run_id: int, worker: str, lease_seconds: float,
                stage: str | None, comparisons_done: int,
                comparisons_total: int | None) -> bool:
    """Extends ``worker``'s lease on the run and stores its progress; returns whether a cancel
    was requested. Raises :class:`RunLost` when the run is no longer this worker's."""
    with database.session() as session:
        changed = session.execute(
            update(MatchRun).where(MatchRun.id == run_id, MatchRun.worker == worker,
                                   MatchRun.status == "running")
            .values(lease_expires_at=utc_now() + timedelta(seconds=lease_seconds), stage=stage,
                    comparisons_done=comparisons_done, comparisons_total=comparisons_total)
        ).rowcount
        if not changed:
            raise RunLost(f"match run {run_id} is no longer held by {worker}")
        return bool(session.scalar(select(MatchRun.cancel_requested)
                                   .where(MatchRun.id == run_id)))


def take_for_writing(session: Any, run_id: int, worker: str) -> None:
    """Inside the (exclusive) transaction that replaces the links: marks the run ``writing`` if
    it is still ``worker``'s and not cancelled, so that a worker whose lease was taken over never
    overwrites the links (RunLost, RunCancelled); raises Superseded when a run that started later
    has already written them."""
    changed = session.execute(
        update(MatchRun).where(MatchRun.id == run_id, MatchRun.worker == worker,
                               MatchRun.status == "running", MatchRun.cancel_requested.is_(False))
        .values(stage="writing")).rowcount
    if changed:
        started = session.scalar(select(MatchRun.started_at).where(MatchRun.id == run_id))
        newer = session.scalar(select(MatchRun.id).where(MatchRun.status == "succeeded",
                                                         MatchRun.started_at > started).limit(1))
        if newer is not None:
            raise Superseded(f"match run {newer}, started later, has already replaced the links")
        return
    if session.scalar(select(MatchRun.cancel_requested).where(MatchRun.id == run_id)):
        raise RunCancelled(f"match run {run_id} was cancelled")
    raise RunLost(f"match run {run_id} is no longer held by {worker}")


def request_cancel(database: Database, run_id: int) -> str:
    """Cancels a queued run at once, or asks a running one to stop at its next checkpoint;
    returns the run's status afterwards. Raises NotFound or Conflict (already finished)."""
    with database.session() as session:
        status = session.scalar(select(MatchRun.status).where(MatchRun.id == run_id))
        if status is None:
            raise NotFound(f"match run {run_id} does not exist")
        if session.execute(update(MatchRun).where(MatchRun.id == run_id,
                                                  MatchRun.status == "queued")
                           .values(status="cancelled", cancel_requested=True,
                                   finished_at=utc_now())).rowcount:
            status = "cancelled"
        elif session.execute(update(MatchRun).where(MatchRun.id == run_id,
                                                    MatchRun.status == "running")
                             .values(cancel_requested=True)).rowcount:
            status = "cancelling"
        else:
            raise Conflict(f"match run {run_id} has already finished ({status})")
    record_event(database, "operator", "match_cancel", run=run_id, now=status)
    return status


def get_run(database: Database, run_id: int) -> MatchRun:
    """Returns the run (detached). Raises NotFound."""
    with database.session() as session:
        run = session.get(MatchRun, run_id)
        if run is None:
            raise NotFound(f"match run {run_id} does not exist")
        return run


def list_runs(database: Database, limit: int = 20) -> list[MatchRun]:
    """Returns the newest ``limit`` runs, newest first (detached)."""
    with database.session() as session:
        return list(session.scalars(select(MatchRun).order_by(MatchRun.id.desc()).limit(limit)))
