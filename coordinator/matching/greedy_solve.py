"""The probabilistic greedy solver, household-aware: two groups that each hold several records
merge only on stronger evidence than a record joining a group.

This is anonlink's ``probabilistic_greedy_solve`` (anonlink 0.15, Apache-2.0; its pure-Python
reference, ``anonlink.solving._multiparty_solving_python``, gives the same groups as its native
solver) with one change. Pairs are taken in decreasing similarity; two groups A and B merge when
the pairs between them at or above the stage's threshold are at least a share of |A| x |B|:
``merge_threshold`` when A or B is a single record, as anonlink does, but ``group_merge_threshold``
when both already hold two or more. A youth's records that already agree among themselves are an
entity; so are a sibling's or a twin's. Two such entities sharing a surname, an address and (twins) a
birth date reach the stage's threshold on some of their cross pairs; half of them is not enough
evidence that they are one youth (benchmarks/RESULTS-matching.md, 13).

With ``deduplicated`` two records of one dataset never share a group. The result depends only on
the order of the pairs, which the caller fixes. The loop is compiled (numba, without the GIL):
groups are linked lists of records, the pairs seen between two groups that did not merge (yet)
are counted in one table keyed by the pair of groups, and each group lists the groups it has
counts with, so a merge moves only the absorbed group's counts.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.typed import Dict

__all__ = ["greedy_group_arrays"]


def greedy_group_arrays(lower: np.ndarray, higher: np.ndarray, datasets_lower: np.ndarray,
                        datasets_higher: np.ndarray, *, merge_threshold: float, group_merge_threshold: float,
                        deduplicated: bool) -> tuple[np.ndarray, np.ndarray]:
    """Given the pairs' records (any integer ids) and datasets, in decreasing similarity, the two
    merge shares and whether a group may hold two records of one dataset, returns the groups of two
    or more records as (starts, members): group k is ``members[starts[k]:starts[k + 1]]``, its
    records' ids (int64) in the order they joined, the groups in the order they were first made."""
    if len(lower) == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ids, dense = np.unique(np.concatenate([np.asarray(lower), np.asarray(higher)]).astype(np.int64),
                           return_inverse=True)
    dense = dense.astype(np.int64).reshape(2, -1)
    dataset_ids, dense_datasets = np.unique(
        np.concatenate([np.asarray(datasets_lower), np.asarray(datasets_higher)]).astype(np.int64),
        return_inverse=True)
    dense_datasets = dense_datasets.astype(np.int64).reshape(2, -1)
    starts, members = _solve(dense[0], dense[1], dense_datasets[0], dense_datasets[1], len(ids),
                             len(dataset_ids), float(merge_threshold), float(group_merge_threshold),
                             bool(deduplicated))
    return starts, ids[members]


