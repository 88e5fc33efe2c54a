"""Which link ID a reader sees: hub-wide, or one per partner that follows its own records only.

In partner scope a partner must not learn from its link file whether a youth is known to
another partner. A partner's link IDs therefore come from its *parts*: its own records grouped
on within-partner evidence alone, by the matching engine run on that partner's records only
(its own candidate floor, blocking and thresholds; the operator's fixed thresholds where set).
Two of its records share a part only when they match each other (directly or through the
partner's own records), never through another partner's record (A1 ~ B1 ~ A2), and no
estimate involves another partner's data. So a partner's parts, and hence its link IDs, are
a function of its own records and the match settings: another partner's records joining,
leaving or bridging its entities change nothing it can see. Each part keeps the partner ID
most of its records had before (``assign_link_ids``), so an ID changes only when the part
changes (its own records merge or split).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence

from hublink.coordinator.matching import (MatchSettings, PartnerClks, RecordRef, assign_link_ids,
                                          match_partners)

__all__ = ["partner_scoped_link_id", "partner_parts", "parts_of_partners", "assign_partner_link_ids"]


def partner_scoped_link_id(key: bytes, partner_id: int, hub_link_id: str) -> str:
    """Given the coordinator's scope key, a partner and a hub-wide link ID, returns the
    UUID-shaped ID that partner saw for that entity before partner IDs were stored (links
    written by older versions; the first run after the upgrade keeps these IDs)."""
    digest = hmac.new(key, f"{partner_id}:{hub_link_id}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def partner_parts(dataset: PartnerClks, pseudonyms: Sequence[str],
                  settings: MatchSettings) -> list[list[RecordRef]]:
    """Given one partner's CLKs, their pseudonyms in the same order and the operator's match
    settings (never thresholds estimated from other partners' data), returns the partner's
    parts, covering each of its records once. Depends on nothing but these arguments."""
    if len(pseudonyms) != dataset.record_count:
        raise ValueError("one pseudonym per CLK is needed")
    if dataset.record_count < 2:
        return [[(dataset.partner_id, pseudonym)] for pseudonym in pseudonyms]
    groups = match_partners([dataset], settings).groups
    return [[(dataset.partner_id, pseudonyms[record]) for _, record in group] for group in groups]


def parts_of_partners(datasets: Sequence[PartnerClks], pseudonyms: Sequence[Sequence[str]],
                      settings: MatchSettings, only: set[int] | None = None) -> list[list[RecordRef]]:
    """Returns the parts (``partner_parts``) of every partner in ``datasets`` (of those whose
    id is in ``only``, when given), one partner at a time."""
    return [part for dataset, names in zip(datasets, pseudonyms)
            if only is None or dataset.partner_id in only
            for part in partner_parts(dataset, names, settings)]


def assign_partner_link_ids(parts: Sequence[Sequence[RecordRef]],
                            previous: Mapping[RecordRef, str]) -> dict[RecordRef, str]:
    """Given partners' parts (``partner_parts``) and the partner link ID each record had
    before, returns the partner link ID of every record in ``parts``: one per part, kept by the
    majority of its records. ``previous`` may hold other partners' records too: their IDs are
    never reused, and parts of different partners never share an ID."""
    return assign_link_ids(parts, previous)
