"""``sync``: bring the coordinator's copy of this partner's records up to date.

Pass one streams the source and digests every record; comparing the digests with what the
coordinator holds (local state) gives the plan: only added, changed and deleted records
(``--full``, a new linkage secret, changed attributes or no earlier sync: everything), in
numbered chunks of one sync, in source order. Pass two streams the source again, encodes the
records of each chunk the coordinator lacks, sends it, and finally commits. Memory stays
bounded by a source chunk and an encoding batch, whatever the source's size. A killed sync
resumes on the next run: the same plan reuses the same sync id and sends only missing chunks.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hublink.agent.checkin import CheckIn, compare_view
from hublink.agent.config import AgentConfig
from hublink.agent.deidentify import attribute_specs, enrollment_specs
from hublink.agent.encode import RowEncoder
from hublink.agent.keys import (load_or_create_pseudonym_key, pseudonymise, read_linkage_secret,
                                secret_fingerprint)
from hublink.agent.prepare import PreparedSource, enrollment_digest, prepare_source
from hublink.agent.readers import iter_source
from hublink.agent.state import PendingSync, SyncState, now
from hublink.agent.transport import CoordinatorClient, CoordinatorRefused, read_token
from hublink.shared.attribute_types import parse_declarations, undeclared_problems, value_problems
from hublink.shared.errors import HublinkError, SourceError
from hublink.shared.linkage_schema import LinkageSchema, load_linkage_schema, schema_fingerprint
from hublink.shared.partner_view import PartnerView
from hublink.shared.pii_firewall import firewall_problems
from hublink.shared.sync_protocol import MAX_CHUNK_ENROLLMENTS, SyncChunk, SyncCommit, SyncStart

__all__ = ["SyncSummary", "SyncPlan", "check_attributes", "load_prepared", "plan_sync",
           "run_sync"]


@dataclass
class SyncSummary:
    """What a sync did: counts and seconds per stage, never identifier values."""

    outcome: str = "synced"
    mode: str = ""
    sync_id: str = ""
    rows_read: int = 0
    records: int = 0
    added: int = 0
    changed: int = 0
    deleted: int = 0
    resumed_chunks: int = 0
    enrollments: int = 0
    problem_counts: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    repair: str | None = None  # how the coordinator's copy differed, when this sync repaired it
    checked_in: PartnerView | None = None

    def lines(self) -> list[str]:
        """Returns the summary as lines for the terminal and the log."""
        stages = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.stage_seconds.items())
        if self.outcome == "unchanged":
            head = f"no changes: the coordinator already holds these {self.records} records"
            view = self.checked_in
            if view is not None and view.last_sync_id:
                head += (f" (checked in: its last sync {view.last_sync_id[:8]} of "
                         f"{view.last_sync_at} matches this agent's)")
        else:
            head = (f"synced {self.records} records ({self.mode}: {self.added} added, "
                    f"{self.changed} changed, {self.deleted} deleted) from {self.rows_read} rows")
            if self.enrollments:
                head += f", with {self.enrollments} enrollments"
            if self.resumed_chunks:
                head += f"; resumed, {self.resumed_chunks} chunks were already there"
        lines = [f"{head}; {stages}"]
        if self.repair:
            lines.insert(0, f"repaired: {self.repair}; this {self.mode or 'full'} sync resent "
                            "every record, so the coordinator now holds exactly this source")
        if self.problem_counts:
            lines.append("record-level problems (encoded as missing or skipped): "
                         + ", ".join(f"{k}: {v}" for k, v in self.problem_counts.items()))
        return lines


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

    def chunks(self, size: int) -> list[tuple[tuple[int, ...], tuple[str, ...]]]:
        """Returns (upsert positions, delete pseudonyms) per chunk of ``size`` records; at
        least one chunk."""
        chunks: list[tuple[tuple[int, ...], tuple[str, ...]]] = []
        upsert_count = len(self.upserts)
        total = upsert_count + len(self.deletes)
        for start in range(0, max(total, 1), size):
            stop = min(start + size, total)
            chunks.append((self.upserts[start:min(stop, upsert_count)],
                           self.deletes[max(start - upsert_count, 0):max(stop - upsert_count, 0)]))
        return chunks


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
    """Given the configuration, streams the source and returns digests, keys and attributes
    (no features); raises SourceError on structural problems."""
    return prepare_source(config, iter_source(config), sink=lambda *record: None)


# Records encoded and sent together: a few chunks per batch keeps memory bounded.
_ENCODE_BATCH = 20_000


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


def _send_missing_chunks(config: AgentConfig, client: CoordinatorClient, sync_id: str,
                         prepared: PreparedSource, pseudonyms: list[str], upserts: tuple[int, ...],
                         chunks: list[tuple[tuple[int, ...], tuple[str, ...]]], missing: list[int],
                         schema: LinkageSchema, secret: bytes,
                         progress: Callable[[int], None] | None) -> None:
    """Streams the source a second time, encodes the records of the missing chunks in
    batches as they complete, and sends each chunk; raises SourceError when a record changed
    since pass one (nothing is committed then)."""
    size = chunk_size(config, prepared)
    missing_set = set(missing)
    collected: dict[int, list[tuple[str, ...]]] = {}
    complete = [number for number in missing if not chunks[number][0]]
    names = tuple(prepared.attributes)
    # One encoder for the whole sync: its per-value cache stays warm from batch to batch.
    encoder = RowEncoder(schema.document, secret)

    def chunk_of(position: int) -> int | None:
        """Returns the missing chunk that sends this record, if any (upserts ascend)."""
        index = bisect.bisect_left(upserts, position)
        if index == len(upserts) or upserts[index] != position:
            return None
        number = index // size
        return number if number in missing_set else None

    def sink(position: int, features: tuple[str, ...], digest: str) -> None:
        number = chunk_of(position)
        if number is None:
            return
        if prepared.enrollment_names:
            digest = enrollment_digest(digest, prepared.enrollment_lists[position])
        if digest != prepared.digests[position]:
            raise SourceError("the source changed while this sync was reading it; run sync again")
        collected.setdefault(number, []).append(features)
        if len(collected[number]) == len(chunks[number][0]):
            complete.append(number)

    def flush(minimum: int) -> None:
        if not complete or sum(len(chunks[n][0]) for n in complete) < minimum:
            return
        rows = [features for number in complete for features in collected.pop(number, [])]
        clks = encoder.encode(rows)
        if progress:
            progress(len(rows))
        offset = 0
        for number in complete:
            upserts, deletes = chunks[number]
            size = len(upserts) * schema.clk_bytes
            client.put_chunk(sync_id, number, SyncChunk(
                pseudonyms=[pseudonyms[i] for i in upserts], clks=clks[offset:offset + size],
                attributes={name: [prepared.attributes[name][i] for i in upserts] for name in names},
                deletes=list(deletes),
                enrollments=[prepared.enrollments_of(i) for i in upserts]
                if prepared.enrollment_names else []))
            offset += size
        complete.clear()

    def source_then_flush() -> Iterator:
        for item in iter_source(config):
            yield item
            flush(_ENCODE_BATCH)

    if any(chunks[number][0] for number in missing):
        prepare_source(config, source_then_flush(), sink=sink, keep_records=False)
    flush(0)
    if len(collected):
        raise SourceError("the source changed while this sync was reading it; run sync again")


def _sync_columns(prepared: PreparedSource, enrollment_prefix: str = "enrollments."
                  ) -> dict[str, list[str | None]]:
    """Returns every value column of the whole sync: the attributes, and each enrollment
    attribute (named with ``enrollment_prefix``) over every enrollment."""
    columns = dict(prepared.attributes)
    for index, name in enumerate(prepared.enrollment_names):
        columns[f"{enrollment_prefix}{name}"] = [
            enrollment[index] for enrollments in prepared.enrollment_lists
            for enrollment in enrollments]
    return columns


def _check_firewall(config: AgentConfig, prepared: PreparedSource) -> None:
    """Applies the coordinator's PII firewall here first, to the whole sync as the commit
    judges it, so a partner learns of an identifying attribute before anything leaves, and
    checks that an attribute read from an identifier column sends only its declared coarse
    categories; raises SourceError."""
    problems = _identifier_attribute_problems(config, prepared)
    problems += firewall_problems(_sync_columns(prepared))
    if problems:
        raise SourceError("attributes would be refused as identifying: change the "
                          "[attributes] configuration (a transform or another column)",
                          details=problems)


def check_attributes(attributes: dict[str, list[str | None]],
                     declared: dict[str, Any] | None = None) -> None:
    """Applies the coordinator's rules here first, to the whole sync as it will be judged at
    its commit, so a partner learns of a refused attribute before anything leaves: without
    ``declared``, the PII firewall; with the hub's declarations (``GET /api/v1/attributes``),
    the allow-list of attribute names and value types. Raises SourceError listing every
    problem (attribute and rule, never a value)."""
    if declared is None:
        problems, refusal = firewall_problems(attributes), "as identifying"
    else:
        declarations, _ = parse_declarations(declared.get("attributes", {}))
        problems = undeclared_problems(list(attributes), declarations) \
            + value_problems(declarations, attributes)
        refusal = "by the hub's attribute declarations (or ask the hub operator to declare them)"
    if problems:
        raise SourceError(f"attributes would be refused {refusal}: change the [attributes] "
                          "configuration (a transform, a map or another column)",
                          details=problems)


def _identifier_attribute_problems(config: AgentConfig, prepared: PreparedSource) -> list[str]:
    """Returns a problem line for each attribute read from an identifier column (the sex
    column, through a gender map) whose values are not all its declared categories."""
    problems = []
    specs = {**attribute_specs(config), **enrollment_specs(config)}
    for name, spec in specs.items():
        if not spec.reads_identifier:
            continue
        allowed = {*spec.mapping.values(), spec.unmapped, spec.missing, None}
        values = (prepared.attributes[name] if name in prepared.attributes else
                  [enrollment[prepared.enrollment_names.index(name)]
                   for enrollments in prepared.enrollment_lists for enrollment in enrollments])
        if not set(values) <= allowed:
            problems.append(f"attribute {name!r} reads an identifier column and may send only "
                            "its declared categories: " + ", ".join(sorted(allowed - {None})))
    return problems


def _agent_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return "hublink-agent/" + version("hublink")
    except PackageNotFoundError:
        return "hublink-agent"


def _send(config: AgentConfig, client: CoordinatorClient, state: SyncState, plan: SyncPlan,
          prepared: PreparedSource,
          pseudonyms: list[str], schema: LinkageSchema, secret: bytes, fingerprint: str,
          summary: SyncSummary, progress: Callable[[int], None] | None) -> dict:
    """Opens (or resumes) the plan's sync, sends the missing chunks and commits."""
    pending = state.pending()
    sync_id = pending.sync_id if pending and pending.plan_digest == plan.digest else str(uuid.uuid4())
    state.set_pending(PendingSync(sync_id=sync_id, plan_digest=plan.digest))
    names = tuple(prepared.attributes)
    opened = client.open_sync(SyncStart(
        sync_id=sync_id, mode=plan.mode, base_sync_id=plan.base_sync_id, schema_id=schema.schema_id,
        fingerprint=fingerprint, clk_bytes=schema.clk_bytes, attribute_names=names,
        agent_version=_agent_version(), enrollment_names=tuple(prepared.enrollment_names)))
    chunks = plan.chunks(chunk_size(config, prepared))
    if opened["status"] != "committed":
        received = set(opened["received_chunks"])
        summary.resumed_chunks = len(received & set(range(len(chunks))))
        missing = [n for n in range(len(chunks)) if n not in received]
        _send_missing_chunks(config, client, sync_id, prepared, pseudonyms, plan.upserts, chunks,
                             missing, schema, secret, progress)
    receipt = client.commit_sync(sync_id, SyncCommit(chunk_count=len(chunks),
                                                     record_count=len(pseudonyms)))
    summary.sync_id = sync_id
    return receipt


