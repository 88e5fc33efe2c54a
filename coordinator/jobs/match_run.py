"""A match run: link every current upload, then replace the link table in one transaction.

Link IDs carry over from the previous run (see ``matching.link_ids``); if the run fails, the
previous links stay in place and are still served.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.matching import MatchSettings, PartnerClks, assign_link_ids, match_partners
from hublink.coordinator.registry import get_project
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import Link, MatchRun, Upload, UploadRecord, utc_now

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


def _load_current(home: CoordinatorHome) -> tuple[list[PartnerClks], list[list[str]], list[str]]:
    datasets: list[PartnerClks] = []
    pseudonyms: list[list[str]] = []
    with home.database.session() as session:
        uploads = session.scalars(select(Upload).where(Upload.is_current.is_(True))
                                  .order_by(Upload.partner_id)).all()
        for upload in uploads:
            pseudonyms.append(list(session.scalars(
                select(UploadRecord.pseudonym).where(UploadRecord.upload_id == upload.id)
                .order_by(UploadRecord.position))))
            datasets.append(PartnerClks(partner_id=upload.partner_id,
                                        clks=home.blobs.read(upload.id),
                                        clk_bytes=upload.clk_bytes))
    return datasets, pseudonyms, [upload.id for upload in uploads]


def run_match(home: CoordinatorHome, settings: MatchSettings | None = None, client=None,
              progress: Callable[[str], None] | None = None) -> MatchSummary:
    """Links all current uploads across and within partners, stores stable link IDs and
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
        datasets, pseudonyms, upload_ids = _load_current(home)
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
            run.comparisons, run.upload_ids = result.comparisons, upload_ids
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
