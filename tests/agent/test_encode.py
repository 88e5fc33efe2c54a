"""``encode_rows`` is byte for byte clkhash's own encoder, in one process and in several."""

from __future__ import annotations

import random

import pytest
from clkhash.clk import generate_clks
from clkhash.schema import from_json_dict

from hublink.agent.encode import encode_rows
from hublink.shared.linkage_schema import load_linkage_schema

SECRET = bytes.fromhex("5a" * 32)
GIVEN = ["AALIYAH", "KAYLA", "TYRONE", "JOSE", "MARIA", "DESHAWN", "EMMA", "NGUYEN", ""]
FAMILY = ["JOHNSON", "GARCIA", "WASHINGTON", "NGUYEN", "SMITH JONES", "O BRIEN", ""]


def feature_rows(count: int, seed: int = 3) -> list[tuple[str, ...]]:
    """Returns rows in the schema's feature order, with repeats and missing values."""
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
        ))
    return rows


def clkhash_bytes(rows, schema) -> bytes:
    clks = generate_clks(rows, from_json_dict(schema.document), SECRET, validate=False,
                         max_workers=1)
    return b"".join(clk.tobytes() for clk in clks)


@pytest.fixture(scope="module")
def schema():
    return load_linkage_schema()


@pytest.fixture(scope="module")
def rows():
    return feature_rows(300)


def test_rows_match_the_schema(schema, rows):
    assert len(rows[0]) == len(schema.feature_names)


def test_one_process_is_byte_identical_to_clkhash(schema, rows):
    assert encode_rows(rows, schema, SECRET, workers=1) == clkhash_bytes(rows, schema)


def test_worker_processes_are_byte_identical_to_clkhash(schema, rows):
    finished: list[int] = []
    packed = encode_rows(rows, schema, SECRET, workers=2, progress=finished.append,
                         chunk_size=70, parallel_from=0)
    assert packed == clkhash_bytes(rows, schema)
    assert finished == [70, 70, 70, 70, 20]
    assert len(packed) == len(rows) * schema.clk_bytes


def test_another_secret_gives_other_clks(schema, rows):
    other = encode_rows(rows[:10], schema, bytes.fromhex("a5" * 32), workers=1)
    assert other != encode_rows(rows[:10], schema, SECRET, workers=1)


def test_no_rows_give_no_bytes(schema):
    assert encode_rows([], schema, SECRET) == b""


def test_a_row_of_the_wrong_length_is_refused_without_its_values(schema):
    with pytest.raises(ValueError, match="a feature row has 2 features; the schema has 12") as raised:
        encode_rows([("SECRETNAME", "OTHER")], schema, SECRET, workers=1)
    assert "SECRETNAME" not in str(raised.value)
