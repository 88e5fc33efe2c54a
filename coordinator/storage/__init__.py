"""Coordinator storage: database tables, the CLK blob store and the audit log."""

from hublink.coordinator.storage.audit import record_event, verify_chain
from hublink.coordinator.storage.blobs import BlobStore
from hublink.coordinator.storage.database import Database

__all__ = ["BlobStore", "Database", "record_event", "verify_chain"]
