"""The HTTP API: authentication, the error envelope, and uploads stored whole or not at all."""

import pytest
from sqlalchemy import func, select

from hublink.coordinator.storage import verify_chain
from hublink.coordinator.storage.models import AuditEvent, Project, Upload, UploadRecord
from tests.conftest import make_package


def count(home, model) -> int:
    with home.database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["details"], list)
    return error


def test_health_needs_no_token(client):
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}


@pytest.mark.parametrize("method, path", [("post", "/api/v1/uploads"), ("get", "/api/v1/links"),
                                          ("get", "/api/v1/status")])
@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc"])
def test_protected_routes_refuse_missing_or_bad_tokens(client, method, path, header):
    headers = {"Authorization": header} if header else {}
    response = getattr(client, method)(path, headers=headers)
    assert_envelope(response, 401, "unauthorised")


def test_failed_authentication_is_audited(client, home):
    client.get("/api/v1/links", headers={"Authorization": "Bearer wrong"})
    with home.database.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "auth_failed" in actions


def test_unknown_route_and_method_use_the_envelope(client, auth):
    assert_envelope(client.get("/api/v1/nothing", headers=auth), 404, "not_found")
    assert_envelope(client.delete("/api/v1/links", headers=auth), 405, "method_not_allowed")


def test_upload_is_stored_and_replaces_the_previous_one(client, home, auth):
    first = client.post("/api/v1/uploads", json=make_package(4).to_wire(), headers=auth)
    assert first.status_code == 201 and first.get_json()["record_count"] == 4
    second = client.post("/api/v1/uploads", json=make_package(2, seed=1).to_wire(), headers=auth)
    assert second.status_code == 201
    with home.database.session() as session:
        current = session.scalars(select(Upload).where(Upload.is_current.is_(True))).all()
    assert [u.id for u in current] == [second.get_json()["upload_id"]]
    assert count(home, UploadRecord) == 2
    assert sorted(p.name for p in (home.path / "blobs").iterdir()) == [f"{current[0].id}.clk"]
    assert verify_chain(home.database) == []


def test_invalid_package_changes_nothing(client, home, auth):
    wire = make_package(3).to_wire()
    wire["attributes"] = {"program": ["a"]}
    error = assert_envelope(client.post("/api/v1/uploads", json=wire, headers=auth), 400,
                            "invalid_package")
    assert "has 1 values for 3 records" in error["details"][0]
    assert count(home, Upload) == 0 and count(home, UploadRecord) == 0
    assert not (home.path / "blobs").exists() or not any((home.path / "blobs").iterdir())


def test_non_json_body_is_refused(client, auth):
    response = client.post("/api/v1/uploads", data=b"\x00\x01", headers=auth)
    assert_envelope(response, 400, "invalid_package")


def test_other_secret_is_refused_by_fingerprint_and_changes_nothing(client, home, auth):
    assert client.post("/api/v1/uploads", json=make_package(3).to_wire(), headers=auth).status_code == 201
    other = make_package(3, secret=b"\x22" * 32).to_wire()
    assert_envelope(client.post("/api/v1/uploads", json=other, headers=auth), 409,
                    "fingerprint_mismatch")
    assert count(home, Upload) == 1 and count(home, UploadRecord) == 3


def test_first_upload_failing_does_not_pin_the_fingerprint(client, home, auth):
    wire = make_package(3, secret=b"\x33" * 32).to_wire()
    wire["clk_bytes"] = 64
    wire["clks"] = wire["clks"][:len(wire["clks"]) // 2]
    client.post("/api/v1/uploads", json=wire, headers=auth)
    with home.database.session() as session:
        assert session.get(Project, 1).fingerprint is None


def test_oversized_request_is_refused_with_413(app, client, auth):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/uploads", data=b"x" * 5000, headers=auth,
                           content_type="application/json")
    assert_envelope(response, 413, "payload_too_large")


def test_status_and_links_before_any_match(client, auth):
    status = client.get("/api/v1/status", headers=auth).get_json()
    assert status["partner"] == "school-district" and status["last_match"] is None
    links = client.get("/api/v1/links", headers=auth).get_json()
    assert links["links"] == [] and links["scope"] == "partner"
