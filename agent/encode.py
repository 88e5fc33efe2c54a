"""Encode normalised feature rows into CLKs with clkhash (keyed blakeHash, schema v3).

Rows are the normaliser's features (``agent.normalise.FEATURE_NAMES`` order); the encoder takes
the features its schema names, by name, so one normaliser serves every bundled schema.
The result is the CLKs packed back to back in the ``shared.upload_package`` layout
(``bitarray.tobytes()`` of each CLK). Without hardening in the schema it is byte for byte what
``clkhash.clk.generate_clks`` makes. A schema with ``"hublink": {"balance": true}`` (the
current one) hardens clkhash's Bloom filter against frequency and pattern-mining attacks, the
same way at every partner (``harden``): the filter is joined with its complement (every CLK
then has exactly half its bits set), the bits are permuted by a permutation derived from the
linkage secret, and the result is XOR-folded ``xor_folds`` times. Each folded bit is then the
XOR of a name's bit and an unrelated bit that is set half the time, so no bit position is set
with a name's bigram more often than without it.

It is faster than clkhash's own encoder without changing a bit of the output: each field's
Bloom filter is a pure function of the field's value (given the key), and most values repeat
(sex, birth year, month, day, city, ZIP, common names). clkhash caches the hashing of n-grams
but still formats, tokenises and re-dispatches every value of every row; here each field's
filter is computed by clkhash's own per-field functions once per distinct value (a bounded LRU
cache per field) and only OR-ed together per row. A sync keeps one ``RowEncoder`` for all its
batches, so that cache stays warm.
"""

from __future__ import annotations

import functools
import json
import hashlib
import hmac
from collections.abc import Callable, Sequence

import numpy as np
from bitarray import bitarray
from clkhash.bloomfilter import fold_xor, hashing_function_from_properties
from clkhash.field_formats import FieldSpec
from clkhash.key_derivation import generate_key_lists
from clkhash.schema import Schema, from_json_dict

from hublink.agent.normalise import FEATURE_NAMES
from hublink.shared.linkage_schema import LinkageSchema

__all__ = ["RowEncoder", "encode_rows", "harden", "balance_permutation"]

# Distinct values remembered per field: bounds memory (a filter is ~200 bytes) on huge sources
# where addresses hardly repeat, while keeping every frequent value.
_VALUES_CACHED_PER_FIELD = 16_384
_PERMUTATION_CONTEXT = b"hublink/balance-permutation/v1\x00"


def balance_permutation(secret: bytes, length: int) -> np.ndarray:
    """Given the linkage secret and a length, returns the keyed permutation of balancing: a
    Fisher-Yates shuffle whose draws are HMAC-SHA256 values under the secret, so every
    partner derives the same one and nobody without the secret can."""
    key = hmac.new(secret, _PERMUTATION_CONTEXT + length.to_bytes(4, "big"),
                   hashlib.sha256).digest()
    order = list(range(length))
    for index in range(length - 1, 0, -1):
        draw = hmac.new(key, index.to_bytes(4, "big"), hashlib.sha256).digest()
        other = int.from_bytes(draw, "big") % (index + 1)
        order[index], order[other] = order[other], order[index]
    return np.array(order, dtype=np.intp)


def harden(filters: np.ndarray, permutation: np.ndarray | None, xor_folds: int) -> np.ndarray:
    """Given Bloom filters as a boolean matrix (one row each), the balancing permutation (None:
    no balancing) and the number of folds, returns the CLKs as a boolean matrix: balanced
    (joined with the complement, then permuted) and XOR-folded."""
    if permutation is not None:
        filters = np.concatenate([filters, ~filters], axis=1)[:, permutation]
    for _ in range(xor_folds):
        half = filters.shape[1] // 2
        filters = filters[:, :half] ^ filters[:, half:]
    return filters


class RowEncoder:
    """Turns feature rows (FEATURE_NAMES order) into packed CLKs under one schema and one
    secret."""

    def __init__(self, document: dict, secret: bytes) -> None:
        """Raises ValueError when the schema names a feature the normaliser does not make."""
        schema: Schema = from_json_dict(document)
        unknown = [field.identifier for field in schema.fields
                   if field.identifier not in FEATURE_NAMES]
        if unknown:
            raise ValueError(f"the schema names features the normaliser does not make: "
                             f"{', '.join(unknown)}")
        self.columns = tuple(FEATURE_NAMES.index(field.identifier) for field in schema.fields)
        keys = generate_key_lists(secret, len(schema.fields), key_size=schema.kdf_key_size,
                                  salt=schema.kdf_salt, info=schema.kdf_info,
                                  kdf=schema.kdf_type, hash_algo=schema.kdf_hash)
        linkage_schema = LinkageSchema("", json.dumps(document).encode())  # its layout only
        self.xor_folds = schema.xor_folds
        self.filter_bits = linkage_schema.bloom_filter_bits
        self.permutation = (balance_permutation(secret, 2 * self.filter_bits)
                            if linkage_schema.balanced else None)
        self.field_filters = [self._field_filter(field, key)
                              for field, key in zip(schema.fields, keys)]

    def _field_filter(self, field: FieldSpec,
                      key: Sequence[bytes]) -> Callable[[str], bitarray | None]:
        """Returns the cached function value -> the field's Bloom filter (None adds nothing),
        computed as ``clkhash.bloomfilter.crypto_bloom_filter`` computes it."""
        properties = field.hashing_properties

        @functools.lru_cache(maxsize=_VALUES_CACHED_PER_FIELD)
        def field_filter(value: str) -> bitarray | None:
            if properties is None:
                return None
            ngrams = list(properties.comparator.tokenize(field.format_value(value)))
            if not ngrams:
                return None
            hash_function = hashing_function_from_properties(properties)
            return hash_function(ngrams, key, properties.strategy.bits_per_token(len(ngrams)),
                                 self.filter_bits, properties.encoding)

        return field_filter

    def encode(self, rows: Sequence[Sequence[str]]) -> bytes:
        """Given feature rows, returns their packed CLKs; raises ValueError on a row of the
        wrong length (without quoting it)."""
        parts: list[bytes] = []
        field_filters = self.field_filters
        hardened = self.permutation is not None
        for row in rows:
            if len(row) != len(FEATURE_NAMES):
                raise ValueError(f"a feature row has {len(row)} features; the normaliser makes "
                                 f"{len(FEATURE_NAMES)}")
            bloom_filter = bitarray(self.filter_bits)
            bloom_filter.setall(False)
            for column, field_filter in zip(self.columns, field_filters):
                part = field_filter(row[column])
                if part is not None:
                    bloom_filter |= part
            parts.append(bloom_filter.tobytes() if hardened
                         else fold_xor(bloom_filter, self.xor_folds).tobytes())
        if not hardened or not parts:
            return b"".join(parts)
        filters = np.unpackbits(np.frombuffer(b"".join(parts), dtype=np.uint8)
                                .reshape(len(parts), -1), axis=1).astype(bool)
        return np.packbits(harden(filters, self.permutation, self.xor_folds), axis=1).tobytes()


def encode_rows(rows: Sequence[Sequence[str]], schema: LinkageSchema, secret: bytes) -> bytes:
    """Given feature rows in FEATURE_NAMES order, the schema and the linkage secret, returns the
    packed CLKs, from one ``RowEncoder``. Values are not validated by clkhash here:
    normalisation already produced them, and clkhash's validation messages would quote
    identifier values. Raises ValueError on a row of the wrong length."""
    return RowEncoder(schema.document, secret).encode(rows)
