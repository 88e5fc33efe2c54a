"""Chunk sending: pass two of a sync, which encodes and sends the chunks the coordinator lacks.

Pass two streams the source again (features are never kept for the whole source), collects
the features of the records of each missing chunk, and once chunks are complete encodes them
in one batch of about ``ENCODE_BATCH`` records and sends each. Memory stays bounded by a
source chunk and an encoding batch. A record whose digest differs from pass one's means the
source changed under the sync: it stops with SourceError before the commit, so nothing of a
mixed source is ever committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hublink.agent.config import AgentConfig
from hublink.agent.encode import RowEncoder
from hublink.agent.prepare import PreparedSource, enrollment_digest, prepare_source
from hublink.agent.readers import iter_source
from hublink.agent.sync_plan import ChunkLayout
from hublink.agent.transport import CoordinatorClient
from hublink.shared.errors import SourceError
from hublink.shared.linkage_schema import LinkageSchema
from hublink.shared.sync_protocol import SyncChunk

__all__ = ["ENCODE_BATCH", "ChunkSender", "SyncRecords"]

# Records encoded and sent together: a few chunks per batch keeps memory bounded.
ENCODE_BATCH = 20_000


def _source_changed() -> SourceError:
    return SourceError("the source changed while this sync was reading it; run sync again")


@dataclass(frozen=True)
class SyncRecords:
    """The records of one sync in source order: pass one's prepared source (digests,
    attributes, enrollments) and each record's pseudonym."""

    prepared: PreparedSource
    pseudonyms: list[str]

    def chunk(self, upserts: tuple[int, ...], deletes: tuple[str, ...], clks: bytes) -> SyncChunk:
        """Returns the chunk upserting the records at ``upserts`` (their packed ``clks`` in
        that order) and deleting ``deletes``."""
        prepared = self.prepared
        return SyncChunk(
            pseudonyms=[self.pseudonyms[i] for i in upserts], clks=clks,
            attributes={name: [values[i] for i in upserts]
                        for name, values in prepared.attributes.items()},
            deletes=list(deletes),
            enrollments=([prepared.enrollments_of(i) for i in upserts]
                         if prepared.enrollment_names else []))


class ChunkSender:
    """Sends chunks of one open sync: one warm encoder serves every batch of the sync."""

    def __init__(self, client: CoordinatorClient, sync_id: str, records: SyncRecords,
                 layout: ChunkLayout, schema: LinkageSchema, secret: bytes,
                 progress: Callable[[int], None] | None = None) -> None:
        self.client, self.sync_id, self.records, self.layout = client, sync_id, records, layout
        self.clk_bytes = schema.clk_bytes
        self.encoder = RowEncoder(schema.document, secret)
        self.progress = progress
        self._missing: set[int] = set()
        self._collected: dict[int, list[tuple[str, ...]]] = {}
        self._complete: list[int] = []

    def send_missing(self, config: AgentConfig, missing: list[int]) -> None:
        """Streams the source a second time and sends the chunks numbered ``missing``; raises
        SourceError when a record changed since pass one."""
        chunks = self.layout.chunks
        self._missing, self._collected = set(missing), {}
        self._complete = [number for number in missing if not chunks[number][0]]
        if any(chunks[number][0] for number in missing):
            prepare_source(config, self._flushing(iter_source(config)), sink=self._collect,
                           keep_records=False)
        self._flush(0)
        if self._collected:
            raise _source_changed()

    def _collect(self, position: int, features: tuple[str, ...], digest: str) -> None:
        """Pass two's feature sink: keeps the features of a record a missing chunk sends."""
        number = self.layout.chunk_of(position)
        if number is None or number not in self._missing:
            return
        prepared = self.records.prepared
        if prepared.enrollment_names:
            digest = enrollment_digest(digest, prepared.enrollment_lists[position])
        if digest != prepared.digests[position]:
            raise _source_changed()
        collected = self._collected.setdefault(number, [])
        collected.append(features)
        if len(collected) == len(self.layout.chunks[number][0]):
            self._complete.append(number)

    def _flushing(self, source: Iterator) -> Iterator:
        """Yields the source's chunks, sending complete chunks after each once a batch is full."""
        for item in source:
            yield item
            self._flush(ENCODE_BATCH)

    def _flush(self, minimum: int) -> None:
        """Encodes and sends the complete chunks when they hold at least ``minimum`` records."""
        chunks = self.layout.chunks
        if not self._complete or sum(len(chunks[n][0]) for n in self._complete) < minimum:
            return
        rows = [features for number in self._complete
                for features in self._collected.pop(number, [])]
        clks = self.encoder.encode(rows)
        if self.progress:
            self.progress(len(rows))
        offset = 0
        for number in self._complete:
            upserts, deletes = chunks[number]
            size = len(upserts) * self.clk_bytes
            self.client.put_chunk(self.sync_id, number,
                                  self.records.chunk(upserts, deletes, clks[offset:offset + size]))
            offset += size
        self._complete.clear()
