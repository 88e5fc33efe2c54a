"""Incremental matching gives the entities a full run gives on the same data."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hublink.coordinator.matching import BlockingSettings, MatchSettings, PartnerClks, match_partners
from hublink.coordinator.matching.incremental import carry_over, component_labels, match_changes
from hublink.coordinator.matching.records import pack_datasets

CLK_BYTES = 128


def _datasets(records: dict[tuple[int, str], bytes]) -> tuple[list[tuple[int, str]], list[PartnerClks]]:
    """Packs records as a run does: partners by id, pseudonyms sorted."""
    keys = sorted(records)
    datasets = []
    for partner in sorted({partner for partner, _ in keys}):
        mine = [key for key in keys if key[0] == partner]
        datasets.append(PartnerClks(partner, b"".join(records[key] for key in mine), CLK_BYTES))
    return keys, datasets


def _partition(keys, groups, datasets) -> set[frozenset]:
    offsets = np.cumsum([0] + [dataset.record_count for dataset in datasets])
    return {frozenset(keys[offsets[dataset] + record] for dataset, record in group) for group in groups}


@pytest.fixture(scope="module")
def population(realistic_population) -> list[bytes]:
    _, packed = realistic_population
    return [packed[index:index + CLK_BYTES] for index in range(0, len(packed), CLK_BYTES)]


@pytest.mark.parametrize("strategy", ["all_pairs", "lsh"])
def test_incremental_equals_a_full_run_on_the_same_data(population, strategy):
    settings = MatchSettings(blocking=BlockingSettings(strategy=strategy))
    generator = np.random.default_rng(3)
    before = {(1 + index % 3, f"record-{index:05d}"): population[index] for index in range(1_800)}
    old_keys, old_datasets = _datasets(before)
    old = match_partners(old_datasets, settings)
    entity_of = {key: number for number, group in enumerate(_partition(old_keys, old.groups, old_datasets))
                 for key in group}

    after = dict(before)
    for index in generator.choice(1_800, size=20, replace=False):  # deleted
        after.pop((1 + index % 3, f"record-{index:05d}"), None)
    for offset, index in enumerate(generator.choice(1_800, size=20, replace=False)):  # changed
        after[(1 + index % 3, f"record-{index:05d}")] = population[1_800 + offset]
    for index in range(1_850, 2_000):  # added: many are duplicates of earlier records
        after[(1 + index % 3, f"record-{index:05d}")] = population[index]
    keys, datasets = _datasets(after)
    # An incremental run carries the thresholds the state's run estimated (jobs.carried_thresholds):
    # the full run it must equal links with the same ones.
    settings = replace(settings, threshold=old.thresholds[0], within_threshold=old.thresholds[1])
    full = match_partners(datasets, settings)

    matrix = pack_datasets(datasets)
    old_rows = pack_datasets(old_datasets).rows
    known, carried = carry_over(old_keys, old_rows, keys, matrix.rows)
    assert (known >= 0).sum() == 1_780
    changed = np.flatnonzero(carried < 0)
    assert 150 <= len(changed) <= 190
    result = match_changes(matrix, changed, old.graph, len(old_rows), carried, settings)

    affected = set(result.affected.tolist())
    assert set(changed.tolist()) <= affected and len(affected) < len(keys) / 2
    kept: dict[int, set] = {}
    for row, key in enumerate(keys):
        if row not in affected:
            kept.setdefault(entity_of[key], set()).add(key)
    incremental = {frozenset(group) for group in kept.values()} | _partition(keys, result.groups, datasets)
    assert incremental == _partition(keys, full.groups, datasets)
    # the graph left for the next run is the full run's candidate graph
    def pairs(graph):
        return sorted(zip(graph.lower.tolist(), graph.higher.tolist(), graph.similarities.tolist()))
    assert pairs(result.graph) == pairs(full.graph)


def test_component_labels_follow_chains():
    labels = component_labels(7, np.array([5, 0, 3]), np.array([6, 2, 5])).tolist()
    assert labels[0] == labels[2] and labels[3] == labels[5] == labels[6]
    assert len({labels[0], labels[1], labels[3], labels[4]}) == 4
