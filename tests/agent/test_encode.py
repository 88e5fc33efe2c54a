"""``encode_rows`` is byte for byte clkhash's own encoder (then, for a hardened schema, the
documented balancing and folding), in one call and batch after batch from one warm encoder."""

from __future__ import annotations

import random

import numpy as np
import pytest
from clkhash.clk import generate_clks
from clkhash.schema import from_json_dict

from hublink.agent.encode import RowEncoder, balance_permutation, encode_rows, harden
from hublink.agent.normalise import FEATURE_NAMES
from hublink.shared.linkage_schema import HARDENED_SCHEMA_ID, LinkageSchema, load_linkage_schema

SECRET = bytes.fromhex("5a" * 32)
GIVEN = ["AALIYAH", "KAYLA", "TYRONE", "JOSE", "MARIA", "DESHAWN", "EMMA", "NGUYEN", ""]
FAMILY = ["JOHNSON", "GARCIA", "WASHINGTON", "NGUYEN", "SMITH JONES", "O BRIEN", ""]


def feature_rows(count: int, seed: int = 3) -> list[tuple[str, ...]]:
    """Returns rows in the normaliser's feature order (FEATURE_NAMES), with repeats and missing
    values."""
    generator = random.Random(seed)
    rows = []
    for _ in range(count):
        given, family = generator.choice(GIVEN), generator.choice(FAMILY)
        month, day = f"{generator.randint(1, 12):02d}", f"{generator.randint(1, 28):02d}"
        rows.append((
            given, family, " ".join(sorted(filter(None, [given, family]))),
            generator.choice(["", "A", "J", "M"]), str(generator.randint(2005, 2018)),
            month, day, f"{day} {month}", generator.choice(["F", "M", ""]),
            f"{generator.randint(1, 4999)} {generator.choice(['GREENMOUNT AVE', 'N CHARLES ST'])}",
            generator.choice(["BALTIMORE", ""]), generator.choice(["21218", "21202", "21215", ""]),
            " ".join(sorted((given, family.split(" ")[0]))) if given and family else "",
        ))
    return rows


def clkhash_bytes(rows, schema: LinkageSchema) -> bytes:
    """clkhash's CLKs of the schema's features, taken from the rows by name; for a balanced
    schema, clkhash's unfolded filters balanced and folded."""
    rows = [tuple(row[FEATURE_NAMES.index(name)] for name in schema.feature_names) for row in rows]
    document = schema.document
    if schema.balanced:
        document["clkConfig"].update(l=schema.bloom_filter_bits, xor_folds=0)
        del document["hublink"]
    clks = generate_clks(rows, from_json_dict(document), SECRET, validate=False, max_workers=1)
    packed = b"".join(clk.tobytes() for clk in clks)
    if not schema.balanced:
        return packed
    filters = np.unpackbits(np.frombuffer(packed, dtype=np.uint8).reshape(len(rows), -1),
                            axis=1).astype(bool)
    permutation = balance_permutation(SECRET, 2 * schema.bloom_filter_bits)
    return np.packbits(harden(filters, permutation, schema.xor_folds), axis=1).tobytes()


@pytest.fixture(scope="module", params=["linkage-v1", "linkage-v2", HARDENED_SCHEMA_ID])
def schema(request):
    return load_linkage_schema(request.param)


def test_the_hardened_schema_is_balanced_and_folded():
    schema = load_linkage_schema(HARDENED_SCHEMA_ID)
    assert schema.balanced and schema.xor_folds == 1
    assert from_json_dict(schema.document).xor_folds == 1, "clkhash must read the folds"


def test_balanced_clks_have_exactly_half_their_bits_set():
    schema = load_linkage_schema(HARDENED_SCHEMA_ID)
    packed = encode_rows(feature_rows(40), schema, SECRET)
    bits = np.unpackbits(np.frombuffer(packed, dtype=np.uint8).reshape(40, -1), axis=1)
    # Balancing sets exactly half; folding keeps that on average, not per CLK.
    assert abs(bits.mean() - 0.5) < 0.02


