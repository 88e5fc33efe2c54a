"""Every benchmark script runs, at a small size, as its users run it (``python benchmarks/X.py``),
so that none can rot unnoticed again (``realistic_clks.py`` once did, for months).

A new script under benchmarks/ fails ``test_every_benchmark_script_is_run_here`` until it gets a
small-size command below (or, for a library of other benchmarks, a note in ``COVERED_ELSEWHERE``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SMALL_RUNS = {
    "agent_memory.py": ["--rows", "3000", "--chunk-rows", "1000"],
    "agent_sync_memory.py": ["--rows", "2000"],
    "blocking.py": ["--youth", "400", "--full", "40x10,100x20"],
    "bridge_attack.py": ["--youth", "400", "--datasets", "10", "--crafted", "20"],
    "dask_cluster.py": ["--youth", "400", "--partners", "10"],
    "encode.py": ["--records", "400", "--repeat", "1"],
    "febrl.py": ["--secrets", "1"],  # the pipeline runs are tests/integration/test_linkage_quality.py
    "growth.py": ["--youth", "400", "--partners", "10", "--sizes", "300,1500"],
    "incremental.py": ["--youth", "400", "--partners", "10", "--changed", "0.1"],
    "kernel.py": ["--youth", "600", "--rounds", "1"],
    "publish.py": ["--records", "2000", "--partners", "5"],
    "load.py": ["--agents", "3", "--records", "30", "--workers", "1", "--backend", "sqlite"],
    "scale.py": ["--youth", "400", "--partners", "10"],
    "synthetic.py": ["--youth", "300"],
    "threshold_headroom.py": ["--secrets", "1", "--cities", "400/10/11"],
}
COVERED_ELSEWHERE = {
    "__init__.py": "not a script",
    "abuse.py": "its small version is tests/integration/test_abuse_load.py",
    "process_usage.py": "the CPU and memory figures of growth.py, kernel.py and scale.py",
    "realistic_clks.py": "the CLKs of blocking.py, incremental.py, kernel.py and scale.py",
    "attack.py": "its small version is tests/agent/test_attack.py",
    "pattern_attack.py": "the attack that attack.py runs",
    "pattern_mining.py": "the attack's first step, pattern_attack.py's",
    "pages.py": "its small version is tests/browser/test_pages_benchmark.py (needs Chromium)",
}


def test_every_benchmark_script_is_run_here():
    scripts = {path.name for path in (ROOT / "benchmarks").glob("*.py")}
    assert scripts == set(SMALL_RUNS) | set(COVERED_ELSEWHERE)


@pytest.mark.parametrize("script", sorted(SMALL_RUNS))
def test_benchmark_runs_at_a_small_size(script, tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *SMALL_RUNS[script]],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert result.stdout.strip()
