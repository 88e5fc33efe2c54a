"""Stable link IDs: unchanged entities keep theirs, merges keep one, splits get a new one, new IDs are random."""

from __future__ import annotations

import itertools
import uuid

import pytest

from hublink.coordinator.matching.link_ids import assign_link_ids, default_new_id


def _entities(ids: dict) -> set[frozenset]:
    by_id: dict[str, set] = {}
    for record, link_id in ids.items():
        by_id.setdefault(link_id, set()).add(record)
    return {frozenset(records) for records in by_id.values()}


GROUPS = [[(1, "a1"), (2, "b1")], [(1, "a2")], [(1, "a3"), (1, "a4"), (3, "c1")], [(2, "b2"), (3, "c2")]]


def test_first_run_gives_each_entity_one_fresh_id():
    ids = assign_link_ids(GROUPS, previous={})
    assert set(ids) == {record for group in GROUPS for record in group}
    assert _entities(ids) == {frozenset(group) for group in GROUPS}


def test_same_groups_and_previous_ids_give_identical_ids_in_any_order():
    previous = assign_link_ids(GROUPS, previous={})
    again = assign_link_ids(GROUPS, previous)
    shuffled = assign_link_ids([list(reversed(group)) for group in reversed(GROUPS)], previous)
    assert again == previous and shuffled == previous


def test_resync_with_a_few_changed_records_keeps_every_unaffected_id():
    previous = assign_link_ids(GROUPS, previous={})
    # partner 3 re-syncs: c2 is gone, c3 is new and matches partner 1's a2
    groups = [[(1, "a1"), (2, "b1")], [(1, "a2"), (3, "c3")], [(1, "a3"), (1, "a4"), (3, "c1")], [(2, "b2")]]
    ids = assign_link_ids(groups, previous)
    for record in [(1, "a1"), (2, "b1"), (1, "a2"), (1, "a3"), (1, "a4"), (3, "c1"), (2, "b2")]:
        assert ids[record] == previous[record]
    assert ids[(3, "c3")] == previous[(1, "a2")]


def test_merge_keeps_the_id_of_the_larger_part():
    previous = {(1, "a"): "id-big", (2, "b"): "id-big", (3, "c"): "id-small"}
    ids = assign_link_ids([[(1, "a"), (2, "b"), (3, "c")]], previous)
    assert set(ids.values()) == {"id-big"}


def test_tied_merge_is_broken_by_the_id_string():
    previous = {(1, "a"): "id-z", (2, "b"): "id-a"}
    assert set(assign_link_ids([[(1, "a"), (2, "b")]], previous).values()) == {"id-a"}
    assert set(assign_link_ids([[(2, "b"), (1, "a")]], previous).values()) == {"id-a"}


def test_split_leaves_the_larger_part_the_old_id_and_the_rest_a_new_one():
    previous = {(1, "a"): "id-1", (2, "b"): "id-1", (3, "c"): "id-1"}
    ids = assign_link_ids([[(3, "c")], [(1, "a"), (2, "b")]], previous)
    assert ids[(1, "a")] == ids[(2, "b")] == "id-1"
    assert ids[(3, "c")] != "id-1"


def test_an_id_goes_to_one_group_and_the_loser_takes_its_next_best():
    previous = {(1, "a"): "id-1", (1, "b"): "id-1", (2, "c"): "id-1", (2, "d"): "id-2"}
    ids = assign_link_ids([[(1, "a"), (1, "b")], [(2, "c"), (2, "d")]], previous)
    assert ids[(1, "a")] == "id-1" and ids[(2, "c")] == "id-2"


def test_new_ids_are_random_uuid4s_not_sequential():
    ids = [default_new_id() for _ in range(50)]
    parsed = [uuid.UUID(value) for value in ids]
    assert all(value.version == 4 for value in parsed)
    assert len(set(ids)) == 50
    numbers = [value.int for value in parsed]
    assert numbers != sorted(numbers)
    fresh = assign_link_ids([[(1, str(index))] for index in range(20)], previous={})
    assert all(uuid.UUID(value).version == 4 for value in fresh.values())


def test_fresh_ids_never_reuse_an_id_in_use():
    counter = itertools.count()
    scripted = iter(["id-old", "id-old", "fresh"])
    ids = assign_link_ids([[(1, "a")], [(1, "b")]], {(1, "a"): "id-old", (9, "gone"): "id-gone"},
                          new_id=lambda: next(scripted, f"other-{next(counter)}"))
    assert ids == {(1, "a"): "id-old", (1, "b"): "fresh"}


def test_a_record_in_two_groups_is_refused():
    with pytest.raises(ValueError):
        assign_link_ids([[(1, "a")], [(1, "a"), (2, "b")]], previous={})
