"""Issue 11's smaller service items, checked on a real coordinator process on loopback through
its HTTP API and its operator CLI: tokens in the query string, partner names with a trailing
newline, the operator acting for a partner in the audit log, a private home (database, WAL,
spool, exports), unsealed legacy values, and the export header."""

from __future__ import annotations

import csv
import os
import stat

import pytest
import requests
from sqlalchemy import select

from demo.local_hub import LocalHub
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.storage.models import AuditEvent, Partner, RecordAttributes
from hublink.shared.sync_protocol import SyncChunk
from tests.crafted_clks import random_clks
from tests.helpers import SCHEMA, TEST_DECLARATIONS, make_start
from tests.project_files import approved_project

DECLARATIONS = TEST_DECLARATIONS + '\n[attributes.club]\ntype = "category"\nvalues = ["chess"]\n'


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with LocalHub(tmp_path_factory.mktemp("items") / "hub", declarations=DECLARATIONS) as running:
        token = running.coordinator("partner", "add", "school-district").stdout.strip().splitlines()[-1]
        running.headers = {"Authorization": f"Bearer {token}"}
        running.token = token
        yield running


def _home(hub: LocalHub) -> CoordinatorHome:
    return CoordinatorHome(hub.home)


def _sync(hub: LocalHub, headers: dict, values: dict[str, list[str]], seed: int,
          commit: bool = True) -> requests.Response:
    count = len(next(iter(values.values())))
    start = make_start(attribute_names=tuple(values))
    chunk = SyncChunk(pseudonyms=[f"{seed:04d}{index:060d}" for index in range(count)],
                      clks=b"".join(random_clks(count, SCHEMA.clk_bytes, seed)), attributes=values,
                      deletes=[])
    assert requests.post(f"{hub.url}/api/v1/syncs", json=start.to_wire(), headers=headers,
                         timeout=30).status_code == 201
    answer = requests.put(f"{hub.url}/api/v1/syncs/{start.sync_id}/chunks/0", json=chunk.to_wire(),
                          headers=headers, timeout=30)
    if not commit or answer.status_code != 200:
        return answer
    return requests.post(f"{hub.url}/api/v1/syncs/{start.sync_id}/commit", headers=headers, timeout=30,
                         json={"format": "hublink.sync/1", "chunk_count": 1, "record_count": count})


def test_a_token_in_the_query_string_is_refused_and_never_logged(hub):
    for parameter in ("token", "access_token", "api_key"):
        answer = requests.get(f"{hub.url}/api/v1/status?{parameter}={hub.token}", timeout=30)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "token_in_query"
        assert hub.token not in answer.text
    answer = requests.get(f"{hub.url}/api/v1/status?token={hub.token}", headers=hub.headers, timeout=30)
    assert answer.status_code == 400  # even beside a valid header
    log = (hub.root / "coordinator.log").read_text()
    assert "/api/v1/status" in log and hub.token not in log and hub.token[4:] not in log


def test_a_partner_name_ending_in_a_newline_is_refused(hub):
    for name in ("Summer Jobs\n", "Summer Jobs\r\n", "Summer\nJobs"):
        refused = hub.coordinator("partner", "add", name, check=False)
        assert refused.returncode != 0 and "Traceback" not in refused.stderr
    with _home(hub).database.session() as session:
        assert not any("Summer" in name for name in session.scalars(select(Partner.name)))


def test_an_operator_acting_for_a_partner_is_audited_with_the_partner(hub):
    operator = hub.coordinator("token", "issue", "--role", "operator").stdout.strip().splitlines()[-1]
    acting = {"Authorization": f"Bearer {operator}", "X-Hublink-Partner": "school-district"}
    assert _sync(hub, acting, {"program": ["camp"] * 3}, seed=1).status_code == 200
    with _home(hub).database.session() as session:
        commits = [event.actor for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sync_commit"))]
    assert commits[-1].startswith("operator:") and commits[-1].endswith(" for partner:school-district")
    assert hub.coordinator("audit", "verify").returncode == 0


def test_the_export_header_lists_only_current_attributes_and_legacy_values_are_refused(hub, tmp_path):
    assert _sync(hub, hub.headers, {"program": ["camp"] * 4, "club": ["chess"] * 4}, seed=2).status_code == 200
    assert _sync(hub, hub.headers, {"program": ["arts"] * 4}, seed=3).status_code == 200
    hub.coordinator("match")
    approved_project(_home(hub), tmp_path, "current", ["school-district"], ["program"])
    out = tmp_path / "export.csv"
    hub.coordinator("export", "--project", "current", "--out", str(out))
    with open(out, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["link_id", "partner", "program"] and len(rows) == 5
    assert {row[2] for row in rows[1:]} == {"arts"}

    with _home(hub).database.session() as session:  # as written before encryption at rest
        for row in session.scalars(select(RecordAttributes)):
            row.attributes = {"program": "arts"}
    refused = hub.coordinator("export", "--project", "current", "--out", str(out), check=False)
    assert refused.returncode != 0 and "rotate-data-key" in refused.stdout + refused.stderr
    hub.coordinator("rotate-data-key")
    hub.coordinator("export", "--project", "current", "--out", str(out))
    with open(out, newline="") as handle:
        assert len(list(csv.reader(handle))) == 5


def test_the_home_and_every_file_in_it_are_private(hub, tmp_path):
    assert _sync(hub, hub.headers, {"program": ["camp"] * 3}, seed=5).status_code == 200
    hub.coordinator("match")
    approved_project(_home(hub), tmp_path, "private", ["school-district"], ["program"])
    assert _sync(hub, hub.headers, {"program": ["jobs"] * 2}, seed=4, commit=False).status_code == 200
    analyst = hub.coordinator("token", "issue", "--role", "analyst", "--project", "private")
    token = analyst.stdout.strip().splitlines()[-1]
    assert requests.get(f"{hub.url}/api/v1/export", headers={"Authorization": f"Bearer {token}"},
                        timeout=60).status_code == 200
    files = {os.path.relpath(os.path.join(root, name), hub.home): os.stat(os.path.join(root, name))
             for root, folders, names in os.walk(hub.home) for name in [*folders, *names]}
    assert "hublink.db-wal" in files and any(path.startswith("spool" + os.sep) for path in files)
    assert "exports" in files and any(path.startswith("keys" + os.sep) for path in files)
    assert stat.S_IMODE(os.stat(hub.home).st_mode) == 0o700
    wrong = {path: oct(stat.S_IMODE(info.st_mode)) for path, info in files.items()
             if stat.S_IMODE(info.st_mode) != (0o700 if stat.S_ISDIR(info.st_mode) else 0o600)}
    assert wrong == {}
