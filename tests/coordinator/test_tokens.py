"""Who may do what: tokens of every role, their expiry and revocation, and the role checks of
every endpoint."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from click.testing import CliRunner
from hublink.coordinator.cli import main
from hublink.coordinator.errors import Conflict, NotFound
from hublink.coordinator.jobs.match_run import run_match
from hublink.coordinator.storage.models import ApiToken, AuditEvent, Base, utc_now
from hublink.coordinator.tokens import (
    PREFIXES,
    hash_token,
    issue_token,
    list_tokens,
    parse_lifetime,
    revoke_token,
)
from sqlalchemy import select, text, update

from tests.helpers import make_chunk, make_start
from tests.project_files import approved_project

PARTNER = "school-district"
SYNC = "6f1c0b1e-0000-4000-8000-000000000000"


PROJECT = "test-project"


@pytest.fixture
def tokens(home, partner_token, tmp_path) -> dict[str, str]:
    """One token of each role; the partner's is the conftest partner's, the analyst's is for
    an approved project over that partner."""
    approved_project(home, tmp_path, PROJECT, [PARTNER], ["program"])
    issued = {role: issue_token(home.database, role, label=f"test {role}")[1]
              for role in ("operator", "viewer", "approver")}
    issued["analyst"] = issue_token(home.database, "analyst", label="test analyst",
                                    project=PROJECT)[1]
    return {**issued, "partner": partner_token}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Hublink-Partner": PARTNER}


def actions(home) -> list[str]:
    with home.database.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


ENDPOINTS = {
    "open sync": ("post", "/api/v1/syncs", lambda: make_start().to_wire()),
    "sync state": ("get", f"/api/v1/syncs/{SYNC}", None),
    "put chunk": ("put", f"/api/v1/syncs/{SYNC}/chunks/0", lambda: make_chunk(1).to_wire()),
    "commit": ("post", f"/api/v1/syncs/{SYNC}/commit",
               lambda: {"format": "hublink.sync/1", "chunk_count": 1, "record_count": 1}),
    "links": ("get", "/api/v1/links", None),
    "status": ("get", "/api/v1/status", None),
    "hub status": ("get", "/api/v1/hub-status", None),
    "export": ("get", f"/api/v1/export?project={PROJECT}", None),
}
PARTNER_ENDPOINTS = {"open sync", "sync state", "put chunk", "commit", "links", "status"}
ALLOWED = {
    "operator": set(ENDPOINTS),
    "partner": PARTNER_ENDPOINTS,
    "analyst": {"export", "hub status"},
    "viewer": {"hub status"},
    "approver": set(),
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_reaches_exactly_its_endpoints(client, home, tokens, role):
    outcomes = {}
    for name, (method, path, body) in ENDPOINTS.items():
        response = getattr(client, method)(path, headers=bearer(tokens[role]),
                                           json=body() if body else None)
        outcomes[name] = response.status_code
        if response.status_code == 403:
            assert response.get_json()["error"]["code"] == "forbidden"
    allowed = {name for name, status in outcomes.items() if status not in (401, 403)}
    assert allowed == ALLOWED[role], outcomes
    assert all(status == 403 for name, status in outcomes.items() if name not in allowed)
    recorded = actions(home)
    assert "token_use" in recorded
    assert ("auth_refused" in recorded) == (role != "operator")


def test_tokens_are_random_prefixed_by_role_and_long(home, tokens):
    for role, token in tokens.items():
        assert token.startswith(PREFIXES[role]) and len(token) - len(PREFIXES[role]) >= 43
    assert len({issue_token(home.database, "viewer")[1] for _ in range(5)}) == 5


def test_partner_scope_is_enforced_by_issue(home, partner_token):
    with pytest.raises(Conflict):
        issue_token(home.database, "partner")
    with pytest.raises(Conflict):
        issue_token(home.database, "analyst", partner=PARTNER)
    with pytest.raises(NotFound):
        issue_token(home.database, "partner", partner="nobody")
    info, _ = issue_token(home.database, "partner", partner=PARTNER)
    assert info.partner == PARTNER


def test_operator_acts_for_a_named_partner_only(client, tokens):
    headers = {"Authorization": f"Bearer {tokens['operator']}"}
    assert client.get("/api/v1/status", headers=headers).status_code == 400
    assert client.get("/api/v1/status", headers={**headers, "X-Hublink-Partner": "nobody"}
                      ).status_code == 404
    answer = client.get("/api/v1/status", headers={**headers, "X-Hublink-Partner": PARTNER})
    assert answer.status_code == 200 and answer.get_json()["partner"] == PARTNER


def test_expired_token_gets_401_with_a_clear_message(client, home, tokens):
    assert client.get("/api/v1/hub-status", headers=bearer(tokens["viewer"])).status_code == 200
    with home.database.session() as session:
        session.execute(update(ApiToken).where(ApiToken.token_hash == hash_token(tokens["viewer"]))
                        .values(expires_at=utc_now() - timedelta(seconds=1)))
    response = client.get("/api/v1/hub-status", headers=bearer(tokens["viewer"]))
    error = response.get_json()["error"]
    assert response.status_code == 401 and error["code"] == "unauthorised"
    assert "expired" in error["message"]


def test_default_and_chosen_lifetimes(home, tokens):
    infos = {info.role: info for info in list_tokens(home.database)}
    assert infos["partner"].expires_at - infos["partner"].created_at == timedelta(days=365)
    assert infos["analyst"].expires_at - infos["analyst"].created_at == timedelta(days=30)
    info, _ = issue_token(home.database, "analyst", lifetime=parse_lifetime("90d"),
                          project=PROJECT)
    assert info.expires_at - info.created_at == timedelta(days=90)
    for wrong in ("90", "0d", "-1d", "5y", "2000d"):
        with pytest.raises(Conflict):
            parse_lifetime(wrong)


def test_revocation_takes_effect_immediately(client, home, tokens):
    assert client.get("/api/v1/links", headers=bearer(tokens["partner"])).status_code == 200
    partner_id = next(info.id for info in list_tokens(home.database) if info.role == "partner")
    revoke_token(home.database, partner_id)
    response = client.get("/api/v1/links", headers=bearer(tokens["partner"]))
    assert response.status_code == 401 and "revoked" in response.get_json()["error"]["message"]
    assert revoke_token(home.database, partner_id).revoked_at is not None  # repeat: harmless
    assert actions(home).count("token_revoke") == 1
    with pytest.raises(NotFound):
        revoke_token(home.database, 9999)


def test_issue_use_refusal_and_revoke_are_audited(client, home, tokens):
    client.get("/api/v1/export", headers=bearer(tokens["viewer"]))
    client.get("/api/v1/hub-status", headers=bearer(tokens["viewer"]))
    client.get("/api/v1/hub-status", headers=bearer("hlv_wrong"))
    revoke_token(home.database, list_tokens(home.database)[-1].id)
    recorded = actions(home)
    assert recorded.count("token_issue") == 6  # partner, approver (project), 4 in the fixture
    for action in ("token_use", "auth_refused", "auth_failed", "token_revoke"):
        assert action in recorded


def test_tokens_are_never_stored_in_clear(client, home, tokens):
    for token in tokens.values():
        client.get("/api/v1/hub-status", headers=bearer(token))
    dump = []
    with home.database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            dump += [repr(tuple(row)) for row in connection.execute(table.select())]
    head = home.path / "audit-head.json"
    text_dump = "\n".join(dump) + (head.read_text() if head.exists() else "")
    for token in tokens.values():
        assert token not in text_dump and token[4:] not in text_dump
        assert hash_token(token) in text_dump


def cli(home, *arguments):
    result = CliRunner().invoke(main, ["--home", str(home.path), *arguments])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_issues_once_lists_and_revokes_without_showing_tokens(home, partner_token,
                                                                 tmp_path):
    approved_project(home, tmp_path, PROJECT, [PARTNER], ["program"])
    output = cli(home, "token", "issue", "--role", "analyst", "--label", "SEE evaluation",
                 "--expires", "30d", "--project", PROJECT)
    token = output.strip().splitlines()[-1]
    assert token.startswith("hla_")
    listing = cli(home, "token", "list")
    assert "SEE evaluation" in listing and "analyst" in listing and PARTNER in listing
    for secret in (token, partner_token):
        assert secret not in listing and secret[4:] not in listing
        assert hash_token(secret) not in listing
    analyst_id = next(info.id for info in list_tokens(home.database) if info.role == "analyst")
    assert "revoked" in cli(home, "token", "revoke", str(analyst_id))
    refused = CliRunner().invoke(main, ["--home", str(home.path), "token", "issue", "--role",
                                        "partner"])
    assert refused.exit_code == 1 and "--partner" in refused.output
    partner_output = cli(home, "token", "issue", "--role", "partner", "--partner", PARTNER)
    assert partner_output.strip().splitlines()[-1].startswith("hlp_")


def test_api_export_equals_the_cli_export_and_holds_no_clks_or_pseudonyms(
        client, home, tokens, tmp_path):
    from tests.helpers import sync
    chunk = make_chunk(6, seed=3)
    assert sync(client, bearer(tokens["partner"]), [chunk]).status_code == 200
    run_match(home)
    response = client.get("/api/v1/export", headers=bearer(tokens["analyst"]))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    api_rows = list(csv.reader(io.StringIO(body)))
    out = tmp_path / "export.csv"
    cli(home, "export", "--project", PROJECT, "--out", str(out))
    cli_rows = list(csv.reader(io.StringIO(out.read_text())))
    assert api_rows[0] == cli_rows[0] == ["link_id", "partner", "program"]
    assert len(api_rows) == 7 and set(map(tuple, api_rows)) == set(map(tuple, cli_rows))
    wire = chunk.to_wire()
    for pseudonym in chunk.pseudonyms:
        assert pseudonym not in body
    assert wire["clks"][:16] not in body
    assert not {"clk", "pseudonym", "similarity", "score"} & {name.lower() for name in api_rows[0]}
    assert not list((home.path / "exports").glob("*.csv"))


def test_viewer_sees_counts_only(client, home, tokens):
    from tests.helpers import sync
    sync(client, bearer(tokens["partner"]), [make_chunk(3)])
    counts = client.get("/api/v1/hub-status", headers=bearer(tokens["viewer"])).get_json()
    assert counts["partners"] == 1 and counts["records"] == 3
    assert PARTNER not in repr(counts)
    assert all(isinstance(value, int) or value is None for value in counts.values())


def test_migration_gives_older_tokens_an_expiry(empty_database_url):
    from hublink.coordinator.storage.migrations import upgrade
    from sqlalchemy import create_engine
    engine = create_engine(empty_database_url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO api_tokens (token_hash, role, created_at) "
                                    "VALUES (:hash, 'partner', CURRENT_TIMESTAMP)"),
                               {"hash": "0" * 64})
        upgrade(engine)
        with engine.connect() as connection:
            expires = connection.execute(text("SELECT expires_at FROM api_tokens")).scalar_one()
        assert expires is not None
    finally:
        engine.dispose()
