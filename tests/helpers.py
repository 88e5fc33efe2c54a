"""Helpers the tests share: valid sync messages, a whole sync through the API, PostgreSQL schemas.

Kept out of conftest.py so that tests import them from a module of their own.
"""

from __future__ import annotations

import os
import random
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from hublink.coordinator.attribute_declarations import DEFAULT_DECLARATIONS
from hublink.shared.linkage_schema import load_linkage_schema, schema_fingerprint
from hublink.shared.sync_protocol import SyncChunk, SyncStart

__all__ = ["SECRET", "SCHEMA", "TEST_DECLARATIONS", "POSTGRESQL_URL", "BACKENDS", "make_start", "make_chunk", "sync",
           "new_postgresql_schema", "candidate_pairs"]

SECRET = bytes.fromhex("11" * 32)
SCHEMA = load_linkage_schema()
# The hub's declarations in these tests: the defaults plus what the tests send.
TEST_DECLARATIONS = DEFAULT_DECLARATIONS + '''
[attributes.program]
type = "category"
values = ["camp", "arts", "jobs", "Summer Camp", "a", "=HYPERLINK(1)"]

[attributes.site]
type = "category"
values = ["Site 0", "Site 1", "Site 2", "Site 3", "Site 4", "Site 5", "Site 6", "Site 7",
          "Site 8", "Site 9"]

[attributes.start]
type = "month"
'''


def make_start(mode: str = "full", base: str | None = None, *, secret: bytes = SECRET,
               attribute_names: tuple[str, ...] = ("program",)) -> SyncStart:
    """Returns the opening message of a new sync."""
    return SyncStart(sync_id=str(uuid.uuid4()), mode=mode, base_sync_id=base,
                     schema_id=SCHEMA.schema_id, fingerprint=schema_fingerprint(SCHEMA, secret),
                     clk_bytes=SCHEMA.clk_bytes, attribute_names=attribute_names)


def make_chunk(records: int = 3, *, seed: int = 0, deletes: list[str] | None = None,
               pseudonyms: list[str] | None = None, program: str = "camp") -> SyncChunk:
    """Returns a chunk of ``records`` random CLKs (or of the given pseudonyms)."""
    generator = random.Random(seed)
    pseudonyms = pseudonyms or [secrets.token_hex(32) for _ in range(records)]
    return SyncChunk(pseudonyms=pseudonyms,
                     clks=bytes(generator.getrandbits(8) for _ in range(len(pseudonyms) * SCHEMA.clk_bytes)),
                     attributes={"program": [program] * len(pseudonyms)}, deletes=deletes or [])


POSTGRESQL_URL = os.environ.get("HUBLINK_TEST_POSTGRESQL_URL",
                                "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# `make test-fast` sets HUBLINK_TEST_BACKENDS=sqlite; `make test` and CI run every backend.
BACKENDS = os.environ.get("HUBLINK_TEST_BACKENDS", "sqlite,postgresql").split(",")


@contextmanager
def new_postgresql_schema(server: Engine) -> Iterator[str]:
    """Yields the URL of a new empty schema on ``server`` (as the search path); drops it after.
    Schemas are named at random: several test runs may share the server."""
    schema = f"hublink_test_{uuid.uuid4().hex[:16]}"
    with server.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = server.url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with server.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def sync(client, auth, chunks, start=None, record_count=None):
    """Opens a sync, puts the chunks, commits; returns the commit response."""
    start = start or make_start()
    opened = client.post("/api/v1/syncs", json=start.to_wire(), headers=auth)
    assert opened.status_code == 201, opened.get_json()
    for number, chunk in enumerate(chunks):
        answer = client.put(f"/api/v1/syncs/{start.sync_id}/chunks/{number}",
                            json=chunk.to_wire(), headers=auth)
        assert answer.status_code == 200, answer.get_json()
    total = record_count if record_count is not None else sum(len(c.pseudonyms) for c in chunks)
    return client.post(f"/api/v1/syncs/{start.sync_id}/commit",
                       json={"format": "hublink.sync/1", "chunk_count": len(chunks),
                             "record_count": total}, headers=auth)


def clear_of_a_minute_boundary(margin: float = 5.0) -> None:
    """Sleeps, if need be, until the clock's current minute has ``margin`` seconds left.

    The rate limits count in sliding windows aligned to clock minutes, weighting the last
    window down as time passes: hits that straddle a boundary count for less than one each,
    so a test that hits a limit exactly must not straddle one. ``margin``: the seconds its
    requests may take.
    """
    left = 60.0 - time.time() % 60.0
    if left < margin:
        time.sleep(left + 0.5)


def candidate_pairs(comparison) -> dict[tuple[int, int, int, int], float]:  # type: ignore[no-untyped-def]
    """Given a matching ``Comparison``, returns (dataset, record, dataset, record) -> similarity of
    its candidate pairs, in their order."""
    similarities, (dataset_lower, dataset_higher), (record_lower, record_higher) = comparison.candidates
    return {(int(a), int(b), int(c), int(d)): float(s) for s, a, b, c, d in
            zip(similarities, dataset_lower, record_lower, dataset_higher, record_higher)}
