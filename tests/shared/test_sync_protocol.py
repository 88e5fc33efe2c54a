import base64

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
