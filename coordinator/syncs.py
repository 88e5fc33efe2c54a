"""Receive syncs: open, take chunks, commit in one transaction; every step idempotent.

A refused step changes nothing. Chunks wait in the spool until the commit; the commit checks
that every chunk arrived and that the partner ends with exactly the record count the agent
announced, then replaces (full) or updates (delta) the partner's records at once.

Only attributes the hub declared (``attribute_declarations``) are accepted: names at the
open, values at each chunk and again, with the PII firewall over the whole sync, at the
commit. Each partner's quotas (``service_limits``) bound its open syncs and what one sync
may carry; an open sync left idle past its expiry is collected with its spooled chunks.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hublink.coordinator.abandoned_syncs import collect_abandoned_syncs, discard_superseded_syncs
from hublink.coordinator.attribute_declarations import load_declarations
from hublink.coordinator.errors import Conflict, NotFound
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.linkage_secret import (adopt_first_fingerprint, check_sync_fingerprint,
                                                last_committed_sync)
from hublink.coordinator.service_limits import QuotaExceeded, ServiceLimits, SyncTooLarge
from hublink.coordinator.registry import get_project
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import (Encoding, Partner, Project, RecordAttributes, Sync,
                                                SyncChunk, utc_now)
from hublink.coordinator.sync_chunks import (apply_spooled_chunks, enrollment_names, start_of,
                                             value_columns)
from hublink.shared.attribute_types import undeclared_problems, value_problems
from hublink.shared.attributes import MAX_ATTRIBUTE_VALUE_LENGTH
from hublink.shared.errors import InvalidPackage
from hublink.shared.linkage_schema import SchemaRefused, load_linkage_schema
from hublink.shared.sync_protocol import SyncChunk as WireChunk
from hublink.shared.sync_protocol import MAX_CHUNK_NUMBER, MAX_CHUNK_RECORDS, SyncCommit, SyncStart

__all__ = ["open_sync", "receive_chunk", "sync_state", "commit_sync", "chunk_body_limit"]


def _check_schema(start: SyncStart) -> None:
    try:
        schema = load_linkage_schema(start.schema_id)
    except SchemaRefused as error:
        raise InvalidPackage(str(error), details=error.problems) from None
    except (FileNotFoundError, ValueError):
        raise InvalidPackage(f"unknown linkage schema {start.schema_id!r}: update the agent "
                             "or ask the hub which schema it uses") from None
    if start.clk_bytes != schema.clk_bytes:
        raise InvalidPackage(f"schema {schema.schema_id} makes {schema.clk_bytes}-byte CLKs, "
                             f"the sync announces {start.clk_bytes}")


def _owned_sync(session: Session, partner: Partner, sync_id: str) -> Sync:
    sync = session.get(Sync, sync_id)
    if sync is None or sync.partner_id != partner.id:
        raise NotFound(f"sync {sync_id} does not exist for this partner")
    return sync


def sync_state(home: CoordinatorHome, partner: Partner, sync_id: str) -> dict[str, Any]:
    """Returns the sync's status and the numbers of the chunks received so far."""
    with home.database.session() as session:
        sync = _owned_sync(session, partner, sync_id)
        chunks = session.scalars(select(SyncChunk.number).where(SyncChunk.sync_id == sync_id)
                                 .order_by(SyncChunk.number)).all()
        return {"sync_id": sync.id, "mode": sync.mode, "status": sync.status,
                "received_chunks": list(chunks), "record_count": sync.record_count,
                "added": sync.added, "changed": sync.changed, "deleted": sync.deleted}


