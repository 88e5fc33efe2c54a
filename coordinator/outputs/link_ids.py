"""Which link ID a reader sees: hub-wide, or one per partner that follows its own records only.

In partner scope a partner must not learn from its link file whether a youth is known to
another partner. A partner's link IDs therefore come from its *parts*: its own records grouped
on within-partner evidence alone, by the matching engine run on that partner's records only
(its own candidate floor, blocking and thresholds; the operator's fixed thresholds where set).
Two of its records share a part only when they match each other (directly or through the
partner's own records), never through another partner's record (A1 ~ B1 ~ A2), and no
estimate involves another partner's data. So a partner's parts, and hence its link IDs, are
a function of its own records, the match settings and the thresholds its parts were made
with: another partner's records joining, leaving or bridging its entities change nothing it
can see. Each part keeps the partner ID most of its records had before (``assign_link_ids``),
so an ID changes only when the part changes (its own records merge or split).

The thresholds a partner's parts were made with (:data:`PartThresholds`) are estimated from its
own records in a full run and carried by an incremental one (``jobs.carried_thresholds``), as the
hub's own are: a few records changed must not move a re-estimated threshold past a pair of
records they have nothing to do with, and split or merge it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace

from hublink.coordinator.matching import (MatchSettings, PartnerClks, RecordRef, assign_link_ids,
                                          match_partners)

__all__ = ["PartThresholds", "partner_scoped_link_id", "partner_parts", "parts_of_partners",
           "assign_partner_link_ids"]

PartThresholds = dict[int, tuple[float, float]]
"""Per partner id, the (across, within) thresholds its parts were made with."""


def partner_scoped_link_id(key: bytes, partner_id: int, hub_link_id: str) -> str:
    """Given the coordinator's scope key, a partner and a hub-wide link ID, returns the
    UUID-shaped ID that partner saw for that entity before partner IDs were stored (links
    written by older versions; the first run after the upgrade keeps these IDs)."""
    digest = hmac.new(key, f"{partner_id}:{hub_link_id}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def partner_parts(dataset: PartnerClks, pseudonyms: Sequence[str], settings: MatchSettings,
                  carried: tuple[float, float] | None = None,
                  ) -> tuple[list[list[RecordRef]], tuple[float, float] | None]:
    """Given one partner's CLKs, their pseudonyms in the same order, the operator's match
    settings (never thresholds estimated from other partners' data) and optionally the
    thresholds its parts were made with before (used where the operator set none), returns the
    partner's parts, covering each of its records once, and the (across, within) thresholds
    they were made with (None for a single record). Depends on nothing but these arguments."""
    if len(pseudonyms) != dataset.record_count:
        raise ValueError("one pseudonym per CLK is needed")
    if dataset.record_count < 2:
        return [[(dataset.partner_id, pseudonym)] for pseudonym in pseudonyms], None
    if carried is not None:
        settings = replace(settings,
                           threshold=carried[0] if settings.threshold is None else settings.threshold,
                           within_threshold=carried[1] if settings.within_threshold is None
                           else settings.within_threshold)
    result = match_partners([dataset], settings)
    parts = [[(dataset.partner_id, pseudonyms[record]) for _, record in group] for group in result.groups]
    return parts, (float(result.thresholds[0]), float(result.thresholds[1]))


def parts_of_partners(datasets: Sequence[PartnerClks], pseudonyms: Sequence[Sequence[str]],
                      settings: MatchSettings, only: set[int] | None = None,
                      carried: PartThresholds | None = None,
                      ) -> tuple[list[list[RecordRef]], PartThresholds]:
    """Returns the parts (``partner_parts``) of every partner in ``datasets`` (of those whose
    id is in ``only``, when given), one partner at a time, each with the thresholds in
    ``carried`` for it if any, and the thresholds each partner's parts were made with."""
    parts: list[list[RecordRef]] = []
    thresholds: PartThresholds = {}
    for dataset, names in zip(datasets, pseudonyms):
        if only is not None and dataset.partner_id not in only:
            continue
        made, used = partner_parts(dataset, names, settings, (carried or {}).get(dataset.partner_id))
        parts += made
        if used is not None:
            thresholds[dataset.partner_id] = used
    return parts, thresholds


def assign_partner_link_ids(parts: Sequence[Sequence[RecordRef]],
                            previous: Mapping[RecordRef, str]) -> dict[RecordRef, str]:
    """Given partners' parts (``partner_parts``) and the partner link ID each record had
    before, returns the partner link ID of every record in ``parts``: one per part, kept by the
    majority of its records. ``previous`` may hold other partners' records too: their IDs are
    never reused, and parts of different partners never share an ID."""
    return assign_link_ids(parts, previous)
