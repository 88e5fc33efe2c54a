"""Every `sync` checks in, over a real coordinator process: a revoked token, an unreachable
coordinator, a coordinator restored from an older backup or with records purged, and an
interrupted sync whose changes were undone. Each: the exit code, what is said, the repair."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from demo.local_hub import LocalHub
from hublink.synthetic import generate_dataset
from tests.integration.recording_proxy import RecordingProxy
from tests.integration.test_incremental_sync import (
    assert_coordinator_holds_exactly_the_source,
    coordinator_pseudonyms,
    rows_of,
    write_rows,
)


@pytest.fixture
def hub(tmp_path):
    """A coordinator process and one partner (~400 records, chunks of 100) synced once."""
    dataset = generate_dataset(tmp_path / "sources", youth=600, seed=11)
    partner = dataset.partners[0]
    with LocalHub(tmp_path / "hub") as running:
        setup = running.add_partner(
            partner.name, partner.path, partner.record_key, partner.identifiers,
            partner.attributes,
            extra={"coordinator": {"retries": 1, "timeout": 5, "chunk_records": 100}})
        assert "full:" in running.agent(setup, "sync").stdout
        yield running, setup, partner


def partner_token_ids(hub: LocalHub, name: str) -> list[str]:
    listing = hub.coordinator("token", "list").stdout.splitlines()[1:]
    return [line.split()[0] for line in listing if " partner " in line and name in line]


def change_source(partner) -> None:
    """Changes three records, deletes two and adds one."""
    fieldnames, rows = rows_of(partner.path)
    column = partner.identifiers.get("first_name") or partner.identifiers["full_name"]
    for row in rows[:3]:
        row[column] += "x"
    added = dict(rows[5], **{partner.record_key: "NEW-0001"})
    write_rows(partner.path, fieldnames, rows[:3] + rows[5:] + [added])


def test_a_revoked_token_fails_a_sync_with_nothing_to_send(hub):
    running, setup, partner = hub
    unchanged = running.agent(setup, "sync").stdout
    assert "no changes" in unchanged and "checked in" in unchanged
    for token_id in partner_token_ids(running, setup.name):
        running.coordinator("token", "revoke", token_id)

    refused = running.agent(setup, "sync", check=False)
    assert refused.returncode == 5, refused.stderr
    assert "HTTP 401" in refused.stderr and "revoked" in refused.stderr
    assert str(setup.folder / "partner.token") in refused.stderr
    assert "failed" in running.agent(setup, "status").stdout

    issued = running.coordinator("token", "issue", "--role", "partner", "--partner", setup.name)
    (setup.folder / "partner.token").write_text(issued.stdout.strip().splitlines()[-1] + "\n")
    assert "no changes" in running.agent(setup, "sync").stdout
    status = running.agent(setup, "status").stdout
    assert status.startswith("last sync: unchanged") and "failed" not in status
    assert_coordinator_holds_exactly_the_source(running, setup, partner)


def test_an_unreachable_coordinator_fails_with_what_was_tried(hub):
    running, setup, partner = hub
    running.stop()
    failed = running.agent(setup, "sync", check=False)
    assert failed.returncode == 4, failed.stderr
    message = failed.stderr
    assert f"cannot reach the coordinator at {running.url}" in message
    assert "GET /api/v1/partner-view failed 2 time(s) over" in message
    assert "check that coordinator.url" in message and "/api/v1/health" in message
    assert "Traceback" not in message
    assert "cannot reach the coordinator" in running.agent(setup, "status").stdout

    running.serve()
    assert "no changes" in running.agent(setup, "sync").stdout
    assert running.agent(setup, "status").stdout.startswith("last sync: unchanged")


def test_a_coordinator_restored_from_an_older_backup_is_repaired(hub, tmp_path):
    running, setup, partner = hub
    running.stop()
    backup = tmp_path / "backup"
    shutil.copytree(running.home, backup)
    running.serve()
    change_source(partner)
    assert "delta: 1 added, 3 changed, 2 deleted" in running.agent(setup, "sync").stdout

    running.stop()
    shutil.rmtree(running.home)
    shutil.copytree(backup, running.home)
    running.serve()
    repaired = running.agent(setup, "sync")
    assert repaired.returncode == 0, repaired.stderr
    assert "repaired: the coordinator's copy is from sync" in repaired.stdout
    assert "restored from a backup" in repaired.stdout
    assert f"full: {partner.record_count - 2 + 1} added" in repaired.stdout
    assert_coordinator_holds_exactly_the_source(running, setup, partner)
    assert "repaired" in running.agent(setup, "status").stdout
    assert "no changes" in running.agent(setup, "sync").stdout


def test_records_purged_on_the_coordinator_are_resent(hub):
    running, setup, partner = hub
    held = coordinator_pseudonyms(running, setup.name)
    with sqlite3.connect(running.home / "hublink.db") as connection:
        for table in ("encodings", "record_attributes"):
            connection.executemany(f"DELETE FROM {table} WHERE pseudonym = ?",
                                   [(pseudonym,) for pseudonym in held[:5]])
    repaired = running.agent(setup, "sync")
    assert f"the coordinator holds {len(held) - 5} records" in repaired.stdout
    assert "records purged" in repaired.stdout and "full:" in repaired.stdout
    assert_coordinator_holds_exactly_the_source(running, setup, partner)


def test_status_forgets_an_interrupted_sync_once_a_later_one_succeeds(hub):
    running, setup, partner = hub
    proxy = RecordingProxy(running.url).start()
    try:
        config = setup.config_path.read_text()
        setup.config_path.write_text(config.replace(running.url, proxy.url))
        original = partner.path.read_bytes()
        change_source(partner)
        proxy.interfere = lambda method, path: "drop" if "/chunks/" in path else None
        assert running.agent(setup, "sync", check=False).returncode == 4
        assert "interrupted" in running.agent(setup, "status").stdout

        partner.path.write_bytes(original)  # the changes were undone before the next night
        proxy.interfere = lambda method, path: None
        assert "no changes" in running.agent(setup, "sync").stdout
        status = running.agent(setup, "status").stdout
        assert "interrupted" not in status and status.startswith("last sync: unchanged")
        assert_coordinator_holds_exactly_the_source(running, setup, partner)
    finally:
        proxy.stop()
