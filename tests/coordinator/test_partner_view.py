"""``GET /api/v1/partner-view``: the calling partner's own figures, and nothing else."""

from hublink.coordinator.registry import add_partner
from hublink.coordinator.tokens import issue_token, list_tokens, revoke_token
from hublink.shared.partner_view import EMPTY_DIGEST, PartnerView, PseudonymDigest
from hublink.shared.sync_protocol import SyncChunk
from tests.helpers import make_chunk, make_start, sync


def view(client, auth) -> PartnerView:
    response = client.get("/api/v1/partner-view", headers=auth)
    assert response.status_code == 200, response.get_json()
    return PartnerView.from_wire(response.get_json())


def test_a_partner_that_never_synced_holds_nothing(client, auth):
    seen = view(client, auth)
    assert (seen.partner, seen.last_sync_id, seen.record_count) == ("school-district", None, 0)
    assert seen.pseudonym_digest == EMPTY_DIGEST


def test_view_follows_full_and_delta_commits(client, auth):
    first, second = make_chunk(3, seed=1), make_chunk(2, seed=2)
    start = make_start()
    assert sync(client, auth, [first, second], start=start).status_code == 200
    seen = view(client, auth)
    held = first.pseudonyms + second.pseudonyms
    assert (seen.last_sync_id, seen.record_count) == (start.sync_id, 5)
    assert seen.fingerprint == start.fingerprint and seen.last_sync_at
    assert seen.pseudonym_digest == PseudonymDigest().update(held).hexdigest()

    delta = make_start("delta", start.sync_id)
    removal = SyncChunk(pseudonyms=[], clks=b"", attributes={"program": []}, deletes=[held[0]])
    assert sync(client, auth, [removal], start=delta, record_count=4).status_code == 200
    seen = view(client, auth)
    assert (seen.last_sync_id, seen.record_count) == (delta.sync_id, 4)
    assert seen.pseudonym_digest == PseudonymDigest().update(held[1:]).hexdigest()


def test_another_partners_records_never_show(client, auth, home):
    _, other_token = add_partner(home.database, "summer-jobs")
    other = {"Authorization": f"Bearer {other_token}"}
    assert sync(client, other, [make_chunk(4, seed=3)]).status_code == 200
    seen = view(client, auth)
    assert (seen.record_count, seen.pseudonym_digest, seen.last_sync_id) == (0, EMPTY_DIGEST, None)
    assert set(client.get("/api/v1/partner-view", headers=auth).get_json()) == {
        "format", "partner", "last_sync", "record_count", "pseudonym_digest"}


def test_only_partner_and_operator_tokens_and_never_a_revoked_one(client, auth, home):
    _, viewer = issue_token(home.database, "viewer")  # analyst tokens need a project
    refused = client.get("/api/v1/partner-view", headers={"Authorization": f"Bearer {viewer}"})
    assert refused.status_code == 403
    _, operator = issue_token(home.database, "operator")
    acting = {"Authorization": f"Bearer {operator}", "X-Hublink-Partner": "school-district"}
    assert view(client, acting).partner == "school-district"
    for info in list_tokens(home.database):
        if info.role == "partner":
            revoke_token(home.database, info.id)
    answer = client.get("/api/v1/partner-view", headers=auth)
    assert answer.status_code == 401 and "revoked" in answer.get_json()["error"]["message"]
