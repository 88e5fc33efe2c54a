"""Linkage quality through the real path (agents `sync`, coordinator `match`, agents `links`),
at the coordinator's defaults: thresholds estimated per run, no flags.

Bounds are the figures measured with a margin for the run-to-run spread (each run makes a new
linkage secret); benchmarks/RESULTS.md has the figures, the issue's goals and which are met.
"""

from benchmarks.febrl import febrl3, febrl4
from benchmarks.synthetic import CORRUPTION_TYPES, MIN_PAIRS_FOR_SPREAD, run_synthetic


def test_febrl4_two_partners_f1_without_threshold_flags(tmp_path):
    result = febrl4(tmp_path)
    assert result.records == 10_000
    assert result.quality.f1 >= 0.995, result.lines()


def test_febrl3_one_partner_duplicates_f1_without_threshold_flags(tmp_path):
    result = febrl3(tmp_path)
    assert result.records == 5_000
    # Measured at the defaults under linkage-v2 (the default schema): precision 0.975-0.984,
    # F1 0.969-0.974 across linkage secrets (the goal, 0.98, is not met: the labelled
    # best threshold gives 0.973); this guards the estimate against falling back towards 0.82
    # (linkage-v2 under the earlier estimator).
    assert result.quality.precision >= 0.96, result.lines()
    assert result.quality.f1 >= 0.955, result.lines()


def test_synthetic_youth_quality_by_group_and_corruption(tmp_path):
    result = run_synthetic(tmp_path, youth=8000, seed=11)
    groups = [g for g, q in result.by_group.items() if q.true_pairs >= MIN_PAIRS_FOR_SPREAD]
    assert len(groups) >= 5, result.lines()
    assert result.recall_spread_points <= 3.0, result.lines()
    assert result.quality.f1 >= 0.96, result.lines()
    assert abs(result.linked_entities - result.true_entities) <= 0.02 * result.true_entities
    assert abs(result.count_error) <= 0.02, result.lines()
    assert set(result.by_corruption) == set(CORRUPTION_TYPES)
    assert all(pairs > 0 for pairs, _ in result.by_corruption.values()), result.lines()


def test_mixed_date_forms_link_as_well_as_clean_dates_and_every_enrollment_is_exported(tmp_path):
    from benchmarks.synthetic import run_date_comparison
    clean, mixed = run_date_comparison(tmp_path, youth=600, seed=3)
    for result in (clean, mixed):
        assert result.source_rows > result.records and result.exported_rows == result.source_rows
    assert abs(mixed.quality.f1 - clean.quality.f1) <= 0.01, mixed.lines() + clean.lines()
    assert abs(mixed.quality.recall - clean.quality.recall) <= 0.01, mixed.lines() + clean.lines()
