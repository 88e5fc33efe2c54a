"""What the coordinator holds: per partner and for the whole hub (counts and times only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.registry import get_project
from hublink.coordinator.storage.models import Link, MatchRun, Partner
from hublink.coordinator.linkage_secret import last_committed_sync

__all__ = ["partner_status", "hub_status"]


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _run_summary(run: MatchRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {"id": run.id, "status": run.status, "started_at": _time(run.started_at),
            "finished_at": _time(run.finished_at), "records": run.record_count,
            "entities": run.entity_count, "seconds": round(run.seconds, 2)}


def _last_run(session) -> MatchRun | None:  # type: ignore[no-untyped-def]
    return session.scalars(select(MatchRun).order_by(MatchRun.id.desc()).limit(1)).first()


def _active_runs(session) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    runs = session.scalars(select(MatchRun).where(MatchRun.status.in_(("queued", "running")))
                           .order_by(MatchRun.id))
    return [{"id": run.id, "status": run.status, "stage": run.stage, "attempts": run.attempts,
             "comparisons_done": run.comparisons_done,
             "comparisons_total": run.comparisons_total} for run in runs]


def partner_status(home: CoordinatorHome, partner: Partner) -> dict[str, Any]:
    """Returns the partner's own figures only: its last committed sync, and of the last
    successful match run its time and how many of the partner's records it linked. No
    hub-wide count (records, entities, partners): a partner could test membership with it."""
    with home.database.session() as session:
        sync = last_committed_sync(session, partner.id)
        run = session.scalars(select(MatchRun).where(MatchRun.status == "succeeded")
                              .order_by(MatchRun.id.desc()).limit(1)).first()
        linked = session.scalar(select(func.count()).select_from(Link)
                                .where(Link.partner_id == partner.id))
        return {
            "partner": partner.name,
            "last_sync": None if sync is None else {
                "id": sync.id, "mode": sync.mode, "committed_at": _time(sync.committed_at),
                "records": sync.record_count, "added": sync.added, "changed": sync.changed,
                "deleted": sync.deleted},
            "last_match": None if run is None else {
                "id": run.id, "status": run.status, "finished_at": _time(run.finished_at),
                "your_records_linked": linked},
        }


def hub_status(home: CoordinatorHome) -> dict[str, Any]:
    """Returns the project, every partner with its last sync, the last match run, and the
    queued and running runs with their progress."""
    project = get_project(home.database)
    with home.database.session() as session:
        partners = []
        for partner in session.scalars(select(Partner).order_by(Partner.name)):
            sync = last_committed_sync(session, partner.id)
            partners.append({"name": partner.name,
                             "last_sync": _time(sync.committed_at) if sync else None,
                             "records": sync.record_count if sync else 0})
        return {"link_scope": project.link_scope, "schema_id": project.schema_id,
                "partners": partners, "last_match": _run_summary(_last_run(session)),
                "active_matches": _active_runs(session)}
