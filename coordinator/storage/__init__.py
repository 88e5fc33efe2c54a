"""Coordinator storage: database tables, the CLK blob store and the audit log."""

from hublink.coordinator.storage.audit import record_event, verify_chain
from hublink.coordinator.storage.spool import ChunkSpool
from hublink.coordinator.storage.database import Database

__all__ = ["ChunkSpool", "Database", "record_event", "verify_chain"]
