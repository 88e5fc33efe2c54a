"""The project's versioned clkhash linkage schemas, the rules a schema must follow, and the
fingerprint.

A schema is a clkhash v3 JSON file under ``shared/schemas/``, plus an optional ``hublink``
section naming the hardening applied after clkhash's Bloom filter (``balance``: see
``agent/encode.py``). Every partner encodes with the same schema and the same secret; the
coordinator checks this through the fingerprint, an HMAC of the schema under the secret, so
the secret itself never travels. A released schema file is never edited: a change is a new
``linkage-vN.json`` and a new ``CURRENT_SCHEMA_ID``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from importlib import resources

__all__ = ["LinkageSchema", "SchemaRefused", "load_linkage_schema", "schema_fingerprint",
           "schema_problems", "set_bit_bounds", "CURRENT_SCHEMA_ID", "HARDENED_SCHEMA_ID",
           "MINIMUM_IDENTIFYING_FEATURES", "MAX_SET_BIT_SHARE", "BALANCED_FILL_MARGIN"]

# linkage-v3 keeps linkage-v2's hardening (balanced, permuted, XOR-folded: the pattern-mining
# and frequency attacks stay at guessing level) with order-free name features, so a record with
# given and family names swapped links as well as unswapped; measured against linkage-v2 under
# the same secrets it costs under 0.5 point of F1 anywhere (docs/linkage-schema.md). linkage-v1
# and linkage-v2 stay loadable so that a hub's stored uploads still match until every partner
# has re-encoded. HARDENED_SCHEMA_ID is the newest hardened schema, which the hardening tests check.
CURRENT_SCHEMA_ID = "linkage-v3"
HARDENED_SCHEMA_ID = "linkage-v3"
MINIMUM_IDENTIFYING_FEATURES = 3
"""Fewer hashed features than this make CLKs that say little but reveal the few they hold."""
MAX_SET_BIT_SHARE = 0.9
"""A CLK of an unbalanced schema with no bit set, or more than this share of its bits set,
encodes nothing usable."""
BALANCED_FILL_MARGIN = 0.125
"""A CLK of a balanced schema sets each bit about half the time: measured on the 252,275 city
records under linkage-v3, 517 +- 15.8 of 1,024 bits, 444 to 594. Fewer than half minus this
share of its bits, or more than half plus it (eight spreads at 1,024 bits), is no encoding the
agent makes: the OR of two youth's CLKs (about 0.75 of the bits) is similar to both and merges
them, and 100 such uploads cut a 3,000-youth hub's count by 94 (benchmarks/RESULTS-abuse.md)."""
_FINGERPRINT_CONTEXT = b"hublink/fingerprint/v1\x00"
_HARDENING_KEYS = {"balance"}


class SchemaRefused(ValueError):
    """A linkage schema breaks the project's rules (``problems`` lists every one)."""

    def __init__(self, schema_id: str, problems: list[str]) -> None:
        super().__init__(f"linkage schema {schema_id} is refused: " + "; ".join(problems))
        self.problems = problems


def schema_problems(document: dict) -> list[str]:
    """Given a schema document, returns every rule it breaks (empty when it is acceptable):
    no ``doubleHash`` (its bit positions leak through known attacks), at least
    MINIMUM_IDENTIFYING_FEATURES hashed features, folds under the key clkhash 0.18 reads
    (``xorFolds`` is silently ignored by it), and only known hardening keys."""
    problems = []
    features = document.get("features", [])
    hashed = [feature for feature in features if not feature.get("ignored")]
    for feature in hashed:
        if feature.get("hashing", {}).get("hash", {}).get("type", "blakeHash") != "blakeHash":
            problems.append(f"feature {feature.get('identifier')!r} uses "
                            f"{feature['hashing']['hash']['type']}; only blakeHash is allowed")
    if len(hashed) < MINIMUM_IDENTIFYING_FEATURES:
        problems.append(f"{len(hashed)} identifying features; at least "
                        f"{MINIMUM_IDENTIFYING_FEATURES} are required")
    if "xorFolds" in document.get("clkConfig", {}):
        problems.append("clkConfig.xorFolds is ignored by clkhash 0.18; write xor_folds")
    unknown = set(document.get("hublink", {})) - _HARDENING_KEYS
    if unknown:
        problems.append(f"unknown hublink hardening keys: {', '.join(sorted(unknown))}")
    return problems


@dataclass(frozen=True)
class LinkageSchema:
    """A clkhash v3 schema as bytes plus what the rest of the system needs from it."""

    schema_id: str
    raw: bytes

    @property
    def document(self) -> dict:
        return json.loads(self.raw)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Given the schema, returns the feature identifiers in encoding order."""
        return tuple(feature["identifier"] for feature in self.document["features"])

    @property
    def clk_bits(self) -> int:
        return int(self.document["clkConfig"]["l"])

    @property
    def clk_bytes(self) -> int:
        return self.clk_bits // 8

    @property
    def xor_folds(self) -> int:
        return int(self.document["clkConfig"].get("xor_folds", 0))

    @property
    def balanced(self) -> bool:
        """Whether the Bloom filter is balanced (joined with its complement and permuted under
        the secret) before it is folded."""
        return bool(self.document.get("hublink", {}).get("balance", False))

    @property
    def set_bit_bounds(self) -> tuple[int, int]:
        """Returns the fewest and the most bits (inclusive) a CLK of this schema may set."""
        return set_bit_bounds(self.clk_bits, self.balanced)

    @property
    def bloom_filter_bits(self) -> int:
        """Returns the length of clkhash's Bloom filter before balancing and folding."""
        unfolded = self.clk_bits * 2 ** self.xor_folds
        return unfolded // 2 if self.balanced else unfolded


def set_bit_bounds(clk_bits: int, balanced: bool) -> tuple[int, int]:
    """Given a CLK length and whether its schema balances the Bloom filter, returns the fewest
    and the most bits (inclusive) an honest CLK sets (``BALANCED_FILL_MARGIN``,
    ``MAX_SET_BIT_SHARE``)."""
    if balanced:
        return (math.ceil((0.5 - BALANCED_FILL_MARGIN) * clk_bits),
                math.floor((0.5 + BALANCED_FILL_MARGIN) * clk_bits))
    return 1, math.floor(MAX_SET_BIT_SHARE * clk_bits)


def load_linkage_schema(schema_id: str = CURRENT_SCHEMA_ID) -> LinkageSchema:
    """Given a schema id, returns the bundled schema; raises FileNotFoundError if unknown and
    SchemaRefused if it breaks ``schema_problems``."""
    raw = resources.files("hublink.shared").joinpath("schemas", f"{schema_id}.json").read_bytes()
    problems = schema_problems(json.loads(raw))
    if problems:
        raise SchemaRefused(schema_id, problems)
    return LinkageSchema(schema_id=schema_id, raw=raw)


def schema_fingerprint(schema: LinkageSchema, secret: bytes) -> str:
    """Given the schema and the linkage secret, returns a hex HMAC that reveals neither."""
    canonical = json.dumps(schema.document, sort_keys=True, separators=(",", ":")).encode()
    message = _FINGERPRINT_CONTEXT + schema.schema_id.encode() + b"\x00" + canonical
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
