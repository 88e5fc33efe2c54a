"""Encode normalised feature rows into CLKs with clkhash (keyed blakeHash, schema v3).

Rows are encoded in chunks across processes; the result is the CLKs packed back to back in
the ``shared.upload_package`` layout (``bitarray.tobytes()`` of each CLK).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from clkhash.clk import hash_chunk
from clkhash.key_derivation import generate_key_lists
from clkhash.schema import Schema, from_json_dict

from hublink.shared.linkage_schema import LinkageSchema

__all__ = ["encode_rows", "CHUNK_SIZE"]

CHUNK_SIZE = 5_000
_PARALLEL_FROM = 20_000


def _clkhash_schema(schema: LinkageSchema) -> Schema:
    return from_json_dict(schema.document)


def _encode_chunk(rows: Sequence[Sequence[str]], keys: Sequence[Sequence[bytes]],
                  schema: Schema) -> bytes:
    clks, _popcounts = hash_chunk(rows, keys, schema, validate_data=False)
    return b"".join(clk.tobytes() for clk in clks)


def encode_rows(rows: Sequence[Sequence[str]], schema: LinkageSchema, secret: bytes,
                workers: int | None = None,
                progress: Callable[[int], None] | None = None) -> bytes:
    """Given feature rows in schema order, the schema and the linkage secret, returns the
    packed CLKs; ``progress`` is called with the number of rows finished after each chunk.

    Values are not validated by clkhash here: normalisation already produced them, and
    clkhash's validation messages would quote identifier values.
    """
    clkhash_schema = _clkhash_schema(schema)
    keys = generate_key_lists(secret, len(clkhash_schema.fields),
                              key_size=clkhash_schema.kdf_key_size, salt=clkhash_schema.kdf_salt,
                              info=clkhash_schema.kdf_info, kdf=clkhash_schema.kdf_type,
                              hash_algo=clkhash_schema.kdf_hash)
    chunks = [rows[start:start + CHUNK_SIZE] for start in range(0, len(rows), CHUNK_SIZE)]
    workers = workers or os.cpu_count() or 1
    parts: list[bytes] = []
    if workers == 1 or len(rows) < _PARALLEL_FROM:
        for chunk in chunks:
            parts.append(_encode_chunk(chunk, keys, clkhash_schema))
            if progress:
                progress(len(chunk))
        return b"".join(parts)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_encode_chunk, chunk, keys, clkhash_schema) for chunk in chunks]
        for chunk, future in zip(chunks, futures):
            parts.append(future.result())
            if progress:
                progress(len(chunk))
    return b"".join(parts)
