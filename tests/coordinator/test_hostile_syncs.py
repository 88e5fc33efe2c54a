"""Malformed and hostile uploads: each is refused with a 4xx envelope and nothing is stored."""

import base64
import secrets

import pytest
from sqlalchemy import func, select

from hublink.coordinator.app import home_of
from hublink.coordinator.registry import add_partner
from hublink.coordinator.storage.models import Encoding, RecordAttributes
from hublink.shared.pii_firewall import firewall_problems
from tests.helpers import SCHEMA, make_chunk, make_start

GOOD_ID = "6f1c0b1e-0000-4000-8000-000000000000"


def opened(client, auth, **start_options):
    start = make_start(**start_options)
    assert client.post("/api/v1/syncs", json=start.to_wire(), headers=auth).status_code == 201
    return start


def put(client, auth, start, body, number=0, **options):
    return client.put(f"/api/v1/syncs/{start.sync_id}/chunks/{number}", json=body,
                      headers=auth, **options)


def chunk_with(**changes):
    body = make_chunk(3).to_wire()
    body.update(changes)
    return body


def attribute_chunk(values):
    chunk = make_chunk(len(values))
    chunk.attributes = {"program": list(values)}
    return chunk.to_wire()


def clks_of(pattern: bytes, records: int = 3) -> str:
    return base64.b64encode(pattern * (SCHEMA.clk_bytes * records // len(pattern))).decode()


def commit(client, auth, start, chunk_count=1, record_count=3):
    return client.post(f"/api/v1/syncs/{start.sync_id}/commit", headers=auth,
                       json={"format": "hublink.sync/1", "chunk_count": chunk_count,
                             "record_count": record_count})


def chunk_case(body, number=0):
    return lambda client, auth: put(client, auth, opened(client, auth), body, number)


def start_case(**changes):
    def run(client, auth):
        body = make_start().to_wire()
        body.update(changes)
        return client.post("/api/v1/syncs", json=body, headers=auth)
    return run


def raw_case(method, path, **options):
    return lambda client, auth: getattr(client, method)(path, headers=auth, **options)


def deep_json(client, auth):
    return client.post("/api/v1/syncs", data="[" * 100_000 + "]" * 100_000, headers=auth,
                       content_type="application/json")


def duplicate_across_chunks(client, auth):
    start = opened(client, auth)
    first = make_chunk(3)
    assert put(client, auth, start, first.to_wire(), 0).status_code == 200
    second = make_chunk(pseudonyms=[first.pseudonyms[0], secrets.token_hex(32)], seed=1)
    assert put(client, auth, start, second.to_wire(), 1).status_code == 200
    return commit(client, auth, start, chunk_count=2, record_count=4)


def someone_elses_sync(client, auth, home=None):
    start = opened(client, auth)
    assert put(client, auth, start, make_chunk(3).to_wire()).status_code == 200
    _, other = add_partner(home_of(client.application).database, "intruder")
    return commit(client, {"Authorization": f"Bearer {other}"}, start)


def someone_elses_chunk(client, auth):
    start = opened(client, auth)
    _, other = add_partner(home_of(client.application).database, "intruder")
    return put(client, {"Authorization": f"Bearer {other}"}, start, make_chunk(3).to_wire())


def replayed_chunk_after_commit(client, auth):
    start = opened(client, auth, attribute_names=("program",))
    body = make_chunk(3).to_wire()
    assert put(client, auth, start, body).status_code == 200
    assert commit(client, auth, start).status_code == 200
    with home_of(client.application).database.session() as session:
        session.execute(Encoding.__table__.delete())
        session.execute(RecordAttributes.__table__.delete())
    return put(client, auth, start, body, 1)


def wrong_content_type(client, auth):
    return client.post("/api/v1/syncs", data=str(make_start().to_wire()), headers=auth,
                       content_type="text/plain")


def oversized(client, auth):
    client.application.config["MAX_CONTENT_LENGTH"] = 10_000
    return put(client, auth, opened(client, auth), chunk_with(format="x" * 20_000))


def commit_without_chunks(client, auth):
    return commit(client, auth, opened(client, auth), chunk_count=2)


HOSTILE = {
    "chunk body is a list": chunk_case([1, 2, 3]),
    "chunk body is a string": chunk_case("hello"),
    "pseudonyms not a list": chunk_case(chunk_with(pseudonyms="abc")),
    "pseudonym with trailing newline": chunk_case(chunk_with(
        pseudonyms=[secrets.token_hex(32) + "\n" for _ in range(3)])),
    "pseudonym upper-case hex": chunk_case(chunk_with(
        pseudonyms=[secrets.token_hex(32).upper() for _ in range(3)])),
    "pseudonym with null byte": chunk_case(chunk_with(
        pseudonyms=[secrets.token_hex(31) + "\x00a" for _ in range(3)])),
    "pseudonym repeated within chunk": chunk_case(chunk_with(pseudonyms=["ab" * 32] * 3)),
    "clks not base64": chunk_case(chunk_with(clks="not base64!!")),
    "clks with wrong padding": chunk_case(chunk_with(clks=clks_of(b"\x0f")[:-2] + "=")),
    "clks a number": chunk_case(chunk_with(clks=12345)),
    "clks one byte short": chunk_case(chunk_with(
        clks=base64.b64encode(b"\x0f" * (SCHEMA.clk_bytes * 3 - 1)).decode())),
    "all-zero clks": chunk_case(chunk_with(clks=clks_of(b"\x00"))),
    "all-one clks": chunk_case(chunk_with(clks=clks_of(b"\xff"))),
    # 6 of 8 bits: the OR of two youth's balanced CLKs, similar to both (a bridge that merges them)
    "union of two encodings": chunk_case(chunk_with(clks=clks_of(b"\xee"))),
    "a quarter of the bits under a balanced schema": chunk_case(chunk_with(clks=clks_of(b"\x11"))),
    "attribute missing": chunk_case(chunk_with(attributes={})),
    "attribute not declared": chunk_case(chunk_with(
        attributes={"program": ["a"] * 3, "name": ["b"] * 3})),
    "attribute value a number": chunk_case(chunk_with(attributes={"program": [1, 2, 3]})),
    "attribute value too long": chunk_case(chunk_with(attributes={"program": ["x" * 65] * 3})),
    "attribute values too few": chunk_case(chunk_with(attributes={"program": ["a"]})),
    "attribute value with null byte": chunk_case(attribute_chunk(["camp\x00", "camp", "camp"])),
    "date of birth in an attribute": chunk_case(attribute_chunk(["2009-04-17", "camp", "camp"])),
    "US date in an attribute": chunk_case(attribute_chunk(["4/17/2009", "camp", "camp"])),
    "phone number in an attribute": chunk_case(attribute_chunk(["(410) 555-0134", "a", "a"])),
    "e-mail in an attribute": chunk_case(attribute_chunk(["kid@example.org", "a", "a"])),
    "street address in an attribute": chunk_case(attribute_chunk(["1200 N Charles St", "a", "a"])),
    "SSN in an attribute": chunk_case(attribute_chunk(["123-45-6789", "a", "a"])),
    "free text in an attribute": chunk_case(attribute_chunk(
        ["Lives with grandmother, moved here last spring.", "a", "a"])),
    "name column in disguise": chunk_case(attribute_chunk(
        [f"Given{index} Family{index}" for index in range(60)])),
    "deletes in a full sync": chunk_case(chunk_with(deletes=[secrets.token_hex(32)])),
    "too many records": chunk_case(chunk_with(pseudonyms=["ab" * 32] * 20_001)),
    "chunk number too large": chunk_case(make_chunk(3).to_wire(), number=1_000_000),
    "negative chunk number": raw_case("put", f"/api/v1/syncs/{GOOD_ID}/chunks/-1", json={}),
    "path traversal in sync id": raw_case("put", "/api/v1/syncs/..%2F..%2Fetc/chunks/0", json={}),
    "dot-dot sync id": raw_case("get", "/api/v1/syncs/.."),
    "null byte in sync id": raw_case("get", "/api/v1/syncs/%00abc"),
    "very long sync id": raw_case("get", "/api/v1/syncs/" + "a" * 5000),
    "chunk for an unknown sync": raw_case("put", f"/api/v1/syncs/{GOOD_ID}/chunks/0",
                                          json=make_chunk(3).to_wire()),
    "unicode attribute name": start_case(attribute_names=["progr\u0430m"]),
    "attribute name with newline": start_case(attribute_names=["program\n"]),
    "attribute name reserved": start_case(attribute_names=["link_id"]),
    "attribute names repeated": start_case(attribute_names=["program", "program"]),
    "sync id not a UUID": start_case(sync_id="../../etc/passwd"),
    "huge clk_bytes": start_case(clk_bytes=10 ** 30),
    "clk_bytes a boolean": start_case(clk_bytes=True),
    "clk_bytes a float": start_case(clk_bytes=128.0),
    "fingerprint with trailing newline": start_case(fingerprint="ab" * 32 + "\n"),
    "agent version with null byte": start_case(agent_version="1.0\x00"),
    "unknown format": start_case(format="hublink.sync/999"),
    "delta without base": start_case(mode="delta"),
    "huge number in JSON": raw_case("post", "/api/v1/syncs", data='{"clk_bytes": 1' + "0" * 5000 + "}",
                                    content_type="application/json"),
    "deeply nested JSON": deep_json,
    "wrong content type": wrong_content_type,
    "body not JSON": raw_case("post", "/api/v1/syncs", data=b"\xff\xfe garbage",
                              content_type="application/json"),
    "oversized body": oversized,
    "huge chunk_count at commit": lambda client, auth: commit(client, auth, opened(client, auth),
                                                              chunk_count=10 ** 30),
    "negative record_count at commit": lambda client, auth: commit(
        client, auth, opened(client, auth), record_count=-1),
    "commit without its chunks": commit_without_chunks,
    "duplicate pseudonym across chunks": duplicate_across_chunks,
    "commit of someone else's sync": someone_elses_sync,
    "chunk into someone else's sync": someone_elses_chunk,
    "replayed chunk after commit": replayed_chunk_after_commit,
}


SPOOLS_VALID_CHUNKS_FIRST = {duplicate_across_chunks, someone_elses_sync,
                              replayed_chunk_after_commit}


def stored_records(home) -> int:
    with home.database.session() as session:
        return sum(session.scalar(select(func.count()).select_from(model))
                   for model in (Encoding, RecordAttributes))


@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_upload_is_refused_and_changes_nothing(client, home, auth, case):
    response = case(client, auth)
    assert 400 <= response.status_code < 500, response.data[:500]
    error = response.get_json()["error"]
    assert error["code"] and error["message"] and isinstance(error["details"], list)
    assert stored_records(home) == 0
    spool = home.path / "spool"
    if case not in SPOOLS_VALID_CHUNKS_FIRST:
        assert not spool.exists() or not [path for path in spool.rglob("*") if path.is_file()]

@pytest.mark.parametrize("value", ["Black or African American", "Summer Camp", "Mary E. Rodman",
                                   "Dr. Bernard Harris Sr. Elementary", "Washington Village",
                                   "Native Hawaiian or Pacific Islander", "2009-04", "2009",
                                   "21201", "0-4", "10+", "<0", "St. Mary's Rec Center"])
def test_legitimate_attribute_values_pass_the_firewall(value):
    assert firewall_problems({"program": [value] * 60}) == []


def test_pii_refusal_names_attribute_and_rule_never_the_value(client, auth):
    response = chunk_case(attribute_chunk(["2009-04-17", "camp", "camp"]))(client, auth)
    text = response.get_data(as_text=True)
    assert "program" in text and "full_date" in text and "2009-04-17" not in text
