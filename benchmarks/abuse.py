"""Load and abuse: 80 honest agents sync while one hostile partner floods the coordinator.

Runs ``benchmarks/load.py``'s load twice on fresh databases: quiet, then with a flood from
other loopback addresses during the whole sync: threads sending random bearer tokens (failed
authentication, blocked per address after ``FAILED_AUTH_PER_MINUTE``), and the hostile
partner's own valid token opening syncs without end (``MAX_OPEN_SYNCS_PER_PARTNER``, then its
rate limit). Rate limits live in Redis when it answers (shared by the gunicorn workers).
Reports the honest agents' errors and p95 latency per endpoint in both runs, the ratio, the
flood's requests by status, the audit entries the flood caused and the coordinator's peak
memory (resident set of gunicorn and its workers). Results: ``benchmarks/RESULTS-abuse.md``.

    nice .venv/bin/python benchmarks/abuse.py [--agents 80] [--records 500] [--chunks 2]
        [--workers 4] [--flooders 4] [--backend postgresql|sqlite]
"""

from __future__ import annotations

import collections
import functools
import json
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import urllib3
from sqlalchemy import func, select

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.load import (LoadResult, backend_database, load_arguments,  # noqa: E402
                             load_sizes, percentile, report, run_load)
from hublink.coordinator.registry import add_partner  # noqa: E402
from hublink.coordinator.storage import Database  # noqa: E402
from hublink.coordinator.storage.models import AuditEvent  # noqa: E402
from hublink.shared.linkage_schema import load_linkage_schema, schema_fingerprint  # noqa: E402

ENDPOINTS = ("open", "chunk", "commit")
REDIS_URL = "redis://127.0.0.1:6379/0"
HOSTILE = "hostile partner"


@dataclass
class Flood:
    """What the flood sent and got back, and the coordinator's memory while it ran."""

    statuses: collections.Counter = field(default_factory=collections.Counter)
    requests: collections.Counter = field(default_factory=collections.Counter)
    peak_rss_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def resident_bytes(process: subprocess.Popen) -> int:
    """Returns the resident memory of a process and its children (gunicorn's workers)."""
    total, pending = 0, [process.pid]
    while pending:
        pid = pending.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) * 1024 for line in status.splitlines()
                       if line.startswith("VmRSS:")), 0)  # none for a process just ended
        pending.extend(int(child) for child in children)
    return total


def _flooder(base: str, address: str, token: str | None, fingerprint: str,
             stop: threading.Event, flood: Flood) -> None:
    pool = urllib3.PoolManager(source_address=(address, 0), retries=False, timeout=30)
    schema = load_linkage_schema()
    while not stop.is_set():
        if token is None:  # a stranger guessing tokens
            headers = {"Authorization": f"Bearer hlp_{secrets.token_urlsafe(32)}"}
            method, url, body = "GET", f"{base}/api/v1/status", None
        else:  # the hostile partner opening syncs it never fills
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            method, url = "POST", f"{base}/api/v1/syncs"
            body = json.dumps({"format": "hublink.sync/1", "sync_id": str(uuid.uuid4()),
                               "mode": "full", "base_sync_id": None,
                               "schema_id": schema.schema_id, "fingerprint": fingerprint,
                               "clk_bytes": schema.clk_bytes, "attribute_names": []})
        try:
            status = pool.request(method, url, body=body, headers=headers).status
        except urllib3.exceptions.HTTPError as error:
            status = type(error).__name__
        with flood.lock:
            flood.statuses[status] += 1
            flood.requests[address] += 1


def flood_during(flood: Flood, database: Database, flooders: int, fingerprint: str,
                 minimum_requests: int = 0):
    """Returns the ``during`` context for ``run_load``: it registers the hostile partner
    (when there are flooders), starts the flood threads from 127.0.0.2 and up (even ones
    guess tokens, odd ones open syncs with the hostile partner's token and the hub's secret:
    a rogue partner holds both) and samples the coordinator's memory, until the honest agents
    are done and each flooder sent at least ``minimum_requests``."""

    @contextmanager
    def during(base: str, processes: list[subprocess.Popen]) -> Iterator[None]:
        token = add_partner(database, HOSTILE)[1] if flooders else None
        stop = threading.Event()
        addresses = [f"127.0.0.{2 + index}" for index in range(flooders)]
        threads = [threading.Thread(target=_flooder, daemon=True, args=(
            base, address, token if index % 2 else None, fingerprint, stop, flood))
            for index, address in enumerate(addresses)]
        threads.append(threading.Thread(target=_sample_memory, daemon=True,
                                        args=(processes, stop, flood)))
        for thread in threads:
            thread.start()
        try:
            yield
            while any(flood.requests[address] < minimum_requests for address in addresses):
                time.sleep(0.1)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

    return during


