"""Sync that never loses or duplicates: incremental, resumable after a kill, key rotation."""

from __future__ import annotations

import csv
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demo.local_hub import LocalHub
from hublink.agent.keys import pseudonymise
from hublink.synthetic import generate_dataset
from tests.integration.recording_proxy import RecordingProxy

BIN = Path(sys.executable).parent


@pytest.fixture
def hub(tmp_path):
    dataset = generate_dataset(tmp_path / "sources", youth=3000, seed=3)
    with LocalHub(tmp_path / "hub") as running:
        proxy = RecordingProxy(running.url).start()
        partners = {p.name: p for p in dataset.partners}
        setups = {name: running.add_partner(name, p.path, p.record_key, p.identifiers, p.attributes,
                                            extra={"coordinator": {"url": proxy.url, "retries": 1,
                                                                   "timeout": 20, "chunk_records": 1000}})
                  for name, p in list(partners.items())[:2]}
        yield running, proxy, setups, partners
        proxy.stop()


def rows_of(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, fieldnames: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def coordinator_pseudonyms(hub: LocalHub, partner: str) -> list[str]:
    with sqlite3.connect(hub.home / "hublink.db") as connection:
        return [row[0] for row in connection.execute(
            "SELECT e.pseudonym FROM encodings e JOIN partners p ON p.id = e.partner_id "
            "WHERE p.name = ?", (partner,))]


def expected_pseudonyms(setup, partner) -> set[str]:
    key = bytes.fromhex((setup.folder / ".hublink-agent" / "pseudonym.key").read_text().strip())
    _, rows = rows_of(partner.path)
    return {pseudonymise(key, row[partner.record_key].strip()) for row in rows
            if row[partner.record_key].strip()}


def sent_records(proxy: RecordingProxy, since: int) -> tuple[int, int]:
    upserts = deletes = 0
    for exchange in proxy.exchanges[since:]:
        if "/chunks/" in exchange.path:
            body = json.loads(exchange.request_body)
            upserts += len(body["pseudonyms"])
            deletes += len(body["deletes"])
    return upserts, deletes


def assert_coordinator_holds_exactly_the_source(hub, setup, partner):
    held = coordinator_pseudonyms(hub, setup.name)
    assert len(held) == len(set(held)), "a record is held twice"
    assert set(held) == expected_pseudonyms(setup, partner)


def test_only_changes_are_sent_and_deletes_propagate(hub):
    running, proxy, setups, partners = hub
    name = next(iter(setups))
    setup, partner = setups[name], partners[name]
    first = running.agent(setup, "sync").stdout
    assert "full:" in first
    mark = len(proxy.exchanges)
    assert "no changes" in running.agent(setup, "sync").stdout
    assert sent_records(proxy, mark) == (0, 0)

    fieldnames, rows = rows_of(partner.path)
    name_column = partner.identifiers.get("first_name") or partner.identifiers["full_name"]
    for row in rows[:3]:
        row[name_column] = row[name_column] + "x"
    added = dict(rows[5], **{partner.record_key: "NEW-0001"})
    write_rows(partner.path, fieldnames, rows[:3] + rows[5:] + [added])
    mark = len(proxy.exchanges)
    output = running.agent(setup, "sync").stdout
    assert "delta: 1 added, 3 changed, 2 deleted" in output
    assert sent_records(proxy, mark) == (4, 2)
    assert_coordinator_holds_exactly_the_source(running, setup, partner)
    status = running.agent(setup, "status").stdout
    assert "synced" in status and "1 added, 3 changed, 2 deleted" in status

    mark = len(proxy.exchanges)
    running.agent(setup, "sync", "--full")
    assert sent_records(proxy, mark) == (len(rows) - 2 + 1, 0)
    assert_coordinator_holds_exactly_the_source(running, setup, partner)


def test_killed_sync_resumes_without_loss_or_duplicates(hub):
    running, proxy, setups, partners = hub
    name = next(iter(setups))
    setup, partner = setups[name], partners[name]
    assert partner.record_count > 1_000, "needs several chunks"
    chunk_puts = []

    def hold_second_chunk(method, path):
        if "/chunks/" in path:
            chunk_puts.append(path)
            return "hold" if len(chunk_puts) == 2 else None
        return None

    proxy.interfere = hold_second_chunk
    agent = subprocess.Popen([str(BIN / "hublink-agent"), "--config", str(setup.config_path), "sync"],
                             cwd=setup.folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(chunk_puts) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    agent.send_signal(signal.SIGKILL)
    agent.wait()
    proxy.interfere = lambda method, path: None
    proxy.released.set()
    assert coordinator_pseudonyms(running, setup.name) == [], "nothing is visible before commit"

    mark = len(proxy.exchanges)
    output = running.agent(setup, "sync").stdout
    assert "resumed" in output
    resent = [e.path for e in proxy.exchanges[mark:] if "/chunks/" in e.path]
    assert resent and all(not path.endswith("/chunks/0") for path in resent)
    assert_coordinator_holds_exactly_the_source(running, setup, partner)


def test_network_failure_mid_sync_then_rerun_ends_with_exact_records(hub):
    running, proxy, setups, partners = hub
    name = next(iter(setups))
    setup, partner = setups[name], partners[name]
    proxy.interfere = lambda method, path: "drop" if path.endswith("/chunks/1") else None
    failed = running.agent(setup, "sync", check=False)
    assert failed.returncode == 4, failed.stderr
    assert "cannot reach the coordinator" in failed.stderr
    assert "failed" in running.agent(setup, "status").stdout
    proxy.interfere = lambda method, path: None
    assert running.agent(setup, "sync").returncode == 0
    assert_coordinator_holds_exactly_the_source(running, setup, partner)
    again = running.agent(setup, "sync").stdout
    assert "no changes" in again


def test_key_rotation_re_encodes_everything(hub, tmp_path):
    running, proxy, setups, partners = hub
    for setup in setups.values():
        running.agent(setup, "sync")
    running.coordinator("match")
    new_secret = tmp_path / "new.secret"
    subprocess.run([str(BIN / "hublink-agent"), "keygen", "--out", str(new_secret)], check=True)
    first, second = setups.values()
    (first.folder / "linkage.secret").write_bytes(new_secret.read_bytes())
    refused = running.agent(first, "sync", check=False)
    assert refused.returncode == 5 and "different linkage schema or secret" in refused.stderr

    fingerprint = running.agent(first, "fingerprint").stdout.strip()
    running.coordinator("rotate-key", "--fingerprint", fingerprint)
    mark = len(proxy.exchanges)
    assert "full:" in running.agent(first, "sync").stdout
    assert sent_records(proxy, mark)[0] == partners[first.name].record_count
    blocked = running.coordinator("match", check=False)
    assert blocked.returncode == 1 and second.name in blocked.stderr

    (second.folder / "linkage.secret").write_bytes(new_secret.read_bytes())
    running.agent(second, "sync")
    assert "matched" in running.coordinator("match").stdout


def test_opted_out_records_are_deleted_upstream(hub):
    running, proxy, setups, partners = hub
    name = next(iter(setups))
    setup, partner = setups[name], partners[name]
    running.agent(setup, "sync")
    _, rows = rows_of(partner.path)
    opted = [rows[0][partner.record_key], rows[7][partner.record_key]]
    (setup.folder / "opt-out.csv").write_text("record_key\n" + "\n".join(opted) + "\n")
    config = setup.config_path.read_text()
    setup.config_path.write_text(config.replace("[source]\n", '[source]\nopt_out_file = "opt-out.csv"\n'))
    output = running.agent(setup, "sync").stdout
    assert "0 added, 0 changed, 2 deleted" in output
    key = bytes.fromhex((setup.folder / ".hublink-agent" / "pseudonym.key").read_text().strip())
    held = set(coordinator_pseudonyms(running, setup.name))
    assert not {pseudonymise(key, record_key) for record_key in opted} & held
    assert len(held) == len(expected_pseudonyms(setup, partner)) - 2
