"""Which link ID a reader sees: hub-wide, or derived per partner so partners cannot join."""

from __future__ import annotations

import hashlib
import hmac
import uuid

__all__ = ["partner_scoped_link_id"]


def partner_scoped_link_id(key: bytes, partner_id: int, hub_link_id: str) -> str:
    """Given the coordinator's scope key, a partner and a hub-wide link ID, returns a stable
    UUID-shaped ID that only this partner sees for that entity."""
    digest = hmac.new(key, f"{partner_id}:{hub_link_id}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))
