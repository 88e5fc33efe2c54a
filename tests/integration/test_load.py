"""Load: 80 agents syncing at once to the coordinator under gunicorn (the deployment's
gunicorn.conf.py) on loopback: no request fails and every record is stored exactly once.
The full-size run is ``benchmarks/load.py``."""

from __future__ import annotations

import pytest

from benchmarks.load import report, run_load
from tests.helpers import BACKENDS, new_postgresql_schema

pytest.importorskip("gunicorn", reason="gunicorn comes with the coordinator extra")

AGENTS, RECORDS, CHUNKS, WORKERS = 80, 50, 2, 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_eighty_agents_sync_at_once_without_errors_or_duplicates(backend, request, tmp_path):
    sizes = dict(agents=AGENTS, records=RECORDS, chunks=CHUNKS, workers=WORKERS)
    if backend == "sqlite":
        result = run_load(tmp_path, f"sqlite:///{tmp_path / 'hublink.db'}", **sizes)
    else:
        with new_postgresql_schema(request.getfixturevalue("postgresql_server")) as url:
            result = run_load(tmp_path, url, **sizes)
    print(report(result, backend=backend, **sizes))
    assert result.errors == []
    assert result.requests == AGENTS * (CHUNKS + 2)
    assert len(result.stored) == AGENTS
    assert result.miscounted() == []
