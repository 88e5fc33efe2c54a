"""A match run: link every partner's current records, then replace the link table at once.

A run is first queued (``jobs.queue``), then claimed by a worker (``jobs.worker``) or by
``run_match`` in the calling process, which holds its lease (``jobs.lease``) while it works.

Link IDs carry over from the previous run (see ``matching.link_ids``); if the run fails, the
previous links stay in place and are still served.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hublink.coordinator.errors import Conflict
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.jobs.lease import RunLease
from hublink.coordinator.jobs.queue import (ClaimedRun, RunCancelled, RunLost, claim_run,
                                            enqueue_run, take_for_writing)
from hublink.coordinator.matching import (BlockingSettings, MatchSettings, PartnerClks,
                                          assign_link_ids, match_partners)
from hublink.coordinator.outputs.link_ids import assign_partner_link_ids, partner_scoped_link_id
from hublink.coordinator.registry import get_project
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.sealed_records import open_clk
from hublink.coordinator.storage.models import Encoding, Link, MatchRun, Partner, Project, utc_now
from hublink.coordinator.syncs import last_committed_sync

__all__ = ["DEFAULT_LEASE_SECONDS", "MatchSummary", "execute_run", "run_match", "settings_values",
           "worker_name"]

_INSERT_BATCH = 10_000
DEFAULT_LEASE_SECONDS = 60.0


@dataclass(frozen=True)
class MatchSummary:
    run_id: int
    record_count: int
    entity_count: int
    comparisons: int
    seconds: float
    stage_seconds: dict[str, float]


def _check_one_secret(session: Session) -> None:
    """Refuses to compare CLKs made under different secrets; ends a finished key rotation."""
    by_fingerprint: dict[str, list[str]] = {}
    for partner in session.scalars(select(Partner).order_by(Partner.name)):
        sync = last_committed_sync(session, partner.id)
        if sync is not None:
            by_fingerprint.setdefault(sync.fingerprint, []).append(partner.name)
    project = session.get(Project, 1, with_for_update=True)
    if len(by_fingerprint) > 1:
        behind = by_fingerprint.get(project.fingerprint, [])
        raise Conflict("a key rotation is under way: these partners have not yet synced under "
                       "the new secret", details=behind)
    if by_fingerprint and project.next_fingerprint in by_fingerprint:
        project.fingerprint, project.next_fingerprint = project.next_fingerprint, None


def _load_current(home: CoordinatorHome) -> tuple[list[PartnerClks], list[list[str]], list[str]]:
    """Returns every partner's CLKs, their pseudonyms in the same order, and the sync ids."""
    datasets: list[PartnerClks] = []
    pseudonyms: list[list[str]] = []
    sync_ids: list[str] = []
    with home.database.session() as session:
        _check_one_secret(session)
        for partner_id in session.scalars(select(Partner.id).order_by(Partner.id)):
            sync = last_committed_sync(session, partner_id)
            rows = session.execute(select(Encoding.pseudonym, Encoding.clk)
                                   .where(Encoding.partner_id == partner_id)
                                   .order_by(Encoding.pseudonym)).all()
            if sync is None or not rows:
                continue
            pseudonyms.append([pseudonym for pseudonym, _ in rows])
            clks = b"".join(open_clk(home.sealer, partner_id, pseudonym, clk)
                            for pseudonym, clk in rows)
            datasets.append(PartnerClks(partner_id=partner_id, clks=clks,
                                        clk_bytes=sync.clk_bytes))
            sync_ids.append(sync.id)
    return datasets, pseudonyms, sync_ids


