"""benchmarks/pages.py at a small size: the dashboard of a city-shaped project is drawn."""

from benchmarks.pages import city_tables, report, run_pages


def test_pages_benchmark_runs_small():
    result = run_pages(2_000, repeats=1, cold_repeats=1)
    assert 0 < result["cold_seconds"] <= result["cold_charts_seconds"] <= result["cold_drawn_seconds"]
    assert 0 < result["warm_seconds"] <= result["warm_charts_seconds"] <= result["warm_drawn_seconds"]
    assert result["html_bytes"] > 10_000 and result["cold_bytes"] > result["html_bytes"]
    assert "cold cache" in report(result)
    assert sum(row["youth"]["value"] or 0 for row in city_tables(2_000)[1]["rows"]) <= 2_000
