"""The project's linkage secret as the coordinator knows it: by fingerprint, never the secret.

This module owns the rules that involve it, used by syncs, the registry and match runs:
- a partner's *last committed sync* (which also records the fingerprint it was encoded under);
- the project adopts the fingerprint of the first committed sync;
- a *key rotation* is announced with the new secret's fingerprint; during it a partner's syncs
  may use either secret, the first under the new one full; a match refuses CLKs made under two
  secrets, and the first match after every partner synced under the new one ends the rotation.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from hublink.coordinator.errors import Conflict
from hublink.coordinator.registry import get_project
from hublink.coordinator.storage import Database, record_event
from hublink.coordinator.storage.models import Partner, Project, Sync
from hublink.shared.errors import FingerprintMismatch

__all__ = ["adopt_first_fingerprint", "announce_key_rotation", "check_one_secret",
           "check_sync_fingerprint", "last_committed_sync"]

_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def last_committed_sync(session: Session, partner_id: int) -> Sync | None:
    """Returns the partner's most recent committed sync, or None."""
    return session.scalars(select(Sync).where(Sync.partner_id == partner_id,
                                              Sync.status == "committed")
                           .order_by(Sync.committed_at.desc()).limit(1)).first()


def check_sync_fingerprint(project: Project, fingerprint: str, mode: str) -> None:
    """Given the project and a sync's fingerprint and mode, raises FingerprintMismatch unless
    the sync uses the project's secret (or the project has none yet) or the announced next one,
    and Conflict for a delta as the first sync under the next one."""
    if project.fingerprint in (None, fingerprint):
        return
    if project.next_fingerprint == fingerprint:
        if mode != "full":
            raise Conflict("during a key rotation the first sync under the new secret must be full")
        return
    raise FingerprintMismatch(
        "this sync was encoded with a different linkage schema or secret than the project's: "
        "check linkage.secret_file holds the hub's current secret")


def adopt_first_fingerprint(project: Project, sync: Sync) -> None:
    """Inside a sync's commit: the project takes the schema and fingerprint of its first sync."""
    if project.fingerprint is None:
        project.schema_id, project.fingerprint = sync.schema_id, sync.fingerprint


def announce_key_rotation(database: Database, fingerprint: str) -> None:
    """Accepts syncs under a new linkage secret, identified by its fingerprint (from the key
    custodian's `hublink-agent fingerprint`); the new secret becomes the project's once every
    partner has synced under it. Raises Conflict for a malformed or current fingerprint."""
    if not _FINGERPRINT.fullmatch(fingerprint):
        raise Conflict("a fingerprint is 64 lower-case hexadecimal characters")
    get_project(database)
    with database.session() as session:
        project = session.get(Project, 1)
        if project.fingerprint == fingerprint:
            raise Conflict("that fingerprint is already the project's")
        project.next_fingerprint = fingerprint
    record_event(database, "operator", "key_rotation_announced")


def check_one_secret(session: Session) -> None:
    """Inside a match run's load: raises Conflict, naming the partners still behind, when the
    partners' last committed syncs use different secrets; ends a finished key rotation."""
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
