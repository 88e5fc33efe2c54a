"""Load: many agents syncing at once to a coordinator under gunicorn on loopback.

Starts gunicorn with ``deploy/coordinator/gunicorn.conf.py`` (2-4 workers) on a fresh
PostgreSQL database (or SQLite), registers the partners, then runs one thread per agent, each
doing a full sync (open, chunks, commit) over HTTP with ``requests``. Checks that no request
failed and that every partner holds exactly its records, once; prints requests per second and
latency percentiles per endpoint. Results: ``benchmarks/RESULTS-coordinator.md``.

    .venv/bin/python benchmarks/load.py [--agents 80] [--records 500] [--chunks 2]
        [--workers 4] [--backend postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from hublink.coordinator.attribute_declarations import DEFAULT_DECLARATIONS, write_declarations
from hublink.coordinator.registry import add_partner, init_project
from hublink.coordinator.storage import Database
from hublink.coordinator.storage.models import Encoding, Partner, RecordAttributes
from hublink.shared.linkage_schema import load_linkage_schema, schema_fingerprint
from hublink.shared.sync_protocol import SyncChunk, SyncStart

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONFIG = ROOT / "deploy" / "coordinator" / "gunicorn.conf.py"
POSTGRESQL_SERVER_URL = os.environ.get("HUBLINK_TEST_POSTGRESQL_URL",
                                       "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ENDPOINTS = ("open", "chunk", "commit")
LOAD_DECLARATIONS = '\n[attributes.program]\ntype = "category"\nvalues = ["camp"]\n'


@dataclass
class LoadResult:
    """Every request's endpoint, seconds and failure (None when it succeeded)."""

    timings: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in ENDPOINTS})
    errors: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    stored: dict[str, tuple[int, int]] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, endpoint: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.timings[endpoint].append(seconds)
            if error:
                self.errors.append(f"{endpoint}: {error}")

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.timings.values())

    def miscounted(self) -> list[str]:
        """Returns every partner whose stored encodings or attributes differ from its records."""
        return [f"{name}: expected {want}, stored {self.stored.get(name)}"
                for name, want in self.expected.items()
                if self.stored.get(name) != (want, want)]


