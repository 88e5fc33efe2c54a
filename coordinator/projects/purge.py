"""Destroy a project: ``purge_project`` (operator) and ``housekeeping`` (expiry, scheduled).

A purge removes the project's publications and output files, its copied files, its analyst
tokens, and the records (encodings, attributes, links, spooled chunks, the match state's copies)
of every partner of it that no other live project (draft or approved, unexpired) needs; those partners' syncs are
marked purged, so their agents' next sync must be full. The project row keeps only its name,
status and dates. A destruction record (counts, never identifiers) goes to the audit log.
"""

from __future__ import annotations

import shutil
from datetime import date

from sqlalchemy import delete, select

from hublink.coordinator.errors import Conflict, NotFound
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.jobs.match_state import forget_partners
from hublink.coordinator.projects.lifecycle import LIVE_STATUSES, project_folder
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import (ApiToken, Encoding, Link, Partner, Publication,
                                                RecordAttributes, SharingProject, Sync,
                                                SyncChunk, utc_now)

__all__ = ["purge_project", "housekeeping", "release_encodings"]


def purge_project(home: CoordinatorHome, name: str, actor: str = "operator",
                  reason: str = "operator") -> dict[str, int]:
    """Purges a project (see the module); returns the counts destroyed; raises NotFound or
    Conflict (already purged)."""
    today = date.today()
    with home.database.session() as session:
        row = session.scalars(select(SharingProject).where(SharingProject.name == name)).first()
        if row is None:
            raise NotFound(f"no project named {name!r}")
        if row.status == "purged":
            raise Conflict(f"project {name!r} was purged already")
        needed = {partner for other in session.scalars(
                      select(SharingProject).where(SharingProject.id != row.id,
                                                   SharingProject.status.in_(LIVE_STATUSES)))
                  if other.expires >= today for partner in other.definition.get("partners", [])}
        exclusive = sorted(set(row.definition.get("partners", [])) - needed)
        partner_ids = list(session.scalars(select(Partner.id).where(Partner.name.in_(exclusive))))
        open_syncs = list(session.scalars(select(Sync.id).where(Sync.partner_id.in_(partner_ids),
                                                                Sync.status == "open")))
        counts = {"partners": len(partner_ids)}
        for model in (Link, Encoding, RecordAttributes):
            counts[model.__tablename__] = session.execute(
                delete(model).where(model.partner_id.in_(partner_ids))).rowcount
        session.execute(delete(SyncChunk).where(SyncChunk.sync_id.in_(open_syncs)))
        for sync in session.scalars(select(Sync).where(Sync.partner_id.in_(partner_ids))):
            sync.status = "purged"
        counts["publications"] = session.execute(
            delete(Publication).where(Publication.project_id == row.id)).rowcount
        for token in session.scalars(select(ApiToken).where(ApiToken.project_id == row.id,
                                                             ApiToken.revoked_at.is_(None))):
            token.revoked_at = utc_now()
        row.status, row.purged_at = "purged", utc_now()
        row.definition = {"name": name, "purged_because": reason}
    forget_partners(home, partner_ids)
    for sync_id in open_syncs:
        home.spool.discard(sync_id)
    counts["spooled_syncs"] = len(open_syncs)
    from hublink.coordinator.outputs.publish import outputs_folder
    for folder in (outputs_folder(home, name), project_folder(home, name)):
        shutil.rmtree(folder, ignore_errors=True)
    record_event(home.database, actor, "project_purge", project=name, reason=reason, **counts)
    return counts


def release_encodings(home: CoordinatorHome, name: str, actor: str = "operator") -> int:
    """For a project with ``retention.delete_encodings_after_run``: deletes the encodings of its
    partners that no other live project keeps (one without that setting), with the match
    state's copies, and marks their syncs purged so their next sync is full; returns how many
    encodings were deleted."""
    today = date.today()
    with home.database.session() as session:
        row = session.scalars(select(SharingProject).where(SharingProject.name == name)).one()
        kept = {partner for other in session.scalars(
                    select(SharingProject).where(SharingProject.id != row.id,
                                                 SharingProject.status.in_(LIVE_STATUSES)))
                if other.expires >= today
                and not other.definition.get("retention", {}).get("delete_encodings_after_run")
                for partner in other.definition.get("partners", [])}
        released = sorted(set(row.definition.get("partners", [])) - kept)
        partner_ids = list(session.scalars(select(Partner.id).where(Partner.name.in_(released))))
        deleted = session.execute(delete(Encoding).where(Encoding.partner_id.in_(partner_ids))
                                  ).rowcount
        for sync in session.scalars(select(Sync).where(Sync.partner_id.in_(partner_ids),
                                                       Sync.status == "committed")):
            sync.status = "purged"
    forget_partners(home, partner_ids)
    record_event(home.database, actor, "encodings_deleted", project=name,
                 partners=len(partner_ids), encodings=deleted)
    return deleted


def housekeeping(home: CoordinatorHome) -> list[str]:
    """Purges every project whose expiry date has passed; returns their names. Meant for a
    daily timer; safe to repeat."""
    today = date.today()
    with home.database.session() as session:
        expired = [row.name for row in session.scalars(
            select(SharingProject).where(SharingProject.status != "purged"))
            if row.expires < today]
    for name in expired:
        purge_project(home, name, actor="housekeeping", reason="expired")
    return expired
