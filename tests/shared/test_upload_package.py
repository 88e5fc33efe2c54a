import base64

import pytest

from hublink.shared.errors import InvalidPackage
from hublink.shared.linkage_schema import load_linkage_schema, schema_fingerprint
from hublink.shared.upload_package import UploadPackage
from tests.conftest import make_package


def test_round_trip_keeps_every_field():
    package = make_package(5)
    again = UploadPackage.from_wire(package.to_wire())
    assert again == package


@pytest.mark.parametrize("mutate, expected", [
    (lambda w: w.update(format="other/1"), "unsupported package format"),
    (lambda w: w.pop("pseudonyms"), "lacks required fields"),
    (lambda w: w.update(clks="***"), "base64"),
    (lambda w: w.update(record_count=99), "record_count"),
    (lambda w: w.update(fingerprint="abc"), "fingerprint"),
    (lambda w: w["pseudonyms"].__setitem__(1, w["pseudonyms"][0]), "repeat"),
    (lambda w: w["pseudonyms"].__setitem__(0, "Alice"), "pseudonyms"),
    (lambda w: w.update(clks=base64.b64encode(b"x" * 10).decode()), "expected 128 per record"),
    (lambda w: w.update(attributes={"Program": ["a"] * 3}), "lower-case"),
    (lambda w: w.update(attributes={"program": ["a"]}), "has 1 values for 3 records"),
    (lambda w: w.update(attributes={"program": [1, 2, 3]}), "strings or null"),
    (lambda w: w.update(attributes={"program": ["x" * 65] * 3}), "longer than 64"),
    (lambda w: w.update(attributes={"link_id": ["a"] * 3}), "reserved"),
])
def test_each_broken_rule_is_named(mutate, expected):
    wire = make_package(3).to_wire()
    mutate(wire)
    with pytest.raises(InvalidPackage) as caught:
        UploadPackage.from_wire(wire)
    assert expected in str(caught.value)


def test_all_problems_are_reported_at_once():
    wire = make_package(3).to_wire()
    wire.update(fingerprint="abc", attributes={"program": ["a"]})
    with pytest.raises(InvalidPackage) as caught:
        UploadPackage.from_wire(wire)
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
