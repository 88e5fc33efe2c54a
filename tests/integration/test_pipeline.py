"""End to end over real HTTP: two agents, one coordinator process, and the invariants."""

from __future__ import annotations

import base64
import csv
import json
import re
import shutil
import subprocess
import sys


UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def source_rows(running_hub, name):
    with open(running_hub.sources[name], newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def identifier_values(running_hub) -> tuple[set[str], set[str]]:
    """Returns (identifier values, record keys) of the sources, upper-cased; identifier values
    that are also a declared attribute value (a surname "White", the race label "White") are
    left out, since attributes are meant to travel."""
    values, keys, attribute_values = set(), set(), set()
    for setup in running_hub.agents:
        partner = next(p for p in running_hub.dataset.partners if p.name == setup.name)
        columns = [column for key, value in partner.identifiers.items() if key != "dob_format"
                   for column in (value if isinstance(value, list) else [value])]
        for row in source_rows(running_hub, setup.name):
            keys.add(row[partner.record_key].strip().upper())
            values.update(row[column].strip().upper() for column in columns if row[column].strip())
            attribute_values.update(row[column].strip().upper() for column in partner.attributes.values())
    # Lone initials and bare street numbers identify no one and collide with counts in text.
    values = {value for value in values if len(value) >= 3 and not value.isdigit()}
    return values - attribute_values, keys


def json_strings(document) -> set[str]:
    """Returns every string inside a decoded JSON document, upper-cased."""
    if isinstance(document, str):
        return {document.upper()}
    if isinstance(document, dict):
        return set().union(*(json_strings(v) | {k.upper()} for k, v in document.items())) if document else set()
    if isinstance(document, list):
        return set().union(*(json_strings(v) for v in document)) if document else set()
    return set()


def test_every_record_gets_a_random_link_id(running_hub):
    for setup in running_hub.agents:
        links = running_hub.links(setup)
        keys = {row[next(p for p in running_hub.dataset.partners if p.name == setup.name).record_key]
                for row in source_rows(running_hub, setup.name)}
        assert set(links) == keys
        assert all(UUID4.match(link_id) for link_id in links.values())


def test_partner_scoped_ids_differ_between_partners(running_hub):
    first, second = (set(running_hub.links(setup).values()) for setup in running_hub.agents)
    assert not first & second


def sent_bodies(running_hub) -> list[dict]:
    """Returns every request body an agent sent to the coordinator, decoded."""
    return [json.loads(e.request_body) for e in running_hub.proxy.exchanges if e.request_body]


def test_upload_bodies_hold_no_identifier(running_hub):
    uploads = [e for e in running_hub.proxy.exchanges if "/chunks/" in e.path]
    assert len(uploads) >= 2 and len(sent_bodies(running_hub)) > len(uploads)
    values, keys = identifier_values(running_hub)
    assert len(values) > 500 and len(keys) > 250
    distinctive = {value for value in values if len(value) >= 8}
    for body in sent_bodies(running_hub):
        if "clks" in body:
            clks = base64.b64decode(body.pop("clks"))
            assert len(clks) == len(body["pseudonyms"]) * 128
        strings = json_strings(body)
        assert strings & (values | keys) == set()
        body.pop("attributes", None)  # declared attribute values: checked whole above
        text = json.dumps(body).upper()
        assert [value for value in distinctive if value in text] == []


def test_secret_is_never_sent(running_hub):
    secret_text = running_hub.hub.secret_file.read_text().strip()
    secret = bytes.fromhex(secret_text)
    for exchange in running_hub.proxy.exchanges:
        sent = exchange.request_body + json.dumps(exchange.request_headers).encode()
        assert secret_text.encode() not in sent.lower()
        assert secret not in sent
        assert base64.b64encode(secret) not in sent


def test_no_response_returns_encodings_or_scores(running_hub):
    encoded = []
    for exchange in running_hub.proxy.exchanges:
        if "/chunks/" in exchange.path:
            body = json.loads(exchange.request_body)
            raw = base64.b64decode(body["clks"])
            encoded += [raw[i:i + 128] for i in range(0, len(raw), 128)]
    app_routes = {"/api/v1/links", "/api/v1/status", "/api/v1/health"}
    for setup in running_hub.agents:
        running_hub.links(setup)
    seen = {e.path for e in running_hub.proxy.exchanges}
    assert app_routes - {"/api/v1/health", "/api/v1/status"} <= seen
    for exchange in running_hub.proxy.exchanges:
        response = exchange.response_body
        lowered = response.lower()
        assert b"clk" not in lowered and b"similarit" not in lowered and b"score" not in lowered
        for clk in encoded[:200]:
            assert base64.b64encode(clk)[:40] not in response
            assert clk.hex()[:40].encode() not in lowered


def test_coordinator_log_holds_no_identifier(running_hub):
    log = (running_hub.hub.root / "coordinator.log").read_text().upper()
    assert "PUT /API/V1/SYNCS/" in log
    values, keys = identifier_values(running_hub)
    words = set(re.findall(r"[A-Z0-9'\-]+", log))
    assert words & (values | keys) == set()
    assert [value for value in values if len(value) >= 8 and value in log] == []


def test_match_twice_gives_the_same_ids(running_hub):
    before = {setup.name: running_hub.links(setup) for setup in running_hub.agents}
    output = running_hub.hub.coordinator("match").stdout
    assert re.search(r"matched \d+ records into \d+ entities in [\d.]+ seconds", output)
    after = {setup.name: running_hub.links(setup) for setup in running_hub.agents}
    assert before == after


def test_resync_with_a_few_changes_keeps_unaffected_ids(running_hub, tmp_path):
    setup = running_hub.agents[0]
    partner = next(p for p in running_hub.dataset.partners if p.name == setup.name)
    before = running_hub.links(setup)
    source = running_hub.sources[setup.name]
    backup = tmp_path / "backup.csv"
    shutil.copy(source, backup)
    rows = source_rows(running_hub, setup.name)
    fieldnames = list(rows[0])
    removed = {rows[0][partner.record_key], rows[1][partner.record_key]}
    changed = rows[2][partner.record_key]
    name_column = partner.identifiers.get("first_name") or partner.identifiers["full_name"]
    rows[2][name_column] = "Zebulon Quixote"
    kept_rows = rows[2:]
    try:
        with open(source, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fieldnames)
            writer.writeheader()
            writer.writerows(kept_rows)
        running_hub.hub.agent(setup, "sync")
        running_hub.hub.coordinator("match")
        after = running_hub.links(setup)
        assert removed.isdisjoint(after)
        # records that shared an entity with a removed or changed one may leave it (a group held
        # together by half its links loses them), so they are not unaffected
        touched = {before[key] for key in removed | {changed}}
        unaffected = {key for key in before if key not in removed | {changed} and before[key] not in touched}
        moved = [key for key in unaffected if before[key] != after[key]]
        assert moved == []
    finally:
        shutil.copy(backup, source)
        running_hub.hub.agent(setup, "sync")
        running_hub.hub.coordinator("match")


def test_export_has_one_row_per_record_with_hub_wide_ids(running_hub, tmp_path):
    from tests.project_files import write_project
    hub = running_hub.hub
    path = write_project(tmp_path, "pipeline-export", [setup.name for setup in running_hub.agents],
                         ["race_ethnicity"], link_scope="hub")
    hub.coordinator("project", "create", str(path))
    refused = hub.coordinator("export", "--project", "pipeline-export", "--out",
                              str(tmp_path / "draft.csv"), check=False)
    assert refused.returncode == 1 and "draft" in refused.stderr  # not approved yet
    token = hub.coordinator("token", "issue", "--role", "approver", "--label",
                            "Oversight Board").stdout.strip().splitlines()[-1]
    (tmp_path / "approver.token").write_text(token)
    hub.coordinator("project", "approve", "pipeline-export", "--token-file",
                    str(tmp_path / "approver.token"))
    out = tmp_path / "linked.csv"
    hub.coordinator("export", "--project", "pipeline-export", "--out", str(out))
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = sum(len(source_rows(running_hub, setup.name)) for setup in running_hub.agents)
    partners = {setup.name for setup in running_hub.agents}
    assert len(rows) <= records and len(rows) >= records * 0.97  # repeated record keys are skipped
    assert {row["partner"] for row in rows} == partners
    by_link = {}
    for row in rows:
        by_link.setdefault(row["link_id"], set()).add(row["partner"])
    assert any(len(found) == 2 for found in by_link.values()), "hub-wide IDs join partners"
    assert "race_ethnicity" in rows[0]


def test_status_lists_partners_and_last_match(running_hub):
    output = running_hub.hub.coordinator("status").stdout
    for setup in running_hub.agents:
        assert setup.name in output
    assert "succeeded" in output


def test_coordinator_environment_does_not_need_clkhash():
    code = ("import sys; import hublink.coordinator.cli, hublink.coordinator.app, "
            "hublink.coordinator.jobs.match_run; "
            "sys.exit(1 if any(m.startswith('clkhash') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
