"""Past a budget of candidate pairs, each record keeps its most similar candidates: the rule against
its definition, applied as parts arrive against once to the whole, and through the engine's paths."""

from __future__ import annotations

import numpy as np
import pytest

from hublink.coordinator.matching.blocking import BlockingSettings, byte_columns, sample_bit_positions
from hublink.coordinator.matching.compare import compare_blocks
from hublink.coordinator.matching.dice_kernel import row_popcounts
from hublink.coordinator.matching.record_cap import best_per_record
from hublink.coordinator.matching.records import PartnerClks, pack_datasets
from hublink.coordinator.matching import table_tasks
from hublink.coordinator.matching.table_tasks import CollectedTables
from tests.helpers import candidate_pairs


def _random_pairs(generator: np.random.Generator, rows: int, count: int) -> tuple[np.ndarray, ...]:
    """Distinct pairs of ``rows`` rows, similarities from few values (many ties)."""
    lower = generator.integers(0, rows - 1, count * 2)
    higher = lower + generator.integers(1, rows, count * 2)
    valid = higher < rows
    keys = np.unique((lower[valid] << 32) | higher[valid])[:count]
    generator.shuffle(keys)
    similarities = generator.integers(50, 100, len(keys)) / 100
    return similarities, (keys >> 32).astype(np.uint32), (keys & 0xFFFFFFFF).astype(np.uint32)


def _by_definition(similarities, lower, higher, rows: int, per_record: int) -> np.ndarray:
    """A pair is kept when its similarity is at least the K-th highest of either row's pairs."""
    kth = np.zeros(rows)
    for row in range(rows):
        own = np.sort(similarities[(lower == row) | (higher == row)])[::-1]
        if len(own) >= per_record:
            kth[row] = own[per_record - 1]
    return (similarities >= kth[lower]) | (similarities >= kth[higher])


@pytest.mark.parametrize("per_record", [1, 3, 8])
def test_each_record_keeps_its_k_most_similar_pairs_and_ties(per_record):
    generator = np.random.default_rng(per_record)
    similarities, lower, higher = _random_pairs(generator, 300, 4_000)
    keep = best_per_record(similarities, lower, higher, 300, per_record)
    assert np.array_equal(keep, _by_definition(similarities, lower, higher, 300, per_record))
    assert 0 < keep.sum() < len(keep)
    kept_per_row = np.bincount(lower[keep], minlength=300) + np.bincount(higher[keep], minlength=300)
    assert kept_per_row.min() >= min(per_record, 1)  # every row with a pair keeps its best


def test_a_record_with_few_pairs_keeps_them_all():
    similarities, lower, higher = np.array([0.6, 0.9]), np.array([0, 0], np.uint32), np.array([1, 2], np.uint32)
    assert best_per_record(similarities, lower, higher, 3, 3).all()
    with pytest.raises(ValueError):
        best_per_record(similarities, lower, higher, 3, 0)


