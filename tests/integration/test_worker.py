"""Match workers as real processes: one is killed (SIGKILL) mid-run, another recovers the run,
and the links served meanwhile are the previous run's, unchanged; several workers share a queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.jobs.queue import get_run
from hublink.coordinator.storage.models import Link, MatchRun
from tests.coordinator.test_jobs import links, seed

COORDINATOR = Path(sys.executable).parent / "hublink-coordinator"
LEASE_SECONDS = "2"


@pytest.fixture
def hub(tmp_path: Path, empty_database_url: str, monkeypatch: pytest.MonkeyPatch):
    """An initialised coordinator home on each backend, and a function running its CLI."""
    monkeypatch.setenv("HUBLINK_DATABASE_URL", empty_database_url)
    home_path = tmp_path / "home"

    def coordinator(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([str(COORDINATOR), "--home", str(home_path), *args],
                              capture_output=True, text=True, check=check, env=os.environ.copy())

    coordinator("init")
    home = CoordinatorHome(home_path)
    yield home, coordinator
    home.database.dispose()


def _worker(home: CoordinatorHome) -> subprocess.Popen:
    # A session of its own: the kill reaches the worker's comparison processes too.
    return subprocess.Popen([str(COORDINATOR), "--home", str(home.path), "worker", "--once",
                             "--lease-seconds", LEASE_SECONDS], env=os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_until(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_killed_worker_s_run_is_recovered_and_links_stay_served(hub):
    home, coordinator = hub
    seed(home, partners=3, records=9_000)  # ~360M comparisons: several seconds on 2 cores
    assert "matched 27000 records" in coordinator("match").stdout
    before = links(home)

    # --full: with nothing changed an incremental run would compare nothing
    run_id = int(coordinator("match", "--full", "--queue-only").stdout.split()[-1])
    worker = _worker(home)
    _wait_until(lambda: get_run(home.database, run_id).stage == "comparing")
    listing = coordinator("runs").stdout
    assert f"run {run_id:>5} running" in listing and "of 364,486,500 comparisons" in listing
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()

    assert get_run(home.database, run_id).status == "running"  # its lease has not yet expired
    assert links(home) == before
    time.sleep(float(LEASE_SECONDS) + 0.5)
    rescue = coordinator("worker", "--once", "--lease-seconds", LEASE_SECONDS)
    assert f"match run {run_id}: succeeded" in rescue.stdout
    run = get_run(home.database, run_id)
    assert (run.status, run.attempts, run.record_count) == ("succeeded", 2, 27_000)
    assert links(home) == before  # same records, so the same link IDs


def test_several_workers_share_the_queue(hub):
    home, coordinator = hub
    seed(home, partners=2, records=200)
    coordinator("match")
    # full runs, which each rewrite every link (an incremental one would find nothing to change)
    queued = {int(coordinator("match", "--full", "--queue-only").stdout.split()[-1]) for _ in range(4)}
    workers = [_worker(home) for _ in range(3)]
    outputs = ["".join(worker.communicate(timeout=120)) for worker in workers]
    coordinator("worker", "--once", check=False)
    with home.database.session() as session:
        runs = {run.id: run for run in session.scalars(select(MatchRun)) if run.id in queued}
    # Each run was taken once; a run finishing after a later-started one does not overwrite
    # its links ("Superseded"), and every other run succeeded.
    assert {run.attempts for run in runs.values()} == {1}
    assert all(run.status == "succeeded" or (run.status, run.error) == ("failed", "Superseded")
               for run in runs.values()), [(run.status, run.error) for run in runs.values()]
    succeeded = [run for run in runs.values() if run.status == "succeeded"]
    with home.database.session() as session:
        writers = set(session.scalars(select(Link.match_run_id)))
    assert writers == {max(succeeded, key=lambda run: run.started_at).id}
    taken = [line for out in outputs for line in out.splitlines() if line.startswith("match run")]
    assert len(taken) == 3 and len(set(taken)) == 3
    assert set(links(home).values()) and len(links(home)) == 400
