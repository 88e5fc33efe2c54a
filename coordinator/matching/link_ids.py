"""Stable anonymous link IDs: each entity keeps the ID most of its records had in the previous run."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Callable, Mapping, Sequence

__all__ = ["RecordRef", "assign_link_ids", "default_new_id"]

RecordRef = tuple[int, str]
"""(partner_id, record pseudonym): how a record is known across runs."""


def default_new_id() -> str:
    """Returns a fresh link ID: a random UUID4 string, never time-based or sequential."""
    return str(uuid.uuid4())


def assign_link_ids(
    groups: Sequence[Sequence[RecordRef]],
    previous: Mapping[RecordRef, str],
    new_id: Callable[[], str] = default_new_id,
) -> dict[RecordRef, str]:
    """Given this run's entities, the previous run's link ID of each record and a source of fresh IDs,
    returns the link ID of every record in ``groups``.

    A group reuses the previous ID held by most of its members; each previous ID goes to at most one
    group. Claims are settled greedily: larger overlap first, then the smaller ID string, then the
    group whose smallest record sorts first, so the outcome never depends on input order. A group
    left without a reusable ID gets ``new_id()`` (skipping any value already in use). Hence the same
    groups and previous IDs give the same IDs; records of unchanged entities keep theirs; a merge
    keeps the ID of its larger part; a split leaves the larger part the old ID and the rest a new one.
    Raises ``ValueError`` when a record appears in two groups, a group is empty, or ``new_id`` keeps
    returning IDs already in use.
    """
    seen: set[RecordRef] = set()
    for group in groups:
        if not group:
            raise ValueError("a group of records is empty")
        for record in group:
            if record in seen:
                raise ValueError("a record appears in more than one group")
            seen.add(record)

    group_keys = [min(group) for group in groups]
    claims = []
    for index, group in enumerate(groups):
        overlaps = Counter(previous[record] for record in group if record in previous)
        claims.extend((-overlap, link_id, group_keys[index], index) for link_id, overlap in overlaps.items())
    claims.sort(key=lambda claim: claim[:3])

    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for _, link_id, _, index in claims:
        if index not in chosen and link_id not in taken:
            chosen[index] = link_id
            taken.add(link_id)

    in_use = taken | set(previous.values())
    for index in sorted(range(len(groups)), key=group_keys.__getitem__):
        if index in chosen:
            continue
        fresh = new_id()
        for _ in range(100):
            if fresh not in in_use:
                break
            fresh = new_id()
        else:
            raise ValueError("new_id keeps returning link IDs that are already in use")
        chosen[index] = fresh
        in_use.add(fresh)
    return {record: chosen[index] for index, group in enumerate(groups) for record in group}