def _check_in(client: CoordinatorClient, state: SyncState) -> CheckIn:
    """Fetches the coordinator's view of this partner and compares it with the state."""
    return compare_view(client.partner_view(), state)


def run_sync(config: AgentConfig, full: bool = False,
             progress: Callable[[int], None] | None = None) -> SyncSummary:
    """Given the configuration, checks in with the coordinator, brings its copy up to date
    (repairing it with a full resend when it differs from this agent's state) and returns
    the summary; raises ConfigError, SourceError, CoordinatorUnreachable or
    CoordinatorRefused. Every attempt lands in the state's history."""
    summary = SyncSummary()
    secret = read_linkage_secret(config.secret_file)
    token = read_token(config.token_file)
    schema = load_linkage_schema()
    fingerprint = schema_fingerprint(schema, secret)
    client = CoordinatorClient(config.coordinator_url, token, timeout=config.timeout,
                               retries=config.retries, token_source=str(config.token_file))
    started_at, started = now(), time.perf_counter()
    plan: SyncPlan | None = None
    with SyncState(config.state_dir) as state:
        state.check_secret(secret_fingerprint(secret))
        try:
            prepared = load_prepared(config)
            summary.rows_read, summary.problem_counts = prepared.row_count, prepared.problem_counts()
            key = load_or_create_pseudonym_key(config.state_dir)
            pseudonyms = [pseudonymise(key, record_key) for record_key in prepared.record_keys]
            names = sent_names(prepared)
            digests = prepared.digests
            summary.stage_seconds["read"] = time.perf_counter() - started
            summary.records = len(pseudonyms)
            summary.enrollments = prepared.enrollment_count
            _check_firewall(config, prepared)
            # Whatever the plan, even with nothing to send: a refused token or an unreachable
            # coordinator fails the sync, and a coordinator's copy that differs is repaired.
            started = time.perf_counter()
            checkin = _check_in(client, state)
            summary.stage_seconds["check-in"] = time.perf_counter() - started
            check_attributes(_sync_columns(prepared, enrollment_prefix=""),
                             client.attribute_declarations())
            plan = plan_sync(state, pseudonyms, digests, fingerprint, names, full)
            outcome = "matched" if checkin.difference is None else "repaired"
            pending = state.pending()
            if (checkin.difference is not None and pending is not None
                    and checkin.view.last_sync_id == pending.sync_id
                    and plan.digest == pending.plan_digest):
                # The interrupted sync's commit landed but its answer was lost: resuming it
                # confirms that commit, nothing needs repair.
                outcome = "confirmed"
            elif checkin.difference is not None:
                summary.repair = checkin.difference
                plan = plan_sync(state, pseudonyms, digests, fingerprint, names, full=True)
            checkin.record(state, outcome)
            if plan.empty:
                summary.outcome, summary.mode = "unchanged", "delta"
                summary.checked_in = checkin.view
                # An open sync left by an interrupted attempt has nothing left to send.
                state.set_pending(None)
                state.add_history(started_at, "unchanged", mode="delta", records=len(pseudonyms),
                                  problems=summary.problem_counts)
                return summary
            started = time.perf_counter()
            try:
                receipt = _send(config, client, state, plan, prepared, pseudonyms,
                                schema, secret, fingerprint, summary, progress)
            except CoordinatorRefused as error:
                if plan.mode != "delta" or error.status != 409:
                    raise
                # The coordinator's copy changed since the check-in (another commit, a
                # restore): resend everything.
                plan = plan_sync(state, pseudonyms, digests, fingerprint, names, full=True)
                receipt = _send(config, client, state, plan, prepared, pseudonyms,
                                schema, secret, fingerprint, summary, progress)
            summary.stage_seconds["send"] = time.perf_counter() - started
            state.record_commit(summary.sync_id, fingerprint, names, zip(pseudonyms, digests))
            state.record_secret(secret_fingerprint(secret))
        except Exception as error:
            message = error.message if isinstance(error, HublinkError) else type(error).__name__
            state.add_history(started_at, "failed", mode=plan.mode if plan else None,
                              message=message.splitlines()[0][:300],
                              problems=summary.problem_counts)
            raise
        summary.mode = plan.mode
        summary.added = receipt.get("added", plan.added)
        summary.changed = receipt.get("changed", plan.changed)
        summary.deleted = receipt.get("deleted", len(plan.deletes))
        state.add_history(started_at, "synced", mode=plan.mode, sync_id=summary.sync_id,
                          records=len(pseudonyms), added=summary.added, changed=summary.changed,
                          deleted=summary.deleted, problems=summary.problem_counts,
                          message=f"repaired: {summary.repair}" if summary.repair else None)
    return summary
