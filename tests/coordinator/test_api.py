"""The HTTP API: authentication, the error envelope, and syncs applied whole or not at all."""

import dataclasses

import pytest
from sqlalchemy import func, select

from hublink.coordinator.storage import verify_chain
from hublink.coordinator.storage.models import AuditEvent, Encoding, Project, RecordAttributes, Sync
from hublink.coordinator.storage.sealed_records import open_attributes
from tests.helpers import make_chunk, make_start, sync


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


@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/syncs"), ("get", "/api/v1/links"), ("get", "/api/v1/status"),
    ("put", "/api/v1/syncs/6f1c0b1e-0000-4000-8000-000000000000/chunks/0"),
    ("post", "/api/v1/syncs/6f1c0b1e-0000-4000-8000-000000000000/commit")])
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


def test_full_sync_replaces_the_partner_records(client, home, auth):
    first = sync(client, auth, [make_chunk(4), make_chunk(2, seed=1)])
    assert first.status_code == 200 and first.get_json()["record_count"] == 6
    second = sync(client, auth, [make_chunk(2, seed=2)])
    assert second.get_json()["record_count"] == 2 and second.get_json()["deleted"] == 6
    assert count(home, Encoding) == 2 and count(home, RecordAttributes) == 2
    assert not any((home.path / "spool").iterdir())
    assert verify_chain(home.database) == []


def test_delta_sync_adds_changes_and_deletes(client, home, auth):
    base_chunk = make_chunk(3)
    base = make_start()
    sync(client, auth, [base_chunk], start=base)
    keep, change, remove = base_chunk.pseudonyms
    delta = make_start("delta", base.sync_id)
    answer = sync(client, auth, [make_chunk(pseudonyms=[change, "ee" * 32], program="jobs",
                                            deletes=[remove])], start=delta, record_count=3)
    receipt = answer.get_json()
    assert (receipt["added"], receipt["changed"], receipt["deleted"]) == (1, 1, 1)
    with home.database.session() as session:
        programs = {row.pseudonym: open_attributes(home.sealer, row.partner_id, row.pseudonym,
                                                   row.attributes)["program"]
                    for row in session.scalars(select(RecordAttributes))}
    assert programs == {keep: "camp", change: "jobs", "ee" * 32: "jobs"}


def test_delta_on_a_stale_base_is_refused(client, auth):
    base = make_start()
    sync(client, auth, [make_chunk(2)], start=base)
    sync(client, auth, [make_chunk(2, seed=3)])
    stale = make_start("delta", base.sync_id)
    answer = client.post("/api/v1/syncs", json=stale.to_wire(), headers=auth)
    assert assert_envelope(answer, 409, "conflict")["details"] == ["stale_base"]


def test_every_step_can_be_repeated(client, home, auth):
    start = make_start()
    chunk = make_chunk(3)
    assert client.post("/api/v1/syncs", json=start.to_wire(), headers=auth).status_code == 201
    for _ in range(2):
        client.put(f"/api/v1/syncs/{start.sync_id}/chunks/0", json=chunk.to_wire(), headers=auth)
    state = client.post("/api/v1/syncs", json=start.to_wire(), headers=auth).get_json()
    assert state["received_chunks"] == [0]
    body = {"format": "hublink.sync/1", "chunk_count": 1, "record_count": 3}
    first = client.post(f"/api/v1/syncs/{start.sync_id}/commit", json=body, headers=auth)
    again = client.post(f"/api/v1/syncs/{start.sync_id}/commit", json=body, headers=auth)
    assert first.get_json() == again.get_json() and count(home, Encoding) == 3
    late = client.put(f"/api/v1/syncs/{start.sync_id}/chunks/1", json=chunk.to_wire(), headers=auth)
    assert_envelope(late, 409, "conflict")


def test_commit_with_missing_chunks_or_wrong_count_changes_nothing(client, home, auth):
    sync(client, auth, [make_chunk(2)])
    start = make_start()
    client.post("/api/v1/syncs", json=start.to_wire(), headers=auth)
    client.put(f"/api/v1/syncs/{start.sync_id}/chunks/0", json=make_chunk(3, seed=5).to_wire(), headers=auth)
    commit = lambda chunks, records: client.post(  # noqa: E731
        f"/api/v1/syncs/{start.sync_id}/commit", headers=auth,
        json={"format": "hublink.sync/1", "chunk_count": chunks, "record_count": records})
    error = assert_envelope(commit(2, 3), 409, "conflict")
    assert error["details"] == ["missing chunk 1"]
    assert assert_envelope(commit(1, 4), 409, "conflict")["details"] == ["count_mismatch"]
    assert count(home, Encoding) == 2
    assert commit(1, 3).status_code == 200 and count(home, Encoding) == 3


