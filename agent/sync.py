"""``sync``: bring the coordinator's copy of this partner's records up to date.

One run: read the source and digest every record (pass one, ``sync_plan.load_prepared``),
apply the coordinator's attribute rules here first (``sync_checks``), check in with the
coordinator (repairing its copy with a full resend when it differs from this agent's state),
plan what to send (``sync_plan``), send the chunks the coordinator lacks (pass two,
``chunk_sending``) and commit. A killed sync resumes on the next run: the same plan reuses
the same sync id and sends only missing chunks. Every attempt lands in the state's history.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from hublink.agent.checkin import CheckIn, compare_view
from hublink.agent.chunk_sending import ChunkSender, SyncRecords
from hublink.agent.config import AgentConfig
from hublink.agent.keys import (load_or_create_pseudonym_key, pseudonymise, read_linkage_secret,
                                secret_fingerprint)
from hublink.agent.state import PendingSync, SyncState, now
from hublink.agent.sync_checks import check_attributes, check_firewall, sync_columns
from hublink.agent.sync_plan import SyncPlan, chunk_size, load_prepared, plan_sync, sent_names
from hublink.agent.transport import CoordinatorClient, CoordinatorRefused, read_token
from hublink.shared.errors import HublinkError
from hublink.shared.linkage_schema import LinkageSchema, load_linkage_schema, schema_fingerprint
from hublink.shared.partner_view import PartnerView
from hublink.shared.sync_protocol import SyncCommit, SyncStart

__all__ = ["SyncSummary", "run_sync"]


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


def _agent_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return "hublink-agent/" + version("hublink")
    except PackageNotFoundError:
        return "hublink-agent"


@dataclass(frozen=True)
class _Connection:
    """What every attempt of one sync run shares: the configuration, the coordinator, the
    schema and secret that encode, and the progress callback of the encoding."""

    config: AgentConfig
    client: CoordinatorClient
    schema: LinkageSchema
    secret: bytes
    fingerprint: str
    progress: Callable[[int], None] | None


def _send(connection: _Connection, state: SyncState, plan: SyncPlan, records: SyncRecords,
          summary: SyncSummary) -> dict:
    """Opens (or resumes) the plan's sync, sends the missing chunks and commits; returns the
    commit's receipt."""
    pending = state.pending()
    sync_id = pending.sync_id if pending and pending.plan_digest == plan.digest else str(uuid.uuid4())
    state.set_pending(PendingSync(sync_id=sync_id, plan_digest=plan.digest))
    prepared, schema, client = records.prepared, connection.schema, connection.client
    opened = client.open_sync(SyncStart(
        sync_id=sync_id, mode=plan.mode, base_sync_id=plan.base_sync_id, schema_id=schema.schema_id,
        fingerprint=connection.fingerprint, clk_bytes=schema.clk_bytes,
        attribute_names=tuple(prepared.attributes), agent_version=_agent_version(),
        enrollment_names=tuple(prepared.enrollment_names)))
    layout = plan.layout(chunk_size(connection.config, prepared))
    chunk_count = len(layout.chunks)
    if opened["status"] != "committed":
        received = set(opened["received_chunks"])
        summary.resumed_chunks = len(received & set(range(chunk_count)))
        missing = [n for n in range(chunk_count) if n not in received]
        sender = ChunkSender(client, sync_id, records, layout, schema, connection.secret,
                             connection.progress)
        sender.send_missing(connection.config, missing)
    receipt = client.commit_sync(sync_id, SyncCommit(chunk_count=chunk_count,
                                                     record_count=len(records.pseudonyms)))
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
    connection = _Connection(config, client, schema, secret, fingerprint, progress)
    started_at, started = now(), time.perf_counter()
    plan: SyncPlan | None = None
    with SyncState(config.state_dir) as state:
        state.check_secret(secret_fingerprint(secret))
        try:
            prepared = load_prepared(config)
            summary.rows_read, summary.problem_counts = prepared.row_count, prepared.problem_counts()
            key = load_or_create_pseudonym_key(config.state_dir)
            pseudonyms = [pseudonymise(key, record_key) for record_key in prepared.record_keys]
            records = SyncRecords(prepared, pseudonyms)
            names = sent_names(prepared)
            digests = prepared.digests
            summary.stage_seconds["read"] = time.perf_counter() - started
            summary.records = len(pseudonyms)
            summary.enrollments = prepared.enrollment_count
            check_firewall(config, prepared)
            # Whatever the plan, even with nothing to send: a refused token or an unreachable
            # coordinator fails the sync, and a coordinator's copy that differs is repaired.
            started = time.perf_counter()
            checkin = _check_in(client, state)
            summary.stage_seconds["check-in"] = time.perf_counter() - started
            check_attributes(sync_columns(prepared, enrollment_prefix=""),
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
                receipt = _send(connection, state, plan, records, summary)
            except CoordinatorRefused as error:
                if plan.mode != "delta" or error.status != 409:
                    raise
                # The coordinator's copy changed since the check-in (another commit, a
                # restore): resend everything.
                plan = plan_sync(state, pseudonyms, digests, fingerprint, names, full=True)
                receipt = _send(connection, state, plan, records, summary)
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
