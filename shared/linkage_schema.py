"""The project's versioned clkhash linkage schema and its fingerprint.

The schema is a clkhash v3 JSON file under ``shared/schemas/``. Every partner encodes with
the same schema and the same secret; the coordinator checks this through the fingerprint,
an HMAC of the schema under the secret, so the secret itself never travels.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from importlib import resources

__all__ = ["LinkageSchema", "load_linkage_schema", "schema_fingerprint", "CURRENT_SCHEMA_ID"]

CURRENT_SCHEMA_ID = "linkage-v1"
_FINGERPRINT_CONTEXT = b"hublink/fingerprint/v1\x00"


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


def load_linkage_schema(schema_id: str = CURRENT_SCHEMA_ID) -> LinkageSchema:
    """Given a schema id, returns the bundled schema; raises FileNotFoundError if unknown."""
    raw = resources.files("hublink.shared").joinpath("schemas", f"{schema_id}.json").read_bytes()
    return LinkageSchema(schema_id=schema_id, raw=raw)


def schema_fingerprint(schema: LinkageSchema, secret: bytes) -> str:
    """Given the schema and the linkage secret, returns a hex HMAC that reveals neither."""
    canonical = json.dumps(schema.document, sort_keys=True, separators=(",", ":")).encode()
    message = _FINGERPRINT_CONTEXT + schema.schema_id.encode() + b"\x00" + canonical
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
