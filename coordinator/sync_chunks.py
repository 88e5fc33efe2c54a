"""A sync's chunks as the coordinator reads them back: their value columns, and the commit's
writing of every spooled chunk's records, each value sealed for its row.

Pseudonyms are looked up, deleted and inserted in batches of ``_INSERT_BATCH`` so a large
chunk never becomes one statement with more parameters than a database takes.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hublink.coordinator.attribute_declarations import load_declarations
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.storage.models import Encoding, RecordAttributes, Sync
from hublink.coordinator.storage.sealed_records import (seal_attributes, seal_clk,
                                                        seal_enrollments)
from hublink.coordinator.storage.sealing import Sealer
from hublink.shared.attribute_types import undeclared_problems, value_problems
from hublink.shared.errors import InvalidPackage
from hublink.shared.pii_firewall import QuasiIdentifierTally
from hublink.shared.sync_protocol import SyncChunk as WireChunk
from hublink.shared.sync_protocol import SyncStart

__all__ = ["apply_spooled_chunks", "enrollment_names", "start_of", "value_columns"]

_INSERT_BATCH = 5_000


def value_columns(chunk: WireChunk) -> dict[str, list[str | None]]:
    """Returns the chunk's attribute columns and one column per enrollment attribute (over
    every enrollment): the allow-list and the firewall judge both alike."""
    columns: dict[str, list[str | None]] = dict(chunk.attributes)
    for enrollments in chunk.enrollments:
        for enrollment in enrollments:
            for name, value in enrollment.items():
                columns.setdefault(name, []).append(value)
    return columns


def enrollment_names(sync: Sync) -> tuple[str, ...]:
    """The names of the enrollment attributes the sync declared at its open."""
    return tuple(sync.enrollment_names or ())


def start_of(sync: Sync) -> SyncStart:
    """The sync's start as the agent sent it, from its stored row."""
    return SyncStart(sync_id=sync.id, mode=sync.mode, base_sync_id=sync.base_sync_id,
                     schema_id=sync.schema_id, fingerprint=sync.fingerprint,
                     clk_bytes=sync.clk_bytes, attribute_names=tuple(sync.attribute_names),
                     enrollment_names=enrollment_names(sync))


def apply_spooled_chunks(session: Session, home: CoordinatorHome, sync: Sync,
                         chunk_count: int) -> tuple[list[int], list[str]]:
    """Writes the records of the sync's ``chunk_count`` spooled chunks in ``session`` (a full
    sync's old records are already gone); returns the (added, changed, deleted) totals and
    every problem of the whole sync's values under the declarations and the PII firewall.
    Raises InvalidPackage when a pseudonym stands in two chunks. The caller rolls the session
    back when there are problems, so a refused sync stores nothing."""
    totals, seen = [0, 0, 0], set()
    declarations, tally = load_declarations(home.path), QuasiIdentifierTally()
    problems = undeclared_problems(list(sync.attribute_names) + list(enrollment_names(sync)),
                                   declarations)
    for number in range(chunk_count):
        chunk = WireChunk.from_wire(json.loads(home.spool.read(sync.id, number)), start_of(sync))
        columns = value_columns(chunk)
        tally.add(columns)
        problems += [line for line in value_problems(declarations, columns)
                     if line not in problems]
        touched = set(chunk.pseudonyms) | set(chunk.deletes)
        if not seen.isdisjoint(touched):
            raise InvalidPackage("a pseudonym appears in more than one chunk of this sync: "
                                 "each record goes in exactly one chunk; send a new sync",
                                 details=[f"repeated in chunk {number}"])
        seen |= touched
        counts = _apply_chunk(session, home.sealer, sync.partner_id, chunk,
                              list(sync.attribute_names), sync.clk_bytes, sync.mode == "delta")
        totals = [total + count for total, count in zip(totals, counts)]
    return totals, problems + tally.problems()


def _apply_chunk(session: Session, sealer: Sealer, partner_id: int, chunk: WireChunk,
                 names: list[str], clk_bytes: int, delta: bool) -> tuple[int, int, int]:
    """Applies one chunk; returns (added, changed, deleted)."""
    added = changed = deleted = 0
    if delta and (chunk.pseudonyms or chunk.deletes):
        touched = chunk.pseudonyms + chunk.deletes
        existing = set()
        for start in range(0, len(touched), _INSERT_BATCH):
            existing.update(session.scalars(select(Encoding.pseudonym).where(
                Encoding.partner_id == partner_id,
                Encoding.pseudonym.in_(touched[start:start + _INSERT_BATCH]))))
        changed = sum(1 for p in chunk.pseudonyms if p in existing)
        added = len(chunk.pseudonyms) - changed
        deleted = sum(1 for p in chunk.deletes if p in existing)
        for model in (Encoding, RecordAttributes):
            for start in range(0, len(touched), _INSERT_BATCH):
                session.execute(delete(model).where(
                    model.partner_id == partner_id,
                    model.pseudonym.in_(touched[start:start + _INSERT_BATCH])))
    else:
        added = len(chunk.pseudonyms)
    for start in range(0, len(chunk.pseudonyms), _INSERT_BATCH):
        stop = min(start + _INSERT_BATCH, len(chunk.pseudonyms))
        positions = range(start, stop)
        session.execute(Encoding.__table__.insert(), [
            {"partner_id": partner_id, "pseudonym": chunk.pseudonyms[i],
             "clk": seal_clk(sealer, partner_id, chunk.pseudonyms[i],
                             chunk.clks[i * clk_bytes:(i + 1) * clk_bytes])} for i in positions])
        session.execute(RecordAttributes.__table__.insert(), [
            {"partner_id": partner_id, "pseudonym": chunk.pseudonyms[i],
             "attributes": seal_attributes(sealer, partner_id, chunk.pseudonyms[i],
                                           {name: chunk.attributes[name][i] for name in names}),
             "enrollments": seal_enrollments(sealer, partner_id, chunk.pseudonyms[i],
                                             chunk.enrollments_of(i))}
            for i in positions])
    return added, changed, deleted
