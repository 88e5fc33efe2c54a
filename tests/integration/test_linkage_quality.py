"""Linkage quality through the real path (agents `sync`, coordinator `match`, agents `links`),
at the coordinator's defaults: thresholds estimated per run, no flags.

Bounds are the figures measured with a margin for a regression: the FEBRL, synthetic and city
runs use the benchmark's fixed secret, so their figures repeat (the spread over secrets is
recorded beside each test); the clean and mixed-date runs share one secret, so only the dates
differ. benchmarks/RESULTS.md has the figures, the issue's goals and which are met.
"""

import pytest

from benchmarks.febrl import febrl3_frames, febrl3, febrl4, match_febrl_in_engine, numbered_secret
from benchmarks.realistic_clks import BENCHMARK_SECRET
from benchmarks.synthetic import CORRUPTION_TYPES, MIN_PAIRS_FOR_SPREAD, run_synthetic


def test_febrl4_two_partners_f1_without_threshold_flags(tmp_path):
    # Under the benchmark's fixed secret: 0.9960 with the across margin at 1.75 random-pair spreads
    # above the floor, 0.9971 at 1.0 (MATCHES_ONLY_SPREADS); over ten numbered secrets 0.9959-0.9971
    # at 1.75, 0.9972-0.9983 at 1.0 (benchmarks/threshold_headroom.py --secrets 10). The issue asks
    # 0.995; the floor here is the margin's gain, which the old margin fails.
    result = febrl4(tmp_path, secret=BENCHMARK_SECRET)
    assert result.records == 10_000
    assert result.quality.f1 >= 0.9965, result.lines()


def test_febrl3_one_partner_duplicates_f1_without_threshold_flags(tmp_path):
    result = febrl3(tmp_path, secret=BENCHMARK_SECRET)
    assert result.records == 5_000
    # Measured at the defaults (linkage-v3, merge threshold 0.5, 3.0 spreads above the floor)
    # over ten numbered secrets: F1 0.9783-0.9836, precision 0.984-0.989, nine of ten at or above
    # the 0.98 (benchmarks/febrl.py --secrets 10; at 2.5 spreads 0.974-0.983, with merge
    # 0.8 0.968-0.973, and 0.81-0.91 under four before LOOK_ALIKE_SHARE). Floors a margin below.
    assert result.quality.precision >= 0.975, result.lines()
    assert result.quality.f1 >= 0.975, result.lines()


@pytest.mark.parametrize("number", [1, 3, 8])
def test_febrl3_estimate_holds_under_secrets_that_once_found_a_valley_in_the_duplicates_tail(tmp_path, number):
    # Under these three of ten numbered secrets the within-partner stage read a gap in the
    # duplicates' sparse lower tail as a valley, took 0.713 / 0.717 / 0.756 and F1 fell to
    # 0.891 / 0.886 / 0.808. A valley now needs LOOK_ALIKE_SHARE of the pairs below it: all ten
    # take matches only, 0.636-0.648, and give 0.9783-0.9836 (these three 0.9814 / 0.9783 /
    # 0.9825) with the solver's merge threshold 0.5 (benchmarks/febrl.py --secrets 10).
    result = match_febrl_in_engine("FEBRL3", febrl3_frames(), tmp_path, numbered_secret(number))
    assert result.quality.f1 >= 0.975, result.lines()
    assert "within 0.6" in result.thresholds and "(matches_only)" in result.thresholds, result.lines()


def test_synthetic_youth_quality_by_group_and_corruption(tmp_path):
    # under the benchmark's fixed secret, so that the figures repeat: a new secret per run moved
    # the spread by 3 points (5.4-8.2 measured) and the test failed one run in three
    result = run_synthetic(tmp_path, youth=8000, seed=11, secret=BENCHMARK_SECRET)
    groups = [g for g, q in result.by_group.items() if q.true_pairs >= MIN_PAIRS_FOR_SPREAD]
    assert len(groups) >= 5, result.lines()
    # Measured 2026-12-03 (linkage-v3, merge threshold 0.5): spread 1.42 points (Multiracial
    # 0.980, Asian 0.994), F1 0.9825, count -0.32%. With merge 0.8: 4.63 points, F1 0.9816,
    # count +0.33%; under linkage-v2 6.60 points (4.7 and 5.9 under two random secrets).
    assert result.recall_spread_points <= 2.5, result.lines()
    assert result.quality.f1 >= 0.975, result.lines()
    assert abs(result.count_error) <= 0.01, result.lines()
    assert set(result.by_corruption) == set(CORRUPTION_TYPES)
    assert all(pairs > 0 for pairs, _ in result.by_corruption.values()), result.lines()


def test_mixed_date_forms_link_as_well_as_clean_dates_and_every_enrollment_is_exported(tmp_path):
    from benchmarks.synthetic import run_date_comparison
    # Under the benchmark's fixed secret, so that the figures repeat. Under a new secret per run,
    # 8 of 10 runs gave identical F1 and the others differed by 0.001 and 0.009 (2026-12-06), and
    # one CI run by 0.019: the dates that "auto" reads otherwise change some CLKs,
    # and at 600 youth that moves the estimated thresholds past a cluster of look-alike pairs
    # (clean F1 0.978-0.996 over those secrets, mixed the same range). This test is about the
    # dates, not about that.
    clean, mixed = run_date_comparison(tmp_path, youth=600, seed=3, secret=BENCHMARK_SECRET)
    for result in (clean, mixed):
        assert result.source_rows > result.records and result.exported_rows == result.source_rows
    assert abs(mixed.quality.f1 - clean.quality.f1) <= 0.01, mixed.lines() + clean.lines()
    assert abs(mixed.quality.recall - clean.quality.recall) <= 0.01, mixed.lines() + clean.lines()


# City structure at a small size: the generator's six partners dealt out to 12 datasets,
# encoded by the agent's code under the benchmark's fixed secret (so the figures are
# deterministic), matched by match_partners at its defaults. Floors: the figures measured on
# this branch (benchmarks/RESULTS-matching.md, "Linkage quality by corruption type") less a
# margin of 0.02, so a change that makes any of them worse fails here.
# Measured 2026-12-03 on linkage-v3 with the solver's merge threshold 0.5 (the default since;
# benchmarks/RESULTS-matching.md §9): F1 0.9745, count -0.69%, group spread 1.27 points; per type
# below (-0.02, rounded down). With 0.8: F1 0.9781, count -0.04%, spread 1.56, swapped names
# 0.960, nickname 0.919, typo 0.907, surname change 0.679, given name form 0.895.
# linkage-v2 (merge 0.8): F1 0.9710, count +0.61%, swapped names 0.846: linkage-v3 trades
# surname change, typo and given-name-form recall for swapped names (benchmarks/RESULTS-matching.md §7).
CITY_FLOORS = {"f1": 0.958, "count_error": 0.025}
CORRUPTION_FLOORS: dict[str, float] = {
    "swapped name order": 0.96, "nickname": 0.91, "compound surname form": 0.96,
    "day/month swap": 0.86, "typo": 0.90, "moved": 0.94, "surname change": 0.71,
    "missing field": 0.96, "transliteration": 0.98, "given name form": 0.95,
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
