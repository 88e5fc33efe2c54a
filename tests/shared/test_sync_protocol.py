import base64
import dataclasses

import pytest

from hublink.shared.errors import InvalidPackage
from hublink.shared.linkage_schema import load_linkage_schema, schema_fingerprint
from hublink.shared.sync_protocol import SyncChunk, SyncCommit, SyncStart
from tests.helpers import make_chunk, make_start


def test_messages_round_trip():
    start = make_start()
    assert SyncStart.from_wire(start.to_wire()) == start
    chunk = make_chunk(4)
    assert SyncChunk.from_wire(chunk.to_wire(), start) == chunk
    assert SyncCommit.from_wire(SyncCommit(2, 7).to_wire()) == SyncCommit(2, 7)


@pytest.mark.parametrize("mutate, expected", [
    (lambda w: w.update(format="other/1"), "format must be"),
    (lambda w: w.update(sync_id="1"), "sync_id must be a UUID"),
    (lambda w: w.update(mode="sometimes"), "mode must be one of"),
    (lambda w: w.update(mode="delta"), "base_sync_id (required for a delta sync)"),
    (lambda w: w.update(fingerprint="abc"), "fingerprint"),
    (lambda w: w.update(clk_bytes=True), "clk_bytes"),
    (lambda w: w.update(attribute_names=["Program"]), "lower-case"),
    (lambda w: w.update(attribute_names=["partner"]), "reserved"),
    (lambda w: w.update(attribute_names=["a", "a"]), "repeat"),
])
def test_each_broken_start_rule_is_named(mutate, expected):
    wire = make_start().to_wire()
    mutate(wire)
    with pytest.raises(InvalidPackage) as caught:
        SyncStart.from_wire(wire)
    assert expected in str(caught.value)


@pytest.mark.parametrize("mutate, expected", [
    (lambda w: w.update(clks="***"), "base64"),
    (lambda w: w.update(clks=base64.b64encode(b"x" * 10).decode()), "expected 128 for each"),
    (lambda w: w["pseudonyms"].__setitem__(0, "Alice"), "64-hex-digit pseudonyms"),
    (lambda w: w["pseudonyms"].__setitem__(1, w["pseudonyms"][0]), "appears twice"),
    (lambda w: w.update(attributes={}), "exactly the attribute_names"),
    (lambda w: w.update(attributes={"program": ["a"]}), "one value per record"),
    (lambda w: w.update(attributes={"program": [1, 2, 3]}), "null or strings"),
    (lambda w: w.update(attributes={"program": ["x" * 65] * 3}), "at most 64"),
    (lambda w: w.update(deletes=["ab" * 32]), "no deletes"),
])
def test_each_broken_chunk_rule_is_named(mutate, expected):
    wire = make_chunk(3).to_wire()
    mutate(wire)
    with pytest.raises(InvalidPackage) as caught:
        SyncChunk.from_wire(wire, make_start())
    assert expected in str(caught.value)


def test_chunk_problems_are_reported_at_once():
    wire = make_chunk(3).to_wire()
    wire.update(clks="", attributes={"program": ["a"]})
    with pytest.raises(InvalidPackage) as caught:
        SyncChunk.from_wire(wire, make_start())
    assert len(caught.value.details) == 2


def test_fingerprint_depends_on_secret_and_schema_but_reveals_neither():
    schema = load_linkage_schema()
    first = schema_fingerprint(schema, b"a" * 32)
    assert first == schema_fingerprint(schema, b"a" * 32)
    assert first != schema_fingerprint(schema, b"b" * 32)
    assert (b"a" * 32).hex() not in first and len(first) == 64


def test_schema_is_clkhash_v3_with_keyed_blake_hashing():
    document = load_linkage_schema().document
    assert document["version"] == 3
    assert {f["hashing"]["hash"]["type"] for f in document["features"]} == {"blakeHash"}


def enrollment_start() -> SyncStart:
    return dataclasses.replace(make_start(), enrollment_names=("site", "term"))


def enrollment_chunk(records: int = 3) -> SyncChunk:
    chunk = make_chunk(records)
    chunk.enrollments = [[{"site": f"site {index}", "term": "2026-06"},
                          {"site": "north", "term": None}][:index % 3] for index in range(records)]
    return chunk


def test_enrollments_round_trip_and_old_chunks_have_none():
    start = enrollment_start()
    assert SyncStart.from_wire(start.to_wire()) == start
    chunk = enrollment_chunk(4)
    assert SyncChunk.from_wire(chunk.to_wire(), start) == chunk
    assert SyncChunk.from_wire(chunk.to_wire(), start).enrollments_of(0) == []
    wire = make_start().to_wire()
    del wire["enrollment_names"]
    assert SyncStart.from_wire(wire).enrollment_names == ()
    plain = make_chunk(2).to_wire()
    assert "enrollments" not in plain
    assert SyncChunk.from_wire(plain, start).enrollments_of(1) == []


@pytest.mark.parametrize("mutate, expected", [
    (lambda w: w.update(enrollment_names=["program"]), "must differ from attribute_names"),
    (lambda w: w.update(enrollment_names=["Site"]), "lower-case"),
    (lambda w: w.update(enrollment_names=["site", "site"]), "enrollment_names repeat"),
    (lambda w: w.update(enrollment_names="site"), "enrollment_names must be a list"),
])
def test_each_broken_enrollment_name_rule_is_named(mutate, expected):
    wire = enrollment_start().to_wire()
    mutate(wire)
    with pytest.raises(InvalidPackage) as caught:
        SyncStart.from_wire(wire)
    assert expected in str(caught.value)


@pytest.mark.parametrize("mutate, expected", [
    (lambda w: w.update(enrollments=[[]]), "one list per upserted record"),
    (lambda w: w.update(enrollments={"site": []}), "one list per upserted record"),
    (lambda w: w["enrollments"][1].__setitem__(0, {"site": "x"}), "exactly the enrollment_names"),
    (lambda w: w["enrollments"][1].__setitem__(0, {"site": 3, "term": None}), "null or strings"),
    (lambda w: w["enrollments"][1].__setitem__(0, {"site": "x" * 65, "term": None}), "at most 64"),
    (lambda w: w["enrollments"].__setitem__(0, [{"site": "a", "term": None}] * 201),
     "at most 200 enrollments"),
    (lambda w: w["enrollments"][1].__setitem__(0, {"site": "2009-08-12", "term": None}),
     "'enrollments.site' breaks the PII rule full_date"),
])
def test_each_broken_enrollment_rule_is_named(mutate, expected):
    wire = enrollment_chunk(3).to_wire()
    mutate(wire)
    with pytest.raises(InvalidPackage) as caught:
        SyncChunk.from_wire(wire, enrollment_start())
    assert expected in str(caught.value)


def test_a_sync_without_enrollment_names_refuses_enrollments():
    with pytest.raises(InvalidPackage) as caught:
        SyncChunk.from_wire(enrollment_chunk(3).to_wire(), make_start())
    assert "declares no enrollment_names" in str(caught.value)


def test_a_chunk_holds_a_bounded_number_of_enrollments():
    from hublink.shared import sync_protocol
    records = sync_protocol.MAX_CHUNK_ENROLLMENTS // 200 + 1
    chunk = make_chunk(records)
    chunk.enrollments = [[{"site": "a", "term": None}] * 200 for _ in range(records)]
    with pytest.raises(InvalidPackage) as caught:
        SyncChunk.from_wire(chunk.to_wire(), enrollment_start())
    assert "at most 100000 enrollments" in str(caught.value)
