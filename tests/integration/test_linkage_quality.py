"""Linkage quality through the real path (agents `sync`, coordinator `match`, agents `links`),
at the coordinator's defaults: thresholds estimated per run, no flags.

Bounds are the figures measured with a margin for a regression: the FEBRL, synthetic and city
runs use the benchmark's fixed secret, so their figures repeat (the spread over secrets is
recorded beside each test); the clean and mixed-date runs share one secret, so only the dates
differ. benchmarks/RESULTS.md has the figures, the issue's goals and which are met.
"""

from benchmarks.febrl import febrl3, febrl4
from benchmarks.realistic_clks import BENCHMARK_SECRET
from benchmarks.synthetic import CORRUPTION_TYPES, MIN_PAIRS_FOR_SPREAD, run_synthetic


def test_febrl4_two_partners_f1_without_threshold_flags(tmp_path):
    # Under the benchmark's fixed secret (linkage-v3: 0.9960 in the engine): over nine secrets
    # linkage-v3 gave 0.9948-0.9964 (three below the 0.995), linkage-v2 0.9962-0.9971
    # (docs/linkage-schema.md, "linkage-v3"), so a new secret per run would fail one run in three.
    result = febrl4(tmp_path, secret=BENCHMARK_SECRET)
    assert result.records == 10_000
    assert result.quality.f1 >= 0.995, result.lines()


def test_febrl3_one_partner_duplicates_f1_without_threshold_flags(tmp_path):
    result = febrl3(tmp_path, secret=BENCHMARK_SECRET)
    assert result.records == 5_000
    # Measured at the defaults under linkage-v3 (the default): F1 0.9705, precision 0.9933
    # under this secret; 0.970-0.976, precision 0.989-0.995 over eight secrets in the engine
    # (linkage-v2: 0.969-0.974, and 0.900 under one secret, threshold 0.731). The goal,
    # 0.98, is not met; this guards the estimate against falling back towards 0.82 (linkage-v2
    # under the earlier estimator).
    assert result.quality.precision >= 0.96, result.lines()
    assert result.quality.f1 >= 0.955, result.lines()


def test_synthetic_youth_quality_by_group_and_corruption(tmp_path):
    # under the benchmark's fixed secret, so that the figures repeat: a new secret per run moved
    # the spread by 3 points (5.4-8.2 measured) and the test failed one run in three
    result = run_synthetic(tmp_path, youth=8000, seed=11, secret=BENCHMARK_SECRET)
    groups = [g for g, q in result.by_group.items() if q.true_pairs >= MIN_PAIRS_FOR_SPREAD]
    assert len(groups) >= 5, result.lines()
    # 4.63 points measured 2026-12-02 under linkage-v3 (Multiracial recall 0.948, Asian 0.994),
    # F1 0.9816, count +0.33%; under linkage-v2 6.60 points (4.7 and 5.9 under two random
    # secrets), F1 0.9737, count +0.11%. The 2 points is not met.
    assert result.recall_spread_points <= 5.5, result.lines()
    assert result.quality.f1 >= 0.97, result.lines()
    assert abs(result.count_error) <= 0.01, result.lines()
    assert set(result.by_corruption) == set(CORRUPTION_TYPES)
    assert all(pairs > 0 for pairs, _ in result.by_corruption.values()), result.lines()


def test_mixed_date_forms_link_as_well_as_clean_dates_and_every_enrollment_is_exported(tmp_path):
    from benchmarks.synthetic import run_date_comparison
    clean, mixed = run_date_comparison(tmp_path, youth=600, seed=3)
    for result in (clean, mixed):
        assert result.source_rows > result.records and result.exported_rows == result.source_rows
    assert abs(mixed.quality.f1 - clean.quality.f1) <= 0.01, mixed.lines() + clean.lines()
    assert abs(mixed.quality.recall - clean.quality.recall) <= 0.01, mixed.lines() + clean.lines()


# City structure at a small size: the generator's six partners dealt out to 12 datasets,
# encoded by the agent's code under the benchmark's fixed secret (so the figures are
# deterministic), matched by match_partners at its defaults. Floors: the figures measured on
# this branch (benchmarks/RESULTS-matching.md, "Linkage quality by corruption type") less a
# margin of 0.02, so a change that makes any of them worse fails here.
# Measured 2026-12-02 on linkage-v3 (the default; docs/linkage-schema.md, "linkage-v3"):
# F1 0.9781, count -0.04%, group spread 1.56 points; per type below (+0.02, rounded down).
# linkage-v2 on the same data: F1 0.9710, count +0.61%, swapped names 0.846 (floor 0.82),
# nickname 0.946, typo 0.943, surname change 0.811, given name form 0.974: linkage-v3 trades
# surname change, typo and given-name-form recall for swapped names (benchmarks/RESULTS-matching.md §7).
CITY_FLOORS = {"f1": 0.958, "count_error": 0.025}
CORRUPTION_FLOORS: dict[str, float] = {
    "swapped name order": 0.93, "nickname": 0.89, "compound surname form": 0.95,
    "day/month swap": 0.86, "typo": 0.88, "moved": 0.93, "surname change": 0.65,
    "missing field": 0.95, "transliteration": 0.98, "given name form": 0.87,
}


def test_city_quality_and_recall_by_corruption_type_at_small_size(tmp_path):
    from benchmarks.realistic_clks import load_realistic_clks, split_partners
    from benchmarks.scale import city_quality
    from hublink.coordinator.matching import match_partners

    data = split_partners(load_realistic_clks(3000, 11, cache_dir=tmp_path), 12)
    quality = city_quality(data, match_partners(data.partner_clks()))
    lines = quality.lines()
    assert set(quality.by_corruption) == set(CORRUPTION_TYPES), lines
    assert all(pairs >= 10 for pairs, _ in quality.by_corruption.values()), lines
    assert quality.quality.f1 >= CITY_FLOORS["f1"], lines
    assert abs(quality.count_error) <= CITY_FLOORS["count_error"], lines
    for kind, floor in CORRUPTION_FLOORS.items():
        assert quality.corruption_recall(kind) >= floor, (kind, lines)
