"""The contract between agent and coordinator: wire formats, linkage schema, errors.

No I/O beyond reading bundled schema files, and no imports of the agent or coordinator.
"""

from hublink.shared.errors import (ConfigError, FingerprintMismatch, HublinkError, InvalidPackage,
                                   SourceError)
from hublink.shared.linkage_schema import (CURRENT_SCHEMA_ID, LinkageSchema, load_linkage_schema,
                                           schema_fingerprint)
from hublink.shared.sync_protocol import SYNC_FORMAT, SyncChunk, SyncCommit, SyncStart

__all__ = [
    "CURRENT_SCHEMA_ID", "ConfigError", "FingerprintMismatch", "HublinkError", "InvalidPackage",
    "LinkageSchema", "SYNC_FORMAT", "SourceError", "SyncChunk", "SyncCommit", "SyncStart",
    "load_linkage_schema", "schema_fingerprint",
]