def _sample_memory(processes: list[subprocess.Popen], stop: threading.Event,
                   flood: Flood) -> None:
    while not stop.wait(0.2):
        flood.peak_rss_bytes = max(flood.peak_rss_bytes,
                                   sum(resident_bytes(process) for process in processes))


def redis_settings() -> dict[str, str]:
    """Returns the setting that puts the rate limits in the local Redis, if it answers."""
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception:
        return {}
    return {"HUBLINK_RATE_LIMIT_STORAGE_URL": REDIS_URL}


@dataclass
class AbuseResult:
    quiet: LoadResult
    flooded: LoadResult
    flood: Flood
    quiet_peak_rss_bytes: int
    audit_entries: dict[str, int]

    def p95_ratios(self) -> dict[str, float]:
        """Returns, per endpoint, the honest p95 latency under the flood over the quiet one."""
        return {name: percentile(self.flooded.timings[name], 0.95)
                / percentile(self.quiet.timings[name], 0.95)
                for name in ENDPOINTS if self.quiet.timings[name] and self.flooded.timings[name]}


def _audit_counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        return dict(session.execute(select(AuditEvent.action, func.count())
                                    .group_by(AuditEvent.action)).all())


def run_abuse(folder: Path, database_url_factory, *, agents: int, records: int, chunks: int,
              workers: int, flooders: int, minimum_requests: int = 0,
              settings: dict[str, str] | None = None) -> AbuseResult:
    """Runs the quiet load, then the flooded load, each on a fresh home and database
    (``database_url_factory(home)`` is a context yielding the URL); ``settings`` are more
    ``HUBLINK_*`` variables for the coordinator."""
    settings = {**redis_settings(), **(settings or {})}
    secret = secrets.token_bytes(32)
    fingerprint = schema_fingerprint(load_linkage_schema(), secret)
    runs = {}
    for name, count in (("quiet", 0), ("flooded", flooders)):
        home, flood = folder / name, Flood()
        with database_url_factory(home) as url:
            database = Database(url, audit_head_path=home / "audit-head.json")
            try:
                result = run_load(home, url, agents=agents, records=records, chunks=chunks,
                                  workers=workers, settings=settings, secret=secret,
                                  during=flood_during(flood, database, count, fingerprint,
                                                      minimum_requests))
                runs[name] = (result, flood, _audit_counts(database))
            finally:
                database.engine.dispose()
    return AbuseResult(runs["quiet"][0], runs["flooded"][0], runs["flooded"][1],
                       runs["quiet"][1].peak_rss_bytes, runs["flooded"][2])


def abuse_report(result: AbuseResult, **sizes: object) -> str:
    """Returns a Markdown summary of both runs."""
    ratios = result.p95_ratios()
    flood_total = sum(result.flood.statuses.values())
    lines = ["## quiet", "", report(result.quiet, **sizes), "", "## flooded", "",
             report(result.flooded, **sizes), "",
             f"flood: {flood_total} requests, by status "
             + ", ".join(f"{status}: {count}" for status, count in
                         sorted(result.flood.statuses.items(), key=lambda item: str(item[0]))),
             "honest p95 under the flood / quiet: "
             + ", ".join(f"{name} {ratio:.2f}x" for name, ratio in ratios.items()),
             f"peak coordinator memory (gunicorn + workers): quiet "
             f"{result.quiet_peak_rss_bytes / 2 ** 20:.0f} MiB, flooded "
             f"{result.flood.peak_rss_bytes / 2 ** 20:.0f} MiB",
             "audit entries of the flooded run: " + ", ".join(
                 f"{action} {count}" for action, count in sorted(result.audit_entries.items()))]
    return "\n".join(lines)


def main() -> int:
    parser = load_arguments(__doc__.splitlines()[0])
    parser.add_argument("--flooders", type=int, default=4)
    options = parser.parse_args()
    sizes = load_sizes(options)
    database_url = functools.partial(backend_database, options.backend)

    with tempfile.TemporaryDirectory(prefix="hublink-abuse-") as folder:
        result = run_abuse(Path(folder), database_url, flooders=options.flooders, **sizes)
    print(abuse_report(result, backend=options.backend, **sizes))
    errors = result.quiet.errors + result.flooded.errors
    for problem in errors[:20]:
        print("problem:", problem)
    worst = max(result.p95_ratios().values())
    return 1 if errors or result.flooded.miscounted() or worst > 2 else 0


if __name__ == "__main__":
    sys.exit(main())
