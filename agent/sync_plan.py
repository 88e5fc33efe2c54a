"""Sync planning: from pass one's digests and the local state to what one sync sends.

Pass one streams the source and digests every record; comparing the digests with what the
coordinator holds (local state) gives the plan: only added, changed and deleted records
(``--full``, a new linkage secret, changed attributes or no earlier sync: everything). The
plan's digest names it: the same plan after a killed sync resumes the same sync id. Its
records travel in numbered chunks, in source order, upserts first and then deletes.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass

from hublink.agent.config import AgentConfig
from hublink.agent.prepare import PreparedSource, prepare_source
from hublink.agent.readers import iter_source
from hublink.agent.state import SyncState
from hublink.shared.sync_protocol import MAX_CHUNK_ENROLLMENTS

__all__ = ["Chunk", "ChunkLayout", "SyncPlan", "chunk_size", "load_prepared", "plan_sync",
           "sent_names"]

# One chunk's records: the positions of its upserts and the pseudonyms of its deletes.
Chunk = tuple[tuple[int, ...], tuple[str, ...]]


@dataclass(frozen=True)
class ChunkLayout:
    """The chunks of a plan at ``size`` records a chunk; ``upserts`` ascend."""

    upserts: tuple[int, ...]
    size: int
    chunks: list[Chunk]

    def chunk_of(self, position: int) -> int | None:
        """Returns the number of the chunk that upserts the record at ``position``, or None
        when the plan does not send it."""
        index = bisect.bisect_left(self.upserts, position)
        if index == len(self.upserts) or self.upserts[index] != position:
            return None
        return index // self.size


@dataclass(frozen=True)
class SyncPlan:
    """What to send: record positions to upsert and pseudonyms to delete, in chunk order."""

    mode: str
    base_sync_id: str | None
    upserts: tuple[int, ...]
    deletes: tuple[str, ...]
    digest: str
    added: int
    changed: int

    @property
    def empty(self) -> bool:
        return self.mode == "delta" and not self.upserts and not self.deletes

    def chunks(self, size: int) -> list[Chunk]:
        """Returns (upsert positions, delete pseudonyms) per chunk of ``size`` records; at
        least one chunk."""
        chunks: list[Chunk] = []
        upsert_count = len(self.upserts)
        total = upsert_count + len(self.deletes)
        for start in range(0, max(total, 1), size):
            stop = min(start + size, total)
            chunks.append((self.upserts[start:min(stop, upsert_count)],
                           self.deletes[max(start - upsert_count, 0):max(stop - upsert_count, 0)]))
        return chunks

    def layout(self, size: int) -> ChunkLayout:
        """Returns the plan's chunks of ``size`` records and which chunk sends which record."""
        return ChunkLayout(upserts=self.upserts, size=size, chunks=self.chunks(size))


def plan_sync(state: SyncState, pseudonyms: list[str], digests: list[str], fingerprint: str,
              attribute_names: tuple[str, ...], full: bool) -> SyncPlan:
    """Given the current records and the state, returns the plan: a delta against the last
    committed sync, or a full sync when asked, on a new secret, new attributes or first run."""
    full = (full or state.last_sync_id is None or state.fingerprint != fingerprint
            or state.attribute_names != attribute_names)
    if full:
        upserts, changed, deletes = range(len(pseudonyms)), 0, []
    else:
        upserts, changed, deletes = state.compare(pseudonyms, digests)
    mode = "full" if full else "delta"
    base = None if full else state.last_sync_id
    plan_hash = hashlib.sha256(json.dumps([mode, base, fingerprint, list(attribute_names)]).encode())
    for position in upserts:
        plan_hash.update(f"{pseudonyms[position]}:{digests[position]};".encode())
    for pseudonym in deletes:
        plan_hash.update(f"-{pseudonym};".encode())
    return SyncPlan(mode=mode, base_sync_id=base, upserts=tuple(upserts), deletes=tuple(deletes),
                    digest=plan_hash.hexdigest(), added=len(upserts) - changed, changed=changed)


def load_prepared(config: AgentConfig) -> PreparedSource:
    """Given the configuration, streams the source (pass one) and returns digests, keys and
    attributes (no features); raises SourceError on structural problems."""
    return prepare_source(config, iter_source(config), sink=lambda *record: None)


def chunk_size(config: AgentConfig, prepared: PreparedSource) -> int:
    """Returns the records per chunk: ``chunk_records``, fewer when records have so many
    enrollments that a full chunk would pass MAX_CHUNK_ENROLLMENTS."""
    most = max((len(item) for item in prepared.enrollment_lists), default=0)
    return max(1, min(config.chunk_records, MAX_CHUNK_ENROLLMENTS // max(most, 1)))


def sent_names(prepared: PreparedSource) -> tuple[str, ...]:
    """Returns the names a sync declares, as the state remembers them: the attributes, then
    ``enrollments.NAME`` for each enrollment attribute (a change of either needs a full sync)."""
    return tuple(prepared.attributes) + tuple(f"enrollments.{name}"
                                              for name in prepared.enrollment_names)
