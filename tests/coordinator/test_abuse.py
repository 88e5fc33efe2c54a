"""A rogue or broken partner cannot exhaust the service: quotas, expiry of abandoned syncs,
bounded chunk bodies, failed-authentication limits per address, rate limits shared through
Redis; and the smaller hardening items (query tokens, audit actors, file modes)."""

import os
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hublink.coordinator.app import create_app, home_of
from hublink.coordinator.registry import add_partner, init_project
from hublink.coordinator.storage.models import AuditEvent, Sync, utc_now
from hublink.coordinator.syncs import chunk_body_limit
from hublink.coordinator.tokens import issue_token
from tests.helpers import clear_of_a_minute_boundary, make_chunk, make_start

REDIS_URL = os.environ.get("HUBLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def opened(client, auth, **options):
    start = make_start(**options)
    response = client.post("/api/v1/syncs", json=start.to_wire(), headers=auth)
    return start, response


def audit_actions(home, action):
    with home.database.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == action))


def test_open_syncs_per_partner_are_limited(app, client, auth):
    app.extensions["hublink_limits"] = app.extensions["hublink_limits"].__class__(
        MAX_OPEN_SYNCS_PER_PARTNER=2)
    statuses = [opened(client, auth)[1].status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    _, refused = opened(client, auth)
    assert refused.get_json()["error"]["code"] == "quota_exceeded"


def test_abandoned_syncs_expire_with_their_spooled_chunks(client, auth, home):
    start, _ = opened(client, auth)
    client.put(f"/api/v1/syncs/{start.sync_id}/chunks/0", json=make_chunk(3).to_wire(),
               headers=auth)
    folder = home.path / "spool" / start.sync_id
    assert folder.exists()
    with home.database.session() as session:
        session.get(Sync, start.sync_id).last_activity_at = utc_now() - timedelta(hours=49)
    assert opened(client, auth)[1].status_code == 201  # any open collects the expired ones
    with home.database.session() as session:
        assert session.get(Sync, start.sync_id) is None
    assert not folder.exists()
    assert audit_actions(home, "syncs_expired") == 1


def test_records_per_sync_are_limited(app, client, auth):
    app.extensions["hublink_limits"] = app.extensions["hublink_limits"].__class__(
        MAX_SYNC_RECORDS=5)
    start, _ = opened(client, auth)
    path = f"/api/v1/syncs/{start.sync_id}/chunks/"
    assert client.put(path + "0", json=make_chunk(3).to_wire(), headers=auth).status_code == 200
    assert client.put(path + "0", json=make_chunk(3).to_wire(), headers=auth).status_code == 200
    refused = client.put(path + "1", json=make_chunk(3, seed=1).to_wire(), headers=auth)
    assert refused.status_code == 413 and refused.get_json()["error"]["code"] == "sync_too_large"


def test_a_chunk_body_beyond_a_full_chunk_is_refused_unread(client, auth, home, monkeypatch):
    start, _ = opened(client, auth)
    partner = home.database.session
    from hublink.coordinator.storage.models import Partner
    with partner() as session:
        row = session.scalars(select(Partner)).first()
    limit = chunk_body_limit(home, row, start.sync_id)
    assert 20_000 * 172 < limit < 64 * 1024 * 1024
    decoded = []
    monkeypatch.setattr("hublink.coordinator.api.security.HardenedJSONProvider.loads",
                        lambda self, text, **kw: decoded.append(len(text)))
    response = client.put(f"/api/v1/syncs/{start.sync_id}/chunks/0", data=b" " * (limit + 1),
                          content_type="application/json", headers=auth)
    assert response.status_code == 413 and decoded == []


def test_failed_authentication_is_limited_per_address_and_audited_in_aggregate(
        tmp_path, database_url):
    application = create_app({"HOME": str(tmp_path / "home"), "FAILED_AUTH_PER_MINUTE": 3})
    home = home_of(application)
    init_project(home.database)
    _, token = add_partner(home.database, "honest")
    clear_of_a_minute_boundary()  # 40 requests, each audited: 0.1 s alone
    client = application.test_client()
    statuses = [client.get("/api/v1/status", headers={
        "Authorization": f"Bearer hlp_{uuid.uuid4().hex}"}).status_code for _ in range(40)]
    assert statuses[:3] == [401, 401, 401] and set(statuses[3:]) == {429}
    assert audit_actions(home, "auth_failed") == 3
    assert audit_actions(home, "auth_blocked") == 1
    other = client.get("/api/v1/status", headers={"Authorization": f"Bearer {token}"},
                       environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 200
    home.database.dispose()


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")
    return REDIS_URL


def test_rate_limits_are_shared_by_every_worker_through_redis(tmp_path, database_url, redis_url):
    settings = {"HOME": str(tmp_path / "home"), "RATE_LIMIT_PER_MINUTE": 4,
                "RATE_LIMIT_STORAGE_URL": redis_url}
    workers = [create_app(settings), create_app(settings)]  # two gunicorn workers of one hub
    home = home_of(workers[0])
    init_project(home.database)
    _, token = add_partner(home.database, "busy")
    clear_of_a_minute_boundary()
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [workers[index % 2].test_client().get("/api/v1/status", headers=headers)
                .status_code for index in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    elsewhere = create_app({**settings, "HOME": str(tmp_path / "another-hub")})
    assert elsewhere.extensions["hublink_rate_limits"].prefix != \
        workers[0].extensions["hublink_rate_limits"].prefix
    for application in workers + [elsewhere]:
        home_of(application).database.dispose()


def test_a_token_in_the_query_string_is_refused(client, partner_token):
    response = client.get(f"/api/v1/status?token={partner_token}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "token_in_query"
    assert partner_token not in response.get_data(as_text=True)


def test_the_development_server_logs_paths_without_query_strings():
    from hublink.coordinator.api.security import PathOnlyRequestHandler
    handler = PathOnlyRequestHandler.__new__(PathOnlyRequestHandler)
    handler.requestline = "GET /api/v1/status?token=hlp_secret HTTP/1.1"
    logged = []
    handler.log = lambda kind, message, *args: logged.append(message % args)
    handler.log_request(400, 12)
    assert logged == ['"GET /api/v1/status HTTP/1.1" 400 12']


def test_an_operator_acting_for_a_partner_is_audited_with_both(client, home, partner_token):
    _, operator = issue_token(home.database, "operator")
    headers = {"Authorization": f"Bearer {operator}", "X-Hublink-Partner": "school-district"}
    start = make_start()
    client.post("/api/v1/syncs", json=start.to_wire(), headers=headers)
    client.put(f"/api/v1/syncs/{start.sync_id}/chunks/0", json=make_chunk(2).to_wire(),
               headers=headers)
    response = client.post(f"/api/v1/syncs/{start.sync_id}/commit", headers=headers,
                           json={"format": "hublink.sync/1", "chunk_count": 1,
                                 "record_count": 2})
    assert response.status_code == 200
    with home.database.session() as session:
        actors = {(event.action, event.actor) for event in session.scalars(select(AuditEvent))}
    assert ("sync_commit", "operator:token-2 for partner:school-district") in actors
    assert ("token_use", "operator:token-2 for partner:school-district") in actors


def test_partner_names_ending_in_a_newline_are_refused(home):
    from hublink.coordinator.errors import Conflict
    with pytest.raises(Conflict):
        add_partner(home.database, "Summer Jobs\n")


def test_the_home_is_private(client, auth, home):
    start, _ = opened(client, auth)
    client.put(f"/api/v1/syncs/{start.sync_id}/chunks/0", json=make_chunk(3).to_wire(),
               headers=auth)
    (home.path / "copied-by-hand.csv").write_text("x")
    os.chmod(home.path / "copied-by-hand.csv", 0o644)
    home.restrict_permissions()
    assert home.path.stat().st_mode & 0o777 == 0o700
    for root, folders, files in os.walk(home.path):
        for name in folders:
            assert os.stat(os.path.join(root, name)).st_mode & 0o777 == 0o700, name
        for name in files:
            assert os.stat(os.path.join(root, name)).st_mode & 0o777 == 0o600, name