@numba.njit(nogil=True, cache=True)
def _solve(lower, higher, datasets_lower, datasets_higher, records, dataset_count, merge_threshold,
           group_merge_threshold, deduplicated):
    """Returns (starts, members): group k of two or more records is ``members[starts[k]:starts[k+1]]``."""
    dataset_of = np.full(records, -1, dtype=np.int64)
    group_of = np.full(records, -1, dtype=np.int64)
    next_record = np.full(records, -1, dtype=np.int64)
    head = np.full(records, -1, dtype=np.int64)  # a group is made from at least one new record
    tail = np.full(records, -1, dtype=np.int64)
    size = np.zeros(records, dtype=np.int64)
    # the groups each group has counts with (may hold groups absorbed since: the table decides)
    neighbour = np.empty(max(16, 4 * len(lower)), dtype=np.int64)
    neighbour_next = np.empty(len(neighbour), dtype=np.int64)
    neighbour_head = np.full(records, -1, dtype=np.int64)
    edges = 0
    counts = Dict.empty(key_type=types.int64, value_type=types.int64)  # (g, h), g < h -> pairs
    has_dataset = Dict.empty(key_type=types.int64, value_type=types.boolean)  # g * datasets + d
    groups = 0

    for pair in range(len(lower)):
        first, second = lower[pair], higher[pair]
        if first == second:
            continue
        dataset_of[first], dataset_of[second] = datasets_lower[pair], datasets_higher[pair]
        first_group, second_group = group_of[first], group_of[second]
        if first_group < 0 and second_group < 0:
            if not deduplicated or dataset_of[first] != dataset_of[second]:
                group = groups
                groups += 1
                for record in (first, second):
                    _append(group, record, group_of, next_record, head, tail, size)
                    has_dataset[group * dataset_count + dataset_of[record]] = True
            continue
        if first_group < 0:
            first, second, first_group, second_group = second, first, second_group, first_group
        if second_group < 0:  # a record not seen before, against a group
            if (1 >= merge_threshold * size[first_group]
                    and (not deduplicated or (first_group * dataset_count + dataset_of[second]) not in has_dataset)):
                _append(first_group, second, group_of, next_record, head, tail, size)
                has_dataset[first_group * dataset_count + dataset_of[second]] = True
            else:
                alone = groups
                groups += 1
                _append(alone, second, group_of, next_record, head, tail, size)
                has_dataset[alone * dataset_count + dataset_of[second]] = True
                counts[_key(alone, first_group, records)] = 1
                neighbour, neighbour_next, edges = _link(alone, first_group, neighbour, neighbour_next,
                                                         neighbour_head, edges)
            continue
        if first_group == second_group:
            continue
        key = _key(first_group, second_group, records)
        overlap = counts.get(key, 0) + 1
        share = merge_threshold if min(size[first_group], size[second_group]) == 1 else group_merge_threshold
        if (overlap >= share * size[first_group] * size[second_group]
                and (not deduplicated or _disjoint(first_group, second_group, head, next_record, dataset_of,
                                                   has_dataset, dataset_count))):
            kept, absorbed = first_group, second_group
            if size[kept] < size[absorbed]:
                kept, absorbed = absorbed, kept
            if key in counts:
                del counts[key]
            record = head[absorbed]
            while record >= 0:
                group_of[record] = kept
                has_dataset[kept * dataset_count + dataset_of[record]] = True
                record = next_record[record]
            next_record[tail[kept]] = head[absorbed]
            tail[kept] = tail[absorbed]
            size[kept] += size[absorbed]
            size[absorbed] = 0
            edge = neighbour_head[absorbed]
            while edge >= 0:
                other = neighbour[edge]
                edge = neighbour_next[edge]
                old = _key(absorbed, other, records)
                if old not in counts:  # a group absorbed since, or ``kept`` (its count went above)
                    continue
                count = counts.pop(old)
                new = _key(kept, other, records)
                if new in counts:
                    counts[new] += count
                else:
                    counts[new] = count
                    neighbour, neighbour_next, edges = _link(kept, other, neighbour, neighbour_next,
                                                             neighbour_head, edges)
        else:
            if key not in counts:
                neighbour, neighbour_next, edges = _link(first_group, second_group, neighbour, neighbour_next,
                                                         neighbour_head, edges)
            counts[key] = overlap

    starts = [0]
    members = np.empty(records, dtype=np.int64)
    placed = 0
    for group in range(groups):
        if size[group] > 1:
            record = head[group]
            while record >= 0:
                members[placed] = record
                placed += 1
                record = next_record[record]
            starts.append(placed)
    return np.array(starts, dtype=np.int64), members[:placed]


@numba.njit(nogil=True, cache=True)
def _append(group, record, group_of, next_record, head, tail, size):
    group_of[record] = group
    if head[group] < 0:
        head[group] = record
    else:
        next_record[tail[group]] = record
    tail[group] = record
    size[group] += 1


@numba.njit(nogil=True, cache=True)
def _key(first, second, records):
    return min(first, second) * records + max(first, second)


@numba.njit(nogil=True, cache=True)
def _link(first, second, neighbour, neighbour_next, neighbour_head, edges):
    """Lists each group among the other's neighbours; returns the (maybe grown) edge arrays."""
    if edges + 2 > len(neighbour):
        grown, grown_next = np.empty(2 * len(neighbour), dtype=np.int64), np.empty(2 * len(neighbour), dtype=np.int64)
        grown[:edges], grown_next[:edges] = neighbour[:edges], neighbour_next[:edges]
        neighbour, neighbour_next = grown, grown_next
    for group, other in ((first, second), (second, first)):
        neighbour[edges] = other
        neighbour_next[edges] = neighbour_head[group]
        neighbour_head[group] = edges
        edges += 1
    return neighbour, neighbour_next, edges


@numba.njit(nogil=True, cache=True)
def _disjoint(first, second, head, next_record, dataset_of, has_dataset, dataset_count):
    """Whether no record of group ``second`` shares a dataset with group ``first``."""
    record = head[second]
    while record >= 0:
        if (first * dataset_count + dataset_of[record]) in has_dataset:
            return False
        record = next_record[record]
    return True
