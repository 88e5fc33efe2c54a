"""A match run: link every partner's current records, then replace the link table at once.

Link IDs carry over from the previous run (see ``matching.link_ids``); if the run fails, the
previous links stay in place and are still served.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hublink.coordinator.errors import Conflict
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.matching import MatchSettings, PartnerClks, assign_link_ids, match_partners
from hublink.coordinator.registry import get_project
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import Encoding, Link, MatchRun, Partner, Project, utc_now
from hublink.coordinator.syncs import last_committed_sync

__all__ = ["MatchSummary", "run_match"]

_INSERT_BATCH = 10_000


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
            datasets.append(PartnerClks(partner_id=partner_id,
                                        clks=b"".join(clk for _, clk in rows),
                                        clk_bytes=sync.clk_bytes))
            sync_ids.append(sync.id)
    return datasets, pseudonyms, sync_ids


def run_match(home: CoordinatorHome, settings: MatchSettings | None = None, client=None,
              progress: Callable[[str], None] | None = None) -> MatchSummary:
    """Links every partner's current records across and within partners, stores stable link IDs and
    returns the run's figures; on error marks the run failed and re-raises."""
    get_project(home.database)
    settings = settings or MatchSettings()
    started = time.perf_counter()
    with home.database.session() as session:
        run = MatchRun(status="running")
        session.add(run)
        session.flush()
        run_id = run.id
    record_event(home.database, "operator", "match_start", run=run_id)
    try:
        datasets, pseudonyms, sync_ids = _load_current(home)
        result = match_partners(datasets, settings, client=client, progress=progress)
        groups = [[(datasets[d].partner_id, pseudonyms[d][r]) for d, r in group]
                  for group in result.groups]
        with home.database.session() as session:
            previous = {(partner_id, pseudonym): link_id for partner_id, pseudonym, link_id in
                        session.execute(select(Link.partner_id, Link.pseudonym, Link.link_id))}
            assigned = assign_link_ids(groups, previous)
            session.execute(delete(Link))
            rows = [{"partner_id": partner_id, "pseudonym": pseudonym, "link_id": link_id,
                     "match_run_id": run_id} for (partner_id, pseudonym), link_id in assigned.items()]
            for start in range(0, len(rows), _INSERT_BATCH):
                session.execute(Link.__table__.insert(), rows[start:start + _INSERT_BATCH])
            run = session.get(MatchRun, run_id)
            seconds = time.perf_counter() - started
            run.status, run.finished_at, run.seconds = "succeeded", utc_now(), seconds
            run.record_count, run.entity_count = result.record_count, result.entity_count
            run.comparisons, run.sync_ids = result.comparisons, sync_ids
    except Exception as error:
        with home.database.session() as session:
            run = session.get(MatchRun, run_id)
            run.status, run.finished_at = "failed", utc_now()
            run.error = type(error).__name__
        record_event(home.database, "operator", "match_failed", run=run_id,
                     error=type(error).__name__)
        raise
    record_event(home.database, "operator", "match_succeeded", run=run_id,
                 records=result.record_count, entities=result.entity_count)
    return MatchSummary(run_id=run_id, record_count=result.record_count,
                        entity_count=result.entity_count, comparisons=result.comparisons,
                        seconds=seconds, stage_seconds=dict(result.stage_seconds))