@pytest.mark.parametrize("distinct", [True, False])
def test_capping_as_tables_arrive_gives_the_pairs_of_capping_once(distinct):
    """Parts capped as they arrive (over a small budget), then the whole once more: exactly the
    pairs of the rule applied to every pair at the end, also when a pair comes in several parts."""
    generator = np.random.default_rng(7)
    rows = 400
    similarities, lower, higher = _random_pairs(generator, rows, 20_000)
    expected = best_per_record(similarities, lower, higher, rows)  # the default 32 per record
    assert expected.sum() < len(expected)
    collected = CollectedTables(rows, distinct, budget=5_000, merge_after=1_000)
    cuts = np.sort(generator.choice(np.arange(1, len(similarities)), 30, replace=False))
    for part in np.split(np.arange(len(similarities)), cuts):
        if not distinct:  # some pairs again, as another table finds them
            part = np.concatenate([part, generator.choice(len(similarities), len(part) // 3)])
        collected.add((similarities[part], lower[part], higher[part], len(part), 0))
        assert collected.kept + collected.pending <= 5_000 + 2 * max(1_000, collected.kept) + len(part)
    assert collected.capped
    held = [np.concatenate(column) for column in zip(*collected.parts)]
    if not distinct:
        keys = np.unique((held[1].astype(np.int64) << 32) | held[2])
        held[1], held[2] = (keys >> 32), (keys & 0xFFFFFFFF)
        lookup = dict(zip(((lower.astype(np.int64) << 32) | higher).tolist(), similarities.tolist()))
        held[0] = np.array([lookup[key] for key in keys.tolist()])
    final = best_per_record(*held, rows)
    got = set(zip(held[1][final].tolist(), held[2][final].tolist()))
    assert got == set(zip(lower[expected].tolist(), higher[expected].tolist()))


def test_below_the_budget_nothing_is_capped():
    generator = np.random.default_rng(3)
    similarities, lower, higher = _random_pairs(generator, 400, 20_000)
    collected = CollectedTables(400, True, budget=20_000, merge_after=1_000)
    for part in np.array_split(np.arange(len(similarities)), 10):
        collected.add((similarities[part], lower[part], higher[part], len(part), 0))
    assert not collected.capped and sum(len(part[0]) for part in collected.parts) == len(similarities)


@pytest.fixture(scope="module")
def matrix(realistic_population):
    _, packed = realistic_population
    cut = 900 * 128
    return pack_datasets([PartnerClks(1, packed[:cut], 128), PartnerClks(2, packed[cut:], 128)])


def test_every_path_over_the_budget_keeps_each_records_best(matrix):
    """Threads and worker processes over a budget give the same candidates: the uncapped run's
    pairs that are among either record's 32 most similar, in the same order."""
    blocking = BlockingSettings(strategy="lsh", tables=12, bits_per_table=6)
    uncapped = compare_blocks(matrix, 0.5, blocking)
    similarities, datasets, records = uncapped.candidates
    rows = [matrix.offsets[np.asarray(dataset)] + np.asarray(record) for dataset, record in zip(datasets, records)]
    keep = best_per_record(similarities, rows[0], rows[1], matrix.record_count)
    assert keep.sum() < 0.97 * len(keep)  # the cap matters here
    expected = {pair: similarity for (pair, similarity), kept in zip(candidate_pairs(uncapped).items(), keep) if kept}
    budget = uncapped.candidate_count - 1
    threaded = compare_blocks(matrix, 0.5, blocking, candidate_budget=budget)
    parallel = compare_blocks(matrix, 0.5, blocking, processes=2, task_comparisons=20_000, candidate_budget=budget)
    for capped in (threaded, parallel):
        assert candidate_pairs(capped) == expected
        assert list(candidate_pairs(capped)) == list(expected)  # the same order
        assert capped.comparisons == uncapped.comparisons
    at_budget = compare_blocks(matrix, 0.5, blocking, processes=2, candidate_budget=uncapped.candidate_count)
    assert candidate_pairs(at_budget) == candidate_pairs(uncapped)


def test_capping_while_tables_arrive_on_worker_processes_gives_the_rule_applied_once(matrix, monkeypatch):
    """Capped while tables arrive, with the K-th similarities shared with the worker processes
    (whether a worker reads them before it finishes depends on timing): the result is the rule
    applied once."""
    blocking = BlockingSettings(strategy="lsh", tables=12, bits_per_table=6)
    uncapped = compare_blocks(matrix, 0.5, blocking)
    budget = uncapped.candidate_count // 3
    monkeypatch.setattr(table_tasks, "MERGE_AFTER", 200)
    collected = table_tasks.compare_tables_in_pool(matrix, 0.5, blocking, 2, None, 2_048, 20_000, budget)
    assert collected.capped and collected.distinct
    assert collected.kept + collected.pending < uncapped.candidate_count
    capped = compare_blocks(matrix, 0.5, blocking, processes=2, task_comparisons=20_000, candidate_budget=budget)
    similarities, datasets, records = uncapped.candidates
    rows = [matrix.offsets[np.asarray(dataset)] + np.asarray(record) for dataset, record in zip(datasets, records)]
    keep = best_per_record(similarities, rows[0], rows[1], matrix.record_count)
    assert list(candidate_pairs(capped).items()) == [item for item, kept in zip(candidate_pairs(uncapped).items(), keep) if kept]


def test_a_worker_drops_the_pairs_below_both_rows_shared_similarities(matrix):
    """What a worker process sends: its table's pairs, less those below both rows' K-th
    similarity so far (the shared array; 0 keeps every pair)."""
    blocking = BlockingSettings(strategy="lsh", tables=4, bits_per_table=6)
    columns = byte_columns(matrix)
    positions = sample_bit_positions(matrix.rows.shape[1] * 8, blocking)[0]
    ones = row_popcounts(matrix.rows)
    arguments = (positions, blocking, 0.5, 2_048, 20_000)
    whole = table_tasks.compare_table(matrix.rows, columns, ones, *arguments)
    nothing_yet = table_tasks._table_in_pool(matrix.rows, columns, ones, np.zeros(matrix.record_count), None, *arguments)
    assert all(np.array_equal(left, right) for left, right in zip(whole[:3], nothing_yet[:3]))
    lowest = np.random.default_rng(2).uniform(0.5, 0.9, matrix.record_count)
    sent = table_tasks._table_in_pool(matrix.rows, columns, ones, lowest, None, *arguments)
    similarities, lower, higher = whole[:3]
    kept = (similarities >= lowest[lower]) | (similarities >= lowest[higher])
    assert 0 < kept.sum() < len(kept)
    assert all(np.array_equal(column[kept], part) for column, part in zip(whole[:3], sent[:3]))
    assert sent[3:] == whole[3:]  # the same comparisons and split blocks