def test_invalid_chunk_changes_nothing(client, home, auth):
    start = make_start()
    client.post("/api/v1/syncs", json=start.to_wire(), headers=auth)
    wire = make_chunk(3).to_wire()
    wire["attributes"] = {"program": ["a"]}
    error = assert_envelope(client.put(f"/api/v1/syncs/{start.sync_id}/chunks/0", json=wire,
                                       headers=auth), 400, "invalid_package")
    assert "needs one value per record" in error["details"][0]
    assert not (home.path / "spool").exists() or not any((home.path / "spool").rglob("*.json"))


def test_non_json_body_is_refused(client, auth):
    response = client.post("/api/v1/syncs", data=b"\x00\x01", headers=auth)
    assert_envelope(response, 400, "invalid_package")


def test_other_secret_is_refused_by_fingerprint_and_changes_nothing(client, home, auth):
    sync(client, auth, [make_chunk(3)])
    other = make_start(secret=b"\x22" * 32)
    assert_envelope(client.post("/api/v1/syncs", json=other.to_wire(), headers=auth), 409,
                    "fingerprint_mismatch")
    assert count(home, Encoding) == 3 and count(home, Sync) == 1


def test_an_unbalanced_schema_under_the_hubs_secret_is_refused_once_the_hub_has_one(client, home, auth):
    # linkage-v1 bounds CLKs only at 1-90% of bits set; a partner holding the secret must not
    # switch to it to upload unions of several youth's CLKs past a balanced schema's bound.
    from hublink.shared.linkage_schema import load_linkage_schema, schema_fingerprint
    from tests.helpers import SECRET
    sync(client, auth, [make_chunk(3)])
    legacy = load_linkage_schema("linkage-v1")
    start = dataclasses.replace(make_start(), schema_id=legacy.schema_id,
                                fingerprint=schema_fingerprint(legacy, SECRET))
    assert legacy.clk_bytes == start.clk_bytes and not legacy.balanced
    assert_envelope(client.post("/api/v1/syncs", json=start.to_wire(), headers=auth), 409,
                    "fingerprint_mismatch")
    assert count(home, Encoding) == 3 and count(home, Sync) == 1


def test_first_sync_failing_does_not_pin_the_fingerprint(client, home, auth):
    start = make_start(secret=b"\x33" * 32)
    client.post("/api/v1/syncs", json=start.to_wire(), headers=auth)
    client.post(f"/api/v1/syncs/{start.sync_id}/commit", headers=auth,
                json={"format": "hublink.sync/1", "chunk_count": 1, "record_count": 1})
    with home.database.session() as session:
        assert session.get(Project, 1).fingerprint is None


def test_other_partners_sync_is_not_found(client, home, auth):
    from hublink.coordinator.registry import add_partner
    _, other_token = add_partner(home.database, "rec-centre")
    start = make_start()
    client.post("/api/v1/syncs", json=start.to_wire(), headers=auth)
    response = client.get(f"/api/v1/syncs/{start.sync_id}",
                          headers={"Authorization": f"Bearer {other_token}"})
    assert_envelope(response, 404, "not_found")


def test_oversized_request_is_refused_with_413(app, client, auth):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/syncs", data=b"x" * 5000, headers=auth,
                           content_type="application/json")
    assert_envelope(response, 413, "payload_too_large")


def test_status_and_links_before_any_match(client, auth):
    status = client.get("/api/v1/status", headers=auth).get_json()
    assert status["partner"] == "school-district" and status["last_match"] is None
    links = client.get("/api/v1/links", headers=auth).get_json()
    assert links["links"] == [] and links["scope"] == "partner"


def test_a_commit_discards_the_partners_abandoned_syncs(client, home, auth):
    abandoned = make_start()
    client.post("/api/v1/syncs", json=abandoned.to_wire(), headers=auth)
    client.put(f"/api/v1/syncs/{abandoned.sync_id}/chunks/0", json=make_chunk(2).to_wire(), headers=auth)
    assert sync(client, auth, [make_chunk(3, seed=4)]).status_code == 200
    assert_envelope(client.get(f"/api/v1/syncs/{abandoned.sync_id}", headers=auth), 404, "not_found")
    assert not any((home.path / "spool").rglob("*.json"))
