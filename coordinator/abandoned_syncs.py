"""Open syncs that will never be committed, removed with their spooled chunks.

An agent whose sync was interrupted while its source changed starts a new sync and never returns
to the old one, so a commit supersedes the partner's other open syncs
(:func:`discard_superseded_syncs`); an open sync idle past ``SYNC_EXPIRY_HOURS`` expires
(:func:`collect_abandoned_syncs`, run whenever a sync opens), and so do spool folders of syncs
that no longer exist.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.service_limits import ServiceLimits
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import Sync, SyncChunk, utc_now

__all__ = ["collect_abandoned_syncs", "discard_superseded_syncs"]


def discard_superseded_syncs(home: CoordinatorHome, partner_id: int) -> None:
    """Removes the partner's other open syncs: a commit supersedes them (an agent whose sync
    was interrupted while its source changed starts a new one and never returns to the old)."""
    with home.database.session() as session:
        abandoned = session.scalars(select(Sync.id).where(Sync.partner_id == partner_id,
                                                          Sync.status == "open")).all()
        if abandoned:
            session.execute(delete(SyncChunk).where(SyncChunk.sync_id.in_(abandoned)))
            session.execute(delete(Sync).where(Sync.id.in_(abandoned)))
    for sync_id in abandoned:
        home.spool.discard(sync_id)


def collect_abandoned_syncs(home: CoordinatorHome, limits: ServiceLimits = ServiceLimits()
                            ) -> int:
    """Removes every open sync idle for longer than ``SYNC_EXPIRY_HOURS`` (no chunk since),
    with its spooled chunks, and spool folders of syncs that no longer exist; returns how many
    syncs it removed."""
    cutoff = utc_now() - timedelta(hours=limits.SYNC_EXPIRY_HOURS)
    with home.database.session() as session:
        expired = session.scalars(select(Sync.id).where(
            Sync.status == "open",
            or_(Sync.last_activity_at < cutoff,
                Sync.last_activity_at.is_(None) & (Sync.created_at < cutoff)))).all()
        if expired:
            session.execute(delete(SyncChunk).where(SyncChunk.sync_id.in_(expired)))
            session.execute(delete(Sync).where(Sync.id.in_(expired)))
        still_open = set(session.scalars(select(Sync.id).where(Sync.status == "open")))
    for sync_id in expired:
        home.spool.discard(sync_id)
    for sync_id in home.spool.sync_ids():
        # Only old orphans: a folder this young may belong to a sync opened since the query.
        if sync_id not in still_open and home.spool.idle_seconds(sync_id) > 3600:
            home.spool.discard(sync_id)
    if expired:
        record_event(home.database, "hublink", "syncs_expired", syncs=len(expired))
    return len(expired)