def open_sync(home: CoordinatorHome, partner: Partner, start: SyncStart,
              limits: ServiceLimits = ServiceLimits()) -> dict[str, Any]:
    """Opens the sync (or returns the open one of that id); raises InvalidPackage (among
    others for an undeclared attribute), FingerprintMismatch, Conflict (a stale delta base,
    an id reused differently) or QuotaExceeded (too many open syncs)."""
    get_project(home.database)
    _check_schema(start)
    undeclared = undeclared_problems(start.attribute_names + start.enrollment_names,
                                     load_declarations(home.path))
    if undeclared:
        raise InvalidPackage("the sync names attributes the hub does not accept",
                             details=undeclared)
    collect_abandoned_syncs(home, limits)
    with home.database.session() as session:
        project = session.get(Project, 1)
        check_sync_fingerprint(project, start.fingerprint, start.mode)
        existing = session.get(Sync, start.sync_id)
        if existing is not None:
            same = (existing.partner_id, existing.mode, existing.base_sync_id, existing.fingerprint,
                    tuple(existing.attribute_names), enrollment_names(existing)) == (
                partner.id, start.mode, start.base_sync_id, start.fingerprint,
                start.attribute_names, start.enrollment_names)
            if not same:
                raise Conflict(f"sync {start.sync_id} already exists with other settings")
        else:
            if start.mode == "delta":
                base = last_committed_sync(session, partner.id)
                if base is None or base.id != start.base_sync_id:
                    raise Conflict("the delta's base is not this partner's last committed sync: "
                                   "send a full sync", details=["stale_base"])
                if (tuple(base.attribute_names), enrollment_names(base)) != (
                        start.attribute_names, start.enrollment_names):
                    raise Conflict("the attributes changed since the last sync: send a full sync",
                                   details=["attributes_changed"])
            open_count = session.scalar(select(func.count()).select_from(Sync).where(
                Sync.partner_id == partner.id, Sync.status == "open"))
            if open_count >= limits.MAX_OPEN_SYNCS_PER_PARTNER:
                raise QuotaExceeded(
                    f"this partner already has {open_count} open syncs, the most it may hold: "
                    f"commit one, or wait until idle ones expire "
                    f"({limits.SYNC_EXPIRY_HOURS:g} hours)", details=["open_syncs"])
            session.add(Sync(id=start.sync_id, partner_id=partner.id, mode=start.mode,
                             last_activity_at=utc_now(),
                             base_sync_id=start.base_sync_id, schema_id=start.schema_id,
                             fingerprint=start.fingerprint, clk_bytes=start.clk_bytes,
                             attribute_names=list(start.attribute_names),
                             enrollment_names=list(start.enrollment_names),
                             agent_version=start.agent_version))
    return sync_state(home, partner, start.sync_id)


def chunk_body_limit(home: CoordinatorHome, partner: Partner, sync_id: str) -> int:
    """Returns the most bytes a chunk body of this sync can need (a full chunk of its CLK
    size and attributes, every character escaped), so a larger body is refused unread;
    raises NotFound."""
    with home.database.session() as session:
        sync = _owned_sync(session, partner, sync_id)
        per_record = (4 * sync.clk_bytes // 3 + 4) + 70 + len(sync.attribute_names) * (
            6 * MAX_ATTRIBUTE_VALUE_LENGTH + 50)
    return MAX_CHUNK_RECORDS * per_record + 64 * 1024


def receive_chunk(home: CoordinatorHome, partner: Partner, sync_id: str, number: int,
                  body: object, size: int = 0,
                  limits: ServiceLimits = ServiceLimits()) -> dict[str, Any]:
    """Validates and spools chunk ``number`` of ``size`` bytes (a resent chunk replaces the
    earlier copy); raises InvalidPackage (a value its declared type refuses), NotFound,
    Conflict (sync already committed) or SyncTooLarge (the sync's quotas)."""
    with home.database.session() as session:
        sync = _owned_sync(session, partner, sync_id)
        if sync.status != "open":
            raise Conflict(f"sync {sync_id} is already {sync.status}")
        start = start_of(sync)
        others = session.execute(select(func.coalesce(func.sum(SyncChunk.bytes), 0),
                                        func.coalesce(func.sum(SyncChunk.upserts
                                                               + SyncChunk.deletes), 0))
                                 .where(SyncChunk.sync_id == sync_id,
                                        SyncChunk.number != number)).one()
    if not 0 <= number <= MAX_CHUNK_NUMBER:
        raise InvalidPackage(f"chunk numbers run from 0 to {MAX_CHUNK_NUMBER}")
    chunk = WireChunk.from_wire(body, start)
    problems = value_problems(load_declarations(home.path), value_columns(chunk))
    if problems:
        raise InvalidPackage("the chunk holds values the hub's attribute types refuse",
                             details=problems)
    records = len(chunk.pseudonyms) + len(chunk.deletes)
    if others[0] + size > limits.MAX_SYNC_BYTES or others[1] + records > limits.MAX_SYNC_RECORDS:
        raise SyncTooLarge(f"a sync may carry at most {limits.MAX_SYNC_RECORDS} records and "
                           f"{limits.MAX_SYNC_BYTES} bytes of chunks: this chunk goes beyond; "
                           "ask the hub operator to raise the quota", details=["sync_quota"])
    home.spool.write(sync_id, number, json.dumps(chunk.to_wire()).encode())
    with home.database.session() as session:
        row = session.get(SyncChunk, (sync_id, number))
        if row is None:
            session.add(SyncChunk(sync_id=sync_id, number=number, upserts=len(chunk.pseudonyms),
                                  deletes=len(chunk.deletes), bytes=size))
        else:
            row.upserts, row.deletes, row.bytes = len(chunk.pseudonyms), len(chunk.deletes), size
        sync = session.get(Sync, sync_id)
        sync.last_activity_at, sync.bytes_received = utc_now(), others[0] + size
    return {"sync_id": sync_id, "chunk": number, "upserts": len(chunk.pseudonyms),
            "deletes": len(chunk.deletes)}


