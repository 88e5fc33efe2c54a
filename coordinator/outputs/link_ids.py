"""Which link ID a reader sees: hub-wide, or one per partner that follows its records only.

In partner scope a partner must not learn from its link file whether a youth is known to
another partner. So a partner's link ID is not derived from the hub-wide entity (whose ID
may change when another partner's records join it) but from the partner's own records in
that entity (its *part* of the entity), with the same stability rule as hub-wide IDs: a
part keeps the partner ID most of its records had before. The ID therefore changes only
when the partner's own part changes (its records merge or split), never because another
partner's records joined or left the entity.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping

from hublink.coordinator.matching import RecordRef, assign_link_ids

__all__ = ["partner_scoped_link_id", "assign_partner_link_ids"]


def partner_scoped_link_id(key: bytes, partner_id: int, hub_link_id: str) -> str:
    """Given the coordinator's scope key, a partner and a hub-wide link ID, returns the
    UUID-shaped ID that partner saw for that entity before partner IDs were stored (links
    written by older versions; the first run after the upgrade keeps these IDs)."""
    digest = hmac.new(key, f"{partner_id}:{hub_link_id}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def assign_partner_link_ids(hub_ids: Mapping[RecordRef, str],
                            previous: Mapping[RecordRef, str]) -> dict[RecordRef, str]:
    """Given this run's hub-wide link ID of every record and the partner link ID each record
    had before, returns every record's partner link ID: one per partner part of an entity,
    kept from the previous run by the majority of the part's records (``assign_link_ids``)."""
    parts: dict[tuple[int, str], list[RecordRef]] = {}
    for record, hub_id in hub_ids.items():
        parts.setdefault((record[0], hub_id), []).append(record)
    return assign_link_ids(list(parts.values()), previous)
