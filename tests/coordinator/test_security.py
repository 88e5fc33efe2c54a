"""Security headers on every response, size and rate limits, no stack traces to clients."""

import pytest

from hublink.coordinator.app import create_app, home_of
from hublink.coordinator.registry import add_partner, init_project
from tests.helpers import clear_of_a_minute_boundary

EXPECTED_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
                    "Referrer-Policy": "no-referrer"}


@pytest.mark.parametrize("method, path", [("get", "/api/v1/health"), ("get", "/api/v1/links"),
                                          ("get", "/api/v1/nothing"),
                                          ("get", "/api/v1/openapi.json")])
def test_every_response_carries_the_security_headers(client, method, path):
    response = getattr(client, method)(path)
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_is_sent_behind_tls(client):
    over_tls = client.get("/api/v1/health", base_url="https://hub.example")
    behind_proxy = client.get("/api/v1/health", headers={"X-Forwarded-Proto": "https"})
    for response in (over_tls, behind_proxy):
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_crash_returns_the_envelope_without_a_trace(app, client, auth, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals /srv/hublink/db.py line 12")
    monkeypatch.setattr("hublink.coordinator.api.links.partner_link_file", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/api/v1/links", headers=auth)
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert b"secret internals" not in response.data and b"Traceback" not in response.data
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_default_size_limit_fits_a_full_chunk(app):
    # 20,000 records of 1,024-byte CLKs (base64) with their pseudonyms and 12 attributes
    full_chunk = 20_000 * (1_366 + 67 + 12 * 70)
    assert full_chunk < app.config["MAX_CONTENT_LENGTH"] <= 128 * 1024 * 1024


def test_the_size_limit_is_configurable(tmp_path, monkeypatch, app, client, auth):
    monkeypatch.setenv("HUBLINK_MAX_CONTENT_LENGTH", "1000")
    configured = create_app({"HOME": str(tmp_path / "other-home")})
    assert configured.config["MAX_CONTENT_LENGTH"] == 1000
    home_of(configured).database.dispose()
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/syncs", data=b"x" * 2000, headers=auth,
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_rate_limit_per_token_answers_429_with_retry_after(tmp_path, database_url):
    application = create_app({"HOME": str(tmp_path / "home"), "RATE_LIMIT_PER_MINUTE": 3})
    init_project(home_of(application).database)
    _, token = add_partner(home_of(application).database, "busy")
    _, other = add_partner(home_of(application).database, "calm")
    clear_of_a_minute_boundary()
    client = application.test_client()
    statuses = [client.get("/api/v1/status", headers={"Authorization": f"Bearer {token}"})
                for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[-1].get_json()["error"]["code"] == "rate_limited"
    assert int(statuses[-1].headers["Retry-After"]) >= 1
    assert client.get("/api/v1/status",
                      headers={"Authorization": f"Bearer {other}"}).status_code == 200
    home_of(application).database.dispose()