def commit_sync(home: CoordinatorHome, partner: Partner, sync_id: str,
                commit: SyncCommit, actor: str | None = None) -> dict[str, Any]:
    """Applies every chunk of the sync in one transaction and returns the receipt; a repeated
    commit returns the same receipt. Raises Conflict when chunks are missing, the base is stale
    or the resulting record count differs from the agent's, InvalidPackage when the whole
    sync breaks the attribute declarations or the PII firewall; then nothing changes."""
    with home.database.session() as session:
        sync = _owned_sync(session, partner, sync_id)
        if sync.status == "committed":
            return sync_state(home, partner, sync_id)
        received = set(session.scalars(select(SyncChunk.number).where(SyncChunk.sync_id == sync_id)))
    missing = sorted(set(range(commit.chunk_count)) - received)
    extra = sorted(received - set(range(commit.chunk_count)))
    if missing or extra:
        raise Conflict("the sync's chunks are incomplete: send the missing chunks, then commit",
                       details=[f"missing chunk {n}" for n in missing[:20]]
                       + [f"unexpected chunk {n}" for n in extra[:20]])
    with home.database.session() as session:
        session.get(Partner, partner.id, with_for_update=True)
        sync = session.get(Sync, sync_id)
        if sync.mode == "delta":
            base = last_committed_sync(session, partner.id)
            if base is None or base.id != sync.base_sync_id:
                raise Conflict("another sync was committed since this delta began: send a full sync",
                               details=["stale_base"])
        else:
            before = session.scalar(select(func.count()).select_from(Encoding)
                                    .where(Encoding.partner_id == partner.id))
            for model in (Encoding, RecordAttributes):
                session.execute(delete(model).where(model.partner_id == partner.id))
        totals, problems = apply_spooled_chunks(session, home, sync, commit.chunk_count)
        if problems:
            raise InvalidPackage("the sync's attributes would be refused: nothing was stored; "
                                 "change the agent's [attributes] and send a new sync",
                                 details=problems)
        record_count = session.scalar(select(func.count()).select_from(Encoding)
                                      .where(Encoding.partner_id == partner.id))
        if record_count != commit.record_count:
            raise Conflict(f"after this sync the coordinator would hold {record_count} records, "
                           f"the agent has {commit.record_count}: send a full sync",
                           details=["count_mismatch"])
        if sync.mode == "full":  # a full sync replaces: everything before goes, everything sent comes
            totals = [record_count, 0, before]
        adopt_first_fingerprint(session.get(Project, 1, with_for_update=True), sync)
        sync.status, sync.committed_at, sync.record_count = "committed", utc_now(), record_count
        sync.added, sync.changed, sync.deleted = totals
    home.spool.discard(sync_id)
    discard_superseded_syncs(home, partner.id)
    record_event(home.database, actor or f"partner:{partner.name}", "sync_commit", sync_id=sync_id,
                 mode=sync.mode, records=record_count, added=totals[0], changed=totals[1],
                 deleted=totals[2])
    return sync_state(home, partner, sync_id)