def _set_bits(packed: bytes, clk_bytes: int) -> list[int]:
    return [int.from_bytes(packed[start:start + clk_bytes]).bit_count()
            for start in range(0, len(packed), clk_bytes)]


def test_every_clk_the_agent_makes_lies_within_its_schemas_set_bit_bounds(schema):
    # The coordinator refuses CLKs outside these bounds (shared/sync_protocol.py): an honest
    # agent's must never be, records with missing fields included.
    rows = feature_rows(3000, seed=5)
    counts = _set_bits(encode_rows(rows, schema, SECRET), schema.clk_bytes)
    rows_without_names = [("", "", "", *row[3:12], "") for row in rows[:200]]
    counts += _set_bits(encode_rows(rows_without_names, schema, SECRET), schema.clk_bytes)
    lowest, highest = schema.set_bit_bounds
    assert lowest <= min(counts) and max(counts) <= highest, (min(counts), max(counts))


def test_the_union_of_two_unrelated_youths_clks_is_outside_a_balanced_schemas_bounds():
    # The OR of two CLKs is similar to both, so it would merge the two youth. Inside the bounds
    # it fits only for two CLKs of typical fill already at Dice 0.76 or more, which link anyway.
    schema = load_linkage_schema(HARDENED_SCHEMA_ID)
    packed = encode_rows(feature_rows(400, seed=7), schema, SECRET)
    clks = [int.from_bytes(packed[start:start + schema.clk_bytes])
            for start in range(0, len(packed), schema.clk_bytes)]
    pairs = [(first, second) for first, second in zip(clks[::2], clks[1::2])
             if 2 * (first & second).bit_count() / (first.bit_count() + second.bit_count()) < 0.7]
    assert len(pairs) > 150
    assert min((first | second).bit_count() for first, second in pairs) > schema.set_bit_bounds[1]


def test_the_balancing_permutation_is_a_keyed_permutation():
    first = balance_permutation(SECRET, 2048)
    assert sorted(first.tolist()) == list(range(2048))
    assert np.array_equal(first, balance_permutation(SECRET, 2048))
    assert not np.array_equal(first, balance_permutation(bytes.fromhex("a5" * 32), 2048))


@pytest.fixture(scope="module")
def rows():
    return feature_rows(300)


def test_rows_hold_every_feature_the_schema_names(schema, rows):
    assert len(rows[0]) == len(FEATURE_NAMES)
    assert set(schema.feature_names) <= set(FEATURE_NAMES)


def test_a_schema_naming_a_feature_the_normaliser_does_not_make_is_refused():
    document = load_linkage_schema("linkage-v1").document
    document["features"][0]["identifier"] = "shoe_size"
    with pytest.raises(ValueError, match="does not make: shoe_size"):
        RowEncoder(document, SECRET)


def test_encoding_is_byte_identical_to_clkhash(schema, rows):
    assert encode_rows(rows, schema, SECRET) == clkhash_bytes(rows, schema)


def test_one_warm_encoder_over_batches_is_byte_identical_to_clkhash(schema, rows):
    # As a sync uses it: one encoder, batch after batch, its per-value cache kept warm.
    encoder = RowEncoder(schema.document, SECRET)
    packed = b"".join(encoder.encode(rows[start:start + 70]) for start in range(0, len(rows), 70))
    assert packed == clkhash_bytes(rows, schema)
    assert len(packed) == len(rows) * schema.clk_bytes


def test_another_secret_gives_other_clks(schema, rows):
    other = encode_rows(rows[:10], schema, bytes.fromhex("a5" * 32))
    assert other != encode_rows(rows[:10], schema, SECRET)


def test_no_rows_give_no_bytes(schema):
    assert encode_rows([], schema, SECRET) == b""


def test_a_row_of_the_wrong_length_is_refused_without_its_values(schema):
    with pytest.raises(ValueError, match="a feature row has 2 features; the normaliser makes 13") as raised:
        encode_rows([("SECRETNAME", "OTHER")], schema, SECRET)
    assert "SECRETNAME" not in str(raised.value)
