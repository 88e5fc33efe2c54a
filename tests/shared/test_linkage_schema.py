"""The rules every linkage schema follows, and the bundled schemas."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from hublink.shared.linkage_schema import (CURRENT_SCHEMA_ID, SchemaRefused, load_linkage_schema,
                                           schema_fingerprint, schema_problems)

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.json")), ids=lambda path: path.stem)
def test_every_bundled_schema_follows_the_rules(path):
    assert schema_problems(json.loads(path.read_text())) == []
    assert load_linkage_schema(path.stem).schema_id == path.stem


def test_double_hash_is_refused():
    document = load_linkage_schema().document
    document["features"][0]["hashing"]["hash"] = {"type": "doubleHash"}
    assert any("doubleHash" in problem for problem in schema_problems(document))


def test_fewer_than_three_identifying_features_are_refused():
    document = load_linkage_schema().document
    document["features"] = document["features"][:2]
    assert any("at least 3" in problem for problem in schema_problems(document))
    ignored = copy.deepcopy(load_linkage_schema().document)
    ignored["features"] = ignored["features"][:2] + [{"identifier": "x", "ignored": True}]
    assert any("at least 3" in problem for problem in schema_problems(ignored))


def test_folds_under_the_key_clkhash_ignores_are_refused():
    document = load_linkage_schema().document
    document["clkConfig"]["xorFolds"] = 1
    assert any("xorFolds" in problem for problem in schema_problems(document))


def test_a_refused_schema_lists_every_problem():
    error = SchemaRefused("linkage-x", ["one", "two"])
    assert error.problems == ["one", "two"] and "one; two" in str(error)


def test_a_new_schema_version_changes_the_fingerprint():
    secret = bytes(32)
    fingerprints = {schema_fingerprint(load_linkage_schema(schema_id), secret)
                    for schema_id in ("linkage-v1", "linkage-v2", "linkage-v3")}
    assert len(fingerprints) == 3
