"""``sync``: read, normalise, encode and upload the partner's current record set."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hublink.agent.config import AgentConfig
from hublink.agent.encode import encode_rows
from hublink.agent.keys import load_or_create_pseudonym_key, pseudonymise, read_linkage_secret
from hublink.agent.prepare import PreparedSource, prepare_source
from hublink.agent.readers import read_source
from hublink.agent.transport import CoordinatorClient, read_token
from hublink.shared.linkage_schema import LinkageSchema, load_linkage_schema, schema_fingerprint
from hublink.shared.upload_package import UploadPackage

__all__ = ["SyncSummary", "load_prepared", "build_package", "run_sync"]


@dataclass
class SyncSummary:
    """What a sync did: counts and seconds per stage, never identifier values."""

    rows_read: int = 0
    records_sent: int = 0
    upload_id: str = ""
    problem_counts: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Returns the summary as lines for the terminal and the log."""
        stages = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.stage_seconds.items())
        lines = [f"synced {self.records_sent} records of {self.rows_read} rows "
                 f"(upload {self.upload_id}); {stages}"]
        if self.problem_counts:
            lines.append("record-level problems (encoded as missing or skipped): "
                         + ", ".join(f"{k}: {v}" for k, v in self.problem_counts.items()))
        return lines


def load_prepared(config: AgentConfig) -> PreparedSource:
    """Given the configuration, returns the prepared source; raises SourceError on
    structural problems."""
    return prepare_source(config, read_source(config))


def build_package(config: AgentConfig, prepared: PreparedSource, schema: LinkageSchema,
                  secret: bytes, progress: Callable[[int], None] | None = None) -> UploadPackage:
    """Given prepared records and the linkage secret, returns the validated upload package."""
    pseudonym_key = load_or_create_pseudonym_key(config.state_dir)
    package = UploadPackage(
        schema_id=schema.schema_id,
        fingerprint=schema_fingerprint(schema, secret),
        clk_bytes=schema.clk_bytes,
        pseudonyms=[pseudonymise(pseudonym_key, key) for key in prepared.record_keys],
        clks=encode_rows(prepared.rows, schema, secret, progress=progress),
        attributes=prepared.attributes,
        agent_version=_agent_version(),
    )
    package.validate()
    return package


def _agent_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return "hublink-agent/" + version("hublink")
    except PackageNotFoundError:
        return "hublink-agent"


def run_sync(config: AgentConfig, progress: Callable[[int], None] | None = None) -> SyncSummary:
    """Given the configuration, uploads the current record set and returns the summary;
    raises ConfigError, SourceError, CoordinatorUnreachable or CoordinatorRefused."""
    summary = SyncSummary()
    secret = read_linkage_secret(config.secret_file)
    token = read_token(config.token_file)
    schema = load_linkage_schema()
    started = time.perf_counter()
    prepared = load_prepared(config)
    summary.stage_seconds["read"] = time.perf_counter() - started
    started = time.perf_counter()
    package = build_package(config, prepared, schema, secret, progress)
    summary.stage_seconds["encode"] = time.perf_counter() - started
    started = time.perf_counter()
    client = CoordinatorClient(config.coordinator_url, token, timeout=config.timeout,
                               retries=config.retries)
    receipt = client.upload(package)
    summary.stage_seconds["upload"] = time.perf_counter() - started
    summary.rows_read = prepared.row_count
    summary.records_sent = int(receipt.get("record_count", package.record_count))
    summary.upload_id = str(receipt.get("upload_id", ""))
    summary.problem_counts = prepared.problem_counts()
    return summary
