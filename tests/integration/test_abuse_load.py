"""Load and abuse, small: honest agents sync under gunicorn while a hostile partner floods;
every honest sync completes, the flood is refused cheaply and audited in aggregate.
The full-size run (80 agents, p95 and memory figures) is ``benchmarks/abuse.py``."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from benchmarks.abuse import abuse_report, run_abuse
from tests.helpers import new_postgresql_schema

pytest.importorskip("gunicorn", reason="gunicorn comes with the coordinator extra")


def test_honest_syncs_complete_while_a_hostile_partner_floods(tmp_path, request):
    server = request.getfixturevalue("postgresql_server")

    @contextmanager
    def database_url(home):
        home.mkdir(parents=True, exist_ok=True)
        with new_postgresql_schema(server) as url:
            yield url

    sizes = dict(agents=12, records=40, chunks=2, workers=2)
    result = run_abuse(tmp_path, database_url, flooders=2, minimum_requests=40,
                       settings={"HUBLINK_FAILED_AUTH_PER_MINUTE": "10"}, **sizes)
    print(abuse_report(result, backend="postgresql", **sizes))
    assert result.quiet.errors == [] and result.flooded.errors == []
    assert result.flooded.miscounted() == [] and len(result.flooded.stored) == 13
    statuses = result.flood.statuses
    assert 1 <= statuses[401] <= 10 * 2 and statuses[429] > 20  # blocked, not just refused
    assert statuses[201] == 4  # the open-sync quota
    assert result.audit_entries["auth_failed"] <= 10 * 2  # per address (and worker) a minute
    assert result.audit_entries.get("auth_blocked", 0) >= 1
    assert result.flood.peak_rss_bytes < 2 * 1024 ** 3
