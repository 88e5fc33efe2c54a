"""Operator commands on partners (list, rename, disable, enable), and a folder that is not a
home: every command refuses it and creates nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hublink.coordinator.cli import main
from hublink.coordinator.storage.models import AuditEvent
from tests.helpers import make_chunk, sync


def coordinator(home_path: Path, *arguments: str):
    return CliRunner().invoke(main, ["--home", str(home_path), *arguments])


def audit_actions(home) -> list[str]:
    with home.database.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("arguments", [
    ["status"], ["partner", "list"], ["partner", "add", "camp"], ["partner", "disable", "camp"],
    ["token", "list"], ["runs"], ["match"], ["worker", "--once"], ["audit", "verify"],
    ["export", "--project", "p", "--out", "linked.csv"], ["rotate-data-key"], ["serve", "--port", "1"],
    ["project", "list"], ["project", "show", "p"], ["publish", "p"], ["published", "p"],
    ["housekeeping"], ["quality-report"], ["report", "p"],
])
@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_a_folder_that_is_not_a_home_is_refused_and_nothing_is_created(tmp_path, monkeypatch,
                                                                      arguments, folder):
    monkeypatch.delenv("HUBLINK_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "typo-home"
    if folder == "empty":
        target.mkdir()
    result = coordinator(target, *arguments)
    assert result.exit_code == 1
    assert "is not initialised as a coordinator home" in result.output and "init" in result.output
    assert sorted(path.name for path in tmp_path.rglob("*")) == (
        ["typo-home"] if folder == "empty" else [])


def test_list_shows_records_tokens_and_state_of_every_partner(client, home, auth):
    assert sync(client, auth, [make_chunk(4)]).status_code == 200
    assert coordinator(home.path, "partner", "add", "summer-jobs").exit_code == 0
    listing = coordinator(home.path, "partner", "list")
    assert listing.exit_code == 0, listing.output
    lines = {line.split()[0]: line for line in listing.output.splitlines()[1:]}
    assert lines["school-district"].split()[1:2] == ["4"] and "enabled" in lines["school-district"]
    assert lines["summer-jobs"].split()[1:3] == ["0", "-"]
    assert "hlp_" not in listing.output


def test_rename_keeps_the_partners_tokens_and_records(client, home, auth):
    assert sync(client, auth, [make_chunk(3)]).status_code == 200
    assert coordinator(home.path, "partner", "add", "summer-jobs").exit_code == 0
    taken = coordinator(home.path, "partner", "rename", "school-district", "summer-jobs")
    assert taken.exit_code == 1 and "already exists" in taken.output
    assert coordinator(home.path, "partner", "rename", "nobody", "x").exit_code == 1
    assert coordinator(home.path, "partner", "rename", "school-district", "bad/name").exit_code == 1
    renamed = coordinator(home.path, "partner", "rename", "school-district", "City Schools")
    assert renamed.exit_code == 0, renamed.output
    view = client.get("/api/v1/partner-view", headers=auth).get_json()
    assert (view["partner"], view["record_count"]) == ("City Schools", 3)
    assert "partner_rename" in audit_actions(home)


def test_a_disabled_partners_tokens_are_refused_and_audited_until_enabled(client, home, auth):
    assert client.get("/api/v1/partner-view", headers=auth).status_code == 200
    disabled = coordinator(home.path, "partner", "disable", "school-district")
    assert disabled.exit_code == 0 and "disabled" in disabled.output
    for path in ("/api/v1/partner-view", "/api/v1/links", "/api/v1/status"):
        refused = client.get(path, headers=auth)
        assert refused.status_code == 401
        assert "is disabled" in refused.get_json()["error"]["message"]
    assert "disabled" in coordinator(home.path, "partner", "list").output
    actions = audit_actions(home)
    assert "partner_disable" in actions and actions[-1] == "auth_failed"
    with home.database.session() as session:
        assert "partner_disabled" in session.scalars(select(AuditEvent.detail)
                                                     .order_by(AuditEvent.id.desc())).first()
    assert coordinator(home.path, "partner", "enable", "school-district").exit_code == 0
    assert client.get("/api/v1/partner-view", headers=auth).status_code == 200
    assert "partner_enable" in audit_actions(home)


def test_an_operator_may_not_act_for_a_disabled_partner(client, home, auth):
    from hublink.coordinator.api.auth import ACTING_PARTNER_HEADER
    from hublink.coordinator.tokens import issue_token
    _, token = issue_token(home.database, "operator", label="hub operator")
    acting = {"Authorization": f"Bearer {token}", ACTING_PARTNER_HEADER: "school-district"}
    assert client.get("/api/v1/partner-view", headers=acting).status_code == 200
    assert coordinator(home.path, "partner", "disable", "school-district").exit_code == 0
    for path in ("/api/v1/partner-view", "/api/v1/links", "/api/v1/status"):
        refused = client.get(path, headers=acting)
        assert refused.status_code == 403, path
        assert "is disabled" in refused.get_json()["error"]["message"]
    with home.database.session() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last.action == "auth_refused" and "partner_disabled" in last.detail
        assert "school-district" in last.actor
    assert coordinator(home.path, "partner", "enable", "school-district").exit_code == 0
    assert client.get("/api/v1/partner-view", headers=acting).status_code == 200
