"""Faults of the hub's own resources during a sync, on the real PostgreSQL: the database
restarted mid-upload, the spool's disk full, a commit's connection killed mid-transaction.
Each ends with nothing lost, a clear error, and the next ordinary `sync` ending exact."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from hublink.synthetic import generate_dataset

from demo.local_hub import LocalHub
from tests.integration.recording_proxy import RecordingProxy
from tests.integration.test_incremental_sync import (
    expected_pseudonyms,
    rows_of,
    write_rows,
)

BIN = Path(sys.executable).parent
SERVER = "postgresql://postgres@127.0.0.1:5432"
CLUSTER = ("15", "main")
needs_root = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("pg_ctlcluster"),
                                reason="restarts PostgreSQL and mounts a tmpfs: needs root")


def _postgresql_answers() -> bool:
    try:
        with psycopg.connect(f"{SERVER}/postgres", connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _wait_for_postgresql(seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not _postgresql_answers():
        assert time.monotonic() < deadline, "PostgreSQL did not come back"
        time.sleep(0.2)


def _pg_ctl(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, action],
                   check=True, capture_output=True, timeout=60)


@pytest.fixture
def database():
    """A fresh PostgreSQL database for one test; PostgreSQL runs again afterwards, whatever
    the test did to it."""
    if not _postgresql_answers():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    name = f"hublink_faults_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        if not _postgresql_answers():
            _pg_ctl("start")
            _wait_for_postgresql()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def hub(tmp_path, database):
    """A coordinator on PostgreSQL behind the recording proxy, and one partner that sends
    its ~1,900 records in chunks of 500 with no retries of its own (each fault is seen)."""
    dataset = generate_dataset(tmp_path / "sources", youth=3000, seed=3)
    partner = dataset.partners[0]
    environment = {"HUBLINK_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"}
    with LocalHub(tmp_path / "hub", environment=environment) as running:
        proxy = RecordingProxy(running.url).start()
        setup = running.add_partner(
            partner.name, partner.path, partner.record_key, partner.identifiers, partner.attributes,
            extra={"coordinator": {"url": proxy.url, "retries": 0, "timeout": 30,
                                   "chunk_records": 500}})
        try:
            yield running, proxy, setup, partner, database
        finally:
            proxy.released.set()
            proxy.stop()


def held_pseudonyms(database: str, partner: str) -> list[str]:
    with psycopg.connect(f"{SERVER}/{database}") as connection:
        return [row[0] for row in connection.execute(
            "SELECT e.pseudonym FROM encodings e JOIN partners p ON p.id = e.partner_id "
            "WHERE p.name = %s", (partner,))]


def assert_exact(database: str, setup, partner) -> None:
    held = held_pseudonyms(database, setup.name)
    assert len(held) == len(set(held)), "a record is held twice"
    assert set(held) == expected_pseudonyms(setup, partner)


def assert_clean_answers(proxy: RecordingProxy, running: LocalHub) -> None:
    for exchange in proxy.exchanges:
        assert b"Traceback" not in exchange.response_body
        if exchange.status >= 400:
            assert set(json.loads(exchange.response_body)) == {"error"}, exchange.response_body
    assert "audit log intact" in running.coordinator("audit", "verify").stdout


def change_source(partner) -> None:
    """Drops two records and changes one, so the next sync is not a no-op."""
    fieldnames, rows = rows_of(partner.path)
    column = partner.identifiers.get("first_name") or partner.identifiers["full_name"]
    rows[2][column] += "x"
    write_rows(partner.path, fieldnames, rows[:5] + rows[7:])


@needs_root
def test_database_restarted_mid_upload(hub):
    running, proxy, setup, partner, database = hub
    chunk_puts: list[str] = []

    def hold_third_chunk(method: str, path: str) -> str | None:
        if "/chunks/" in path:
            chunk_puts.append(path)
            return "hold" if len(chunk_puts) == 3 else None
        return None

    proxy.interfere = hold_third_chunk
    agent = subprocess.Popen([str(BIN / "hublink-agent"), "--config", str(setup.config_path), "sync"],
                             cwd=setup.folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(chunk_puts) < 3 and agent.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(chunk_puts) == 3, agent.stderr.read() if agent.poll() is not None else "no chunk"
        _pg_ctl("restart")
        _wait_for_postgresql()
    finally:
        proxy.released.set()
        _, errors = agent.communicate(timeout=120)
    print(f"sync across the restart: exit {agent.returncode} {errors.strip()[-300:]}")
    if agent.returncode != 0:
        assert agent.returncode == 4, errors
        assert "the coordinator kept failing" in errors and "Traceback" not in errors
        assert running.agent(setup, "sync").returncode == 0
    assert_exact(database, setup, partner)
    assert_clean_answers(proxy, running)
    assert "no changes" in running.agent(setup, "sync").stdout


@needs_root
def test_spool_disk_full_refuses_cleanly_then_recovers(hub):
    running, proxy, setup, partner, database = hub
    running.agent(setup, "sync")
    before = expected_pseudonyms(setup, partner)
    change_source(partner)
    spool = running.home / "spool"
    spool.mkdir(exist_ok=True)
    # Room for one and a half chunks: the first is spooled, the second runs out of space.
    chunk_bytes = max(len(e.request_body) for e in proxy.exchanges if "/chunks/" in e.path)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={chunk_bytes * 3 // 2 // 1024}k", "tmpfs",
                    str(spool)], check=True)
    try:
        failed = running.agent(setup, "sync", "--full", check=False)
        assert failed.returncode == 4, failed.stderr
        assert "out of disk space" in failed.stderr and "Traceback" not in failed.stderr
        refused = [e for e in proxy.exchanges if e.status == 507]
        assert refused and "/chunks/" in refused[0].path
        assert json.loads(refused[0].response_body)["error"]["code"] == "storage_full"
        assert not list(spool.rglob("*.partial")), "a partial chunk was left in the spool"
        held = held_pseudonyms(database, setup.name)
        assert sorted(held) == sorted(before), "a failed sync changed the records held"

        subprocess.run(["mount", "-o", "remount,size=64m", str(spool)], check=True)
        mark = len(proxy.exchanges)
        # The same command again: the same plan, so the same sync resumes at the refused chunk.
        assert "resumed" in running.agent(setup, "sync", "--full").stdout
        resent = [e.path for e in proxy.exchanges[mark:] if "/chunks/" in e.path]
        assert resent and not any(path.endswith("/chunks/0") for path in resent)
        assert_exact(database, setup, partner)
        assert not list(spool.rglob("*.json")), "a committed sync's chunks stay in the spool"
    finally:
        subprocess.run(["umount", "--lazy", str(spool)], check=False)
    assert_clean_answers(proxy, running)


def test_commit_killed_mid_transaction_keeps_the_previous_records(hub):
    running, proxy, setup, partner, database = hub
    running.agent(setup, "sync")
    before = expected_pseudonyms(setup, partner)
    change_source(partner)
    blocker: list[psycopg.Connection] = []

    def lock_attributes_at_commit(method: str, path: str) -> str | None:
        # The commit deletes the partner's encodings, then blocks on record_attributes.
        if path.endswith("/commit") and not blocker:
            connection = psycopg.connect(f"{SERVER}/{database}")
            connection.execute("LOCK TABLE record_attributes IN ACCESS EXCLUSIVE MODE")
            blocker.append(connection)
        return None

    def terminate_the_waiting_commit() -> None:
        deadline = time.monotonic() + 60
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            while time.monotonic() < deadline:
                killed = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND wait_event_type = 'Lock' AND query ILIKE 'DELETE FROM record_attributes%%'",
                    (database,)).fetchall()
                if killed:
                    break
                time.sleep(0.05)
        for connection in blocker:
            connection.rollback()

    proxy.interfere = lock_attributes_at_commit
    terminator = threading.Thread(target=terminate_the_waiting_commit, daemon=True)
    terminator.start()
    try:
        failed = running.agent(setup, "sync", "--full", check=False)
    finally:
        terminator.join(timeout=70)
        for connection in blocker:
            connection.close()
    assert failed.returncode == 4, failed.stderr
    assert "database is unavailable" in failed.stderr and "Traceback" not in failed.stderr
    commit = [e for e in proxy.exchanges if e.path.endswith("/commit")][-1]
    assert commit.status == 503
    assert json.loads(commit.response_body)["error"]["code"] == "database_unavailable"
    held = held_pseudonyms(database, setup.name)
    assert sorted(held) == sorted(before), "a killed commit changed the records held"

    proxy.interfere = lambda method, path: None
    # A plain sync plans a delta over the last committed sync; its commit supersedes the
    # failed full sync, whose spooled chunks are discarded.
    assert "delta: 0 added, 1 changed, 2 deleted" in running.agent(setup, "sync").stdout
    assert not list((running.home / "spool").rglob("*.json"))
    assert_exact(database, setup, partner)
    assert_clean_answers(proxy, running)