def percentile(values: list[float], share: float) -> float:
    """Returns the nearest-rank percentile (share in 0..1) of non-empty ``values``."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def fresh_postgresql_database(server_url: str = POSTGRESQL_SERVER_URL) -> Iterator[str]:
    """Yields the URL of a new, empty PostgreSQL database on the server; drops it after."""
    name = f"hublink_load_{uuid.uuid4().hex[:12]}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": 3})
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@contextmanager
def gunicorn_coordinator(home: Path, database_url: str, workers: int,
                         settings: dict[str, str] | None = None,
                         started: list[subprocess.Popen] | None = None) -> Iterator[str]:
    """Runs the coordinator under gunicorn with the deployment's config on a loopback port
    (``settings``: more ``HUBLINK_*`` variables); yields its base URL once
    ``/api/v1/health`` answers (the process is appended to ``started``); stops it after."""
    port = free_port()
    environment = dict(os.environ, **(settings or {}), HUBLINK_HOME=str(home),
                       HUBLINK_DATABASE_URL=database_url,
                       HUBLINK_GUNICORN_BIND=f"127.0.0.1:{port}",
                       HUBLINK_GUNICORN_WORKERS=str(workers),
                       HUBLINK_GUNICORN_LOG_LEVEL="warning")
    log = open(home / "gunicorn.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG),
                                "--access-logfile", os.devnull],
                               env=environment, stdout=log, stderr=subprocess.STDOUT)
    if started is not None:
        started.append(process)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a busy machine starts 4 workers slowly
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(home / 'gunicorn.log').read_text()[-2000:]}")
            try:
                if requests.get(f"{base}/api/v1/health", timeout=2).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /api/v1/health within 120 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def agent_sync(base: str, token: str, records: int, chunks: int, secret: bytes,
               result: LoadResult) -> None:
    """One agent's full sync of ``records`` random encodings in ``chunks`` chunks."""
    schema = load_linkage_schema()
    start = SyncStart(sync_id=str(uuid.uuid4()), mode="full", base_sync_id=None,
                      schema_id=schema.schema_id, fingerprint=schema_fingerprint(schema, secret),
                      clk_bytes=schema.clk_bytes, attribute_names=("program",))
    sizes = [records // chunks + (1 if index < records % chunks else 0) for index in range(chunks)]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def call(endpoint: str, method: str, path: str, body: dict) -> bool:
        began = time.perf_counter()
        try:
            response = session.request(method, base + path, json=body, timeout=120)
            error = None if response.ok else f"{response.status_code} {response.text[:200]}"
        except requests.RequestException as failure:
            error = repr(failure)
        result.record(endpoint, time.perf_counter() - began, error)
        return error is None

    with session:
        if not call("open", "POST", "/api/v1/syncs", start.to_wire()):
            return
        for number, size in enumerate(sizes):
            chunk = SyncChunk(pseudonyms=[secrets.token_hex(32) for _ in range(size)],
                              clks=secrets.token_bytes(size * schema.clk_bytes),
                              attributes={"program": ["camp"] * size}, deletes=[])
            if not call("chunk", "PUT", f"/api/v1/syncs/{start.sync_id}/chunks/{number}",
                        chunk.to_wire()):
                return
        call("commit", "POST", f"/api/v1/syncs/{start.sync_id}/commit",
             {"format": "hublink.sync/1", "chunk_count": chunks, "record_count": records})


def count_stored(database: Database) -> dict[str, tuple[int, int]]:
    """Returns each partner's (encodings, attribute rows) as stored."""
    with database.session() as session:
        names = dict(session.execute(select(Partner.id, Partner.name)).all())
        counts = {}
        for model in (Encoding, RecordAttributes):
            counts[model] = dict(session.execute(
                select(model.partner_id, func.count()).group_by(model.partner_id)).all())
    return {name: (counts[Encoding].get(number, 0), counts[RecordAttributes].get(number, 0))
            for number, name in names.items()}


def run_load(home: Path, database_url: str, *, agents: int = 80, records: int = 500,
             chunks: int = 2, workers: int = 4, settings: dict[str, str] | None = None,
             during: Callable[[str, list[subprocess.Popen]], AbstractContextManager] | None = None,
             secret: bytes | None = None) -> LoadResult:
    """Given an empty home folder and database, runs the load; returns timings and counts.
    ``settings`` are more ``HUBLINK_*`` variables for the coordinator; ``during(base,
    processes)`` is a context entered while the agents sync (``benchmarks/abuse.py``);
    ``secret`` the linkage secret of the agents (random by default)."""
    database = Database(database_url, audit_head_path=home / "audit-head.json")
    try:
        init_project(database, "partner")
        write_declarations(home, DEFAULT_DECLARATIONS + LOAD_DECLARATIONS)
        tokens = {f"load partner {index:03d}": add_partner(database, f"load partner {index:03d}")[1]
                  for index in range(agents)}
        result = LoadResult(expected={name: records for name in tokens})
        secret = secret or secrets.token_bytes(32)
        processes: list[subprocess.Popen] = []
        with gunicorn_coordinator(home, database_url, workers, settings, processes) as base, \
                (during(base, processes) if during else nullcontext()):
            began = time.perf_counter()
            with ThreadPoolExecutor(max_workers=agents) as pool:
                for future in [pool.submit(agent_sync, base, token, records, chunks, secret, result)
                               for token in tokens.values()]:
                    future.result()
            result.wall_seconds = time.perf_counter() - began
        result.stored = count_stored(database)
        return result
    finally:
        database.engine.dispose()


def report(result: LoadResult, *, agents: int, records: int, chunks: int, workers: int,
           backend: str) -> str:
    """Returns a Markdown summary of a load run."""
    lines = [f"{agents} agents x {records} records in {chunks} chunks, gunicorn {workers} "
             f"sync workers, {backend}: {result.requests} requests in "
             f"{result.wall_seconds:.1f} s = {result.requests / result.wall_seconds:.0f} "
             f"requests/s, {agents * records / result.wall_seconds:.0f} records/s; "
             f"errors {len(result.errors)}; miscounted partners {len(result.miscounted())}",
             "", "| endpoint | requests | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|"]
    for endpoint, values in result.timings.items():
        if values:
            lines.append(f"| {endpoint} | {len(values)} | {percentile(values, 0.5) * 1000:.0f} | "
                         f"{percentile(values, 0.95) * 1000:.0f} | {max(values) * 1000:.0f} |")
    return "\n".join(lines)


def load_arguments(description: str) -> argparse.ArgumentParser:
    """Returns a parser of the options every load benchmark takes (this one and ``abuse.py``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--agents", type=int, default=80)
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--chunks", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    return parser


def load_sizes(options: argparse.Namespace) -> dict[str, int]:
    """Returns the sizes ``run_load`` takes, from ``load_arguments``' options."""
    return dict(agents=options.agents, records=options.records, chunks=options.chunks,
                workers=options.workers)


@contextmanager
def backend_database(backend: str, home: Path) -> Iterator[str]:
    """Yields the URL of a fresh database: SQLite in ``home``, or a new PostgreSQL database
    (see ``fresh_postgresql_database``)."""
    home.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        yield f"sqlite:///{home / 'hublink.db'}"
    else:
        with fresh_postgresql_database() as url:
            yield url


def main() -> int:
    options = load_arguments(__doc__.splitlines()[0]).parse_args()
    sizes = load_sizes(options)
    with tempfile.TemporaryDirectory(prefix="hublink-load-") as folder:
        home = Path(folder)
        with backend_database(options.backend, home) as url:
            result = run_load(home, url, **sizes)
    print(report(result, backend=options.backend, **sizes))
    for problem in (result.errors + result.miscounted())[:20]:
        print("problem:", problem)
    return 1 if result.errors or result.miscounted() else 0


if __name__ == "__main__":
    sys.exit(main())