def execute_run(home: CoordinatorHome, claimed: ClaimedRun, lease: RunLease,
                client: Any = None) -> MatchSummary:
    """Given a claimed run and its held lease, links every partner's current records, replaces
    the links in one transaction and returns the run's figures. On error marks the run failed
    (``cancelled`` for a cancel) and re-raises; the previous links stay as they were."""
    run_id, started = claimed.run_id, time.perf_counter()
    settings = settings_from_values(claimed.settings)
    record_event(home.database, "operator", "match_start", run=run_id, attempt=claimed.attempt)
    try:
        datasets, pseudonyms, sync_ids = _load_current(home)
        lease.checkpoint()
        result = match_partners(datasets, settings, client=client, progress=lease.report)
        lease.set_stage("writing")
        groups = [[(datasets[d].partner_id, pseudonyms[d][r]) for d, r in group]
                  for group in result.groups]
        # Exclusive: two runs finishing together must not interleave their reads of the
        # previous link IDs and their replacements of the table.
        with home.database.exclusive_session(Link.__tablename__) as session:
            take_for_writing(session, run_id, claimed.worker)
            previous, previous_partner = {}, {}
            scope_key = home.link_scope_key()
            for partner_id, pseudonym, link_id, partner_link_id in session.execute(
                    select(Link.partner_id, Link.pseudonym, Link.link_id, Link.partner_link_id)):
                previous[(partner_id, pseudonym)] = link_id
                previous_partner[(partner_id, pseudonym)] = partner_link_id or \
                    partner_scoped_link_id(scope_key, partner_id, link_id)
            assigned = assign_link_ids(groups, previous)
            partner_assigned = assign_partner_link_ids(assigned, previous_partner)
            session.execute(delete(Link))
            rows = [{"partner_id": partner_id, "pseudonym": pseudonym, "link_id": link_id,
                     "partner_link_id": partner_assigned[(partner_id, pseudonym)],
                     "match_run_id": run_id} for (partner_id, pseudonym), link_id in assigned.items()]
            for start in range(0, len(rows), _INSERT_BATCH):
                session.execute(Link.__table__.insert(), rows[start:start + _INSERT_BATCH])
            run = session.get(MatchRun, run_id)
            seconds = time.perf_counter() - started
            run.status, run.finished_at, run.seconds = "succeeded", utc_now(), seconds
            run.record_count, run.entity_count = result.record_count, result.entity_count
            run.comparisons, run.sync_ids = result.comparisons, sync_ids
            run.review = result.review
            run.stage, run.comparisons_done = "done", result.comparisons
            run.comparisons_total = result.comparisons
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
    record_event(home.database, "operator", "match_succeeded", run=run_id,
                 records=result.record_count, entities=result.entity_count)
    return MatchSummary(run_id=run_id, record_count=result.record_count,
                        entity_count=result.entity_count, comparisons=result.comparisons,
                        seconds=seconds, stage_seconds=dict(result.stage_seconds))


def settings_values(settings: MatchSettings | None) -> dict[str, Any]:
    """Returns the settings that differ from the defaults, as stored on a queued run."""
    if settings is None:
        return {}
    defaults = MatchSettings()
    return {field.name: (asdict(value) if field.name == "blocking" else value)
            for field in fields(MatchSettings)
            if (value := getattr(settings, field.name)) != getattr(defaults, field.name)}


def settings_from_values(values: dict[str, Any]) -> MatchSettings:
    """The inverse of ``settings_values``."""
    values = dict(values)
    if "blocking" in values:
        values["blocking"] = BlockingSettings(**values["blocking"])
    return MatchSettings(**values)


def run_match(home: CoordinatorHome, settings: MatchSettings | None = None, client: Any = None,
              progress: Callable[[str], None] | None = None,
              lease_seconds: float = DEFAULT_LEASE_SECONDS) -> MatchSummary:
    """Queues a run and runs it here and now, holding its lease like a worker would; returns
    the run's figures. Raises as ``execute_run`` does."""
    get_project(home.database)
    run_id = enqueue_run(home.database, settings_values(settings))
    claimed = claim_run(home.database, worker_name(), lease_seconds, run_id=run_id)
    if claimed is None:
        raise Conflict(f"match run {run_id} was taken by a worker or cancelled")
    with RunLease(home.database, run_id, claimed.worker, lease_seconds, forward=progress) as lease:
        return execute_run(home, claimed, lease, client=client)


def worker_name() -> str:
    """Returns this process's name as a worker: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"
