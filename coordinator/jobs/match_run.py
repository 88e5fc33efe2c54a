"""A match run: link every partner's current records, then replace the link table at once.

A run is first queued (``jobs.queue``), then claimed by a worker (``jobs.worker``) or by
``run_match`` in the calling process, which holds its lease (``jobs.lease``) while it works.

Link IDs carry over from the previous run (see ``matching.link_ids``); if the run fails, the
previous links stay in place and are still served.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hublink.coordinator.errors import Conflict
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.linkage_secret import check_one_secret
from hublink.coordinator.jobs.lease import RunLease
from hublink.coordinator.jobs.history import link_moves, record_moves
from hublink.coordinator.jobs.match_state import MatchState, load_state, save_state, settings_key
from hublink.coordinator.jobs.carried_thresholds import (carried_thresholds, part_thresholds,
                                                          run_part_thresholds, with_part_thresholds)
from hublink.coordinator.jobs.queue import (DEFAULT_LEASE_SECONDS, ClaimedRun, RunCancelled,
                                            RunLost, Superseded, claim_run, enqueue_run,
                                            take_for_writing)
from hublink.coordinator.jobs.relink import (CurrentRecords, changed_partners, load_current,
                                             relink_changes, worth_relinking, write_relinked)
from hublink.coordinator.matching import MatchSettings, assign_link_ids, match_partners
from hublink.coordinator.matching.incremental import CandidateGraph
from hublink.coordinator.matching.progress import Progress, ProgressCallback
from hublink.coordinator.matching.records import ClkMatrix, pack_datasets
from hublink.coordinator.outputs.link_ids import (assign_partner_link_ids, partner_scoped_link_id,
                                                   parts_of_partners)
from hublink.coordinator.registry import get_project
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import Link, MatchRun, Partner, utc_now

__all__ = ["DEFAULT_LEASE_SECONDS", "MatchSummary", "execute_run", "run_match", "worker_name"]

log = logging.getLogger(__name__)

_INSERT_BATCH = 10_000


@dataclass(frozen=True)
class MatchSummary:
    run_id: int
    record_count: int
    entity_count: int
    comparisons: int
    seconds: float
    stage_seconds: dict[str, float]
    mode: str = "full"
    changed_records: int | None = None
    """Incremental runs: records added, changed or deleted since the previous run."""


def _last_written_run(session: Session) -> int | None:
    return session.scalar(select(MatchRun.id).where(MatchRun.status == "succeeded")
                          .order_by(MatchRun.started_at.desc(), MatchRun.id.desc()).limit(1))


def _load(home: CoordinatorHome, full: bool, settings_text: str) -> tuple[CurrentRecords, MatchState | None]:
    """Returns every partner's current records and, unless ``full``, the state of the run that
    wrote the current links (None when there is none to use)."""
    with home.database.session() as session:
        check_one_secret(session)
        base = None if full else _last_written_run(session)
        state = load_state(home, base)
        if state is not None and state.settings != settings_text:
            state = None
        partner_ids = list(session.scalars(select(Partner.id).order_by(Partner.id)))
        return load_current(home, session, partner_ids, state), state


def _save_state(home: CoordinatorHome, run_id: int, settings_text: str, current: CurrentRecords,
                matrix: ClkMatrix, graph: CandidateGraph, link_ids: list[str], partner_link_ids: list[str],
                comparisons: int, previous: MatchState | None) -> None:
    state = MatchState(
        run_id=run_id, settings=settings_text,
        partner_ids=np.array([dataset.partner_id for dataset in current.datasets], dtype=np.int64),
        sync_ids=list(current.sync_ids), offsets=matrix.offsets.astype(np.int64),
        pseudonyms=np.array([name.encode() for names in current.pseudonyms for name in names], dtype="S"),
        # link IDs are UUID text (ASCII), which numpy encodes itself, about 3x faster
        rows=matrix.rows, digests=current.digests, graph=graph, link_ids=np.array(link_ids, dtype="S36"),
        partner_link_ids=np.array(partner_link_ids, dtype="S36"),
        comparisons=comparisons)
    try:
        save_state(home, state, previous)
    except OSError as error:  # the links are written; the next run will be a full one
        log.warning("match run %s: could not keep its state for the next run (%s)", run_id,
                    type(error).__name__)


def execute_run(home: CoordinatorHome, claimed: ClaimedRun, lease: RunLease,
                client: Any = None) -> MatchSummary:
    """Given a claimed run and its held lease, links every partner's current records, replaces
    the links in one transaction and returns the run's figures. On error marks the run failed
    (``cancelled`` for a cancel) and re-raises; the previous links stay as they were.

    Unless the run asked for a full match, only the records that the changes since the run that
    wrote the current links touched are re-linked, when that run left its state and the settings
    are the same (see ``jobs.relink``); the result is a full run's (docs/matching.md)."""
    run_id, started = claimed.run_id, time.perf_counter()
    settings = operator_settings = MatchSettings.from_dict(claimed.settings)
    settings_text = settings_key(settings)
    record_event(home.database, "operator", "match_start", run=run_id, attempt=claimed.attempt)
    try:
        current, state = _load(home, claimed.full, settings_text)
        lease.checkpoint()
        incremental = worth_relinking(state, current, settings_text, settings)
        matrix = pack_datasets(current.datasets)
        keys = current.keys()
        if incremental:
            settings, review = carried_thresholds(home, state.run_id, settings)
            incremental = review is not None
        if incremental:
            lease.report(Progress("relinking", 0, None, f"re-linking {int((current.carried < 0).sum()):,} "
                                  f"new or changed records of {matrix.record_count:,}"))
            carried_parts = part_thresholds(review)
            relinked = relink_changes(state, current, matrix, settings, operator_settings, carried_parts)
            figures = (matrix.record_count, relinked.entity_count, relinked.comparisons)
            made_with = {**carried_parts, **relinked.part_thresholds}
        else:
            result = match_partners(current.datasets, settings, client=client, progress=lease.report)
            figures = (result.record_count, result.entity_count, result.comparisons)
            review = result.review
            groups = [[keys[int(matrix.offsets[d]) + r] for d, r in group] for group in result.groups]
            # A partner whose records are all as in the state keeps its partner link IDs: its
            # parts depend only on its records and the operator's settings (``outputs.link_ids``).
            everyone = {dataset.partner_id for dataset in current.datasets}
            kept = everyone - changed_partners(state, current) if state is not None else set()
            parts, made_with = parts_of_partners(current.datasets, current.pseudonyms, operator_settings,
                                                 only=everyone - kept)
            if kept:
                made_with.update({partner_id: thresholds for partner_id, thresholds
                                  in run_part_thresholds(home, state.run_id).items() if partner_id in kept})
        lease.set_stage("writing")
        # Exclusive: two runs finishing together must not interleave their reads of the
        # previous link IDs and their replacements of the table.
        with home.database.exclusive_session(Link.__tablename__) as session:
            take_for_writing(session, run_id, claimed.worker)
            if incremental:
                if _last_written_run(session) != state.run_id:
                    raise Superseded("another match run replaced the links since this run read them")
                write_relinked(session, run_id, relinked)
                link_ids, changed_records = relinked.link_ids, relinked.changed_records
                partner_link_ids = relinked.partner_link_ids
            else:
                previous, previous_partner = {}, {}
                scope_key = home.link_scope_key()
                for partner_id, pseudonym, link_id, partner_link_id in session.execute(
                        select(Link.partner_id, Link.pseudonym, Link.link_id, Link.partner_link_id)):
                    previous[(partner_id, pseudonym)] = link_id
                    previous_partner[(partner_id, pseudonym)] = partner_link_id or \
                        partner_scoped_link_id(scope_key, partner_id, link_id)
                assigned = assign_link_ids(groups, previous)
                if kept and _last_written_run(session) != state.run_id:
                    # the links were replaced since the state's run: make the kept parts too
                    more, more_made_with = parts_of_partners(current.datasets, current.pseudonyms,
                                                             operator_settings, only=kept)
                    parts += more
                    made_with.update(more_made_with)
                    kept = set()
                partner_assigned = assign_partner_link_ids(parts, previous_partner)
                partner_assigned.update({key: previous_partner[key] for key in keys if key[0] in kept})
                session.execute(delete(Link))
                rows = [{"partner_id": partner_id, "pseudonym": pseudonym, "link_id": link_id,
                         "partner_link_id": partner_assigned[(partner_id, pseudonym)],
                         "match_run_id": run_id} for (partner_id, pseudonym), link_id in assigned.items()]
                for start in range(0, len(rows), _INSERT_BATCH):
                    session.execute(Link.__table__.insert(), rows[start:start + _INSERT_BATCH])
                record_moves(session, run_id, link_moves(previous, assigned.items()))
                link_ids, changed_records = [assigned[key] for key in keys], None
                partner_link_ids = [partner_assigned[key] for key in keys]
            run = session.get(MatchRun, run_id)
            seconds = time.perf_counter() - started
            run.status, run.finished_at, run.seconds = "succeeded", utc_now(), seconds
            run.record_count, run.entity_count, run.comparisons = figures
            present = {dataset.partner_id for dataset in current.datasets}
            run.review = with_part_thresholds(review, {partner_id: thresholds for partner_id, thresholds
                                                       in made_with.items() if partner_id in present})
            run.sync_ids = current.sync_ids
            run.mode, run.changed_records = ("incremental" if incremental else "full"), changed_records
            run.stage, run.comparisons_done = "done", figures[2]
            run.comparisons_total = figures[2]
            run.worker, run.lease_expires_at = None, None
    except RunLost:
        raise  # the run is another worker's now: leave its row alone
    except Exception as error:
        status = "cancelled" if isinstance(error, RunCancelled) else "failed"
        with home.database.session() as session:
            session.execute(update(MatchRun).where(MatchRun.id == run_id,
                                                   MatchRun.worker == claimed.worker,
                                                   MatchRun.status == "running")
                            .values(status=status, finished_at=utc_now(), worker=None,
                                    lease_expires_at=None,
                                    error=None if status == "cancelled" else type(error).__name__))
        record_event(home.database, "operator", f"match_{status}", run=run_id,
                     error=type(error).__name__)
        raise
    if incremental:
        _save_state(home, run_id, settings_text, current, matrix, relinked.graph, link_ids, partner_link_ids,
                    state.comparisons, state)
    elif result.graph is not None:
        _save_state(home, run_id, settings_text, current, matrix, result.graph, link_ids, partner_link_ids,
                    result.comparisons, state)
    record_event(home.database, "operator", "match_succeeded", run=run_id, mode=run.mode,
                 records=figures[0], entities=figures[1])
    return MatchSummary(run_id=run_id, record_count=figures[0], entity_count=figures[1],
                        comparisons=figures[2], seconds=seconds, mode=run.mode,
                        changed_records=changed_records,
                        stage_seconds={} if incremental else dict(result.stage_seconds))


def run_match(home: CoordinatorHome, settings: MatchSettings | None = None, client: Any = None,
              progress: ProgressCallback | None = None,
              lease_seconds: float = DEFAULT_LEASE_SECONDS, full: bool = False) -> MatchSummary:
    """Queues a run (``full``: match every record again, never incrementally) and runs it here
    and now, holding its lease like a worker would; returns the run's figures. Raises as
    ``execute_run`` does."""
    get_project(home.database)
    run_id = enqueue_run(home.database, settings, full=full)
    claimed = claim_run(home.database, worker_name(), lease_seconds, run_id=run_id)
    if claimed is None:
        raise Conflict(f"match run {run_id} was taken by a worker or cancelled")
    with RunLease(home.database, run_id, claimed.worker, lease_seconds, forward=progress) as lease:
        return execute_run(home, claimed, lease, client=client)


def worker_name() -> str:
    """Returns this process's name as a worker: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"
