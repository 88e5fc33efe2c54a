"""A nightly sync of one partner, re-linked incrementally, against a full run on the same data.

The city of ``benchmarks/scale.py`` (realistic CLKs dealt out to 84 partners) is stored in a fresh
coordinator home (SQLite, CLKs sealed as a commit seals them) and matched once in full. Then one
partner's sync changes ``--changed`` of its records (a third each: new CLKs for existing
records, deleted records, new records) and, in one run of this script, back to back:

1. ``run_match`` as the operator's ``match`` runs it: incremental;
2. ``run_match(full=True)`` on the same data (``match --full``), at the thresholds the
   incremental run carried: a full run re-estimates them, and what a re-estimate moves is the
   documented difference between the two (docs/matching.md), not what this compares.

Both are timed end to end (load, match, write the links, keep the state). The incremental run
must take under 5% of the full one, and the two must give the same links.

    .venv/bin/python benchmarks/incremental.py [--youth 180000] [--partners 84] [--changed 0.01]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, select  # noqa: E402

from benchmarks.realistic_clks import CLK_BYTES, load_realistic_clks, split_partners  # noqa: E402
from hublink.coordinator.home import CoordinatorHome  # noqa: E402
from hublink.coordinator.jobs.match_run import run_match  # noqa: E402
from hublink.coordinator.matching import MatchSettings  # noqa: E402
from hublink.coordinator.registry import init_project  # noqa: E402
from hublink.coordinator.storage.models import (Encoding, Link, MatchRun, Partner, Sync,  # noqa: E402
                                               utc_now)
from hublink.coordinator.storage.sealed_records import seal_clk  # noqa: E402

TARGET_SHARE = 0.05


def _commit(home: CoordinatorHome, partner_id: int, upserts: dict[str, bytes], deletes: list[str],
            at) -> None:
    """Applies one committed sync of the partner, as the coordinator's commit does."""
    with home.database.session() as session:
        session.add(Sync(id=str(uuid.uuid4()), partner_id=partner_id, mode="delta", schema_id="benchmark",
                         fingerprint="0" * 64, clk_bytes=CLK_BYTES, attribute_names=[], status="committed",
                         committed_at=at))
        names = list(upserts) + deletes
        for start in range(0, len(names), 500):
            session.execute(delete(Encoding).where(Encoding.partner_id == partner_id,
                                                   Encoding.pseudonym.in_(names[start:start + 500])))
        rows = [{"partner_id": partner_id, "pseudonym": name, "clk": seal_clk(home.sealer, partner_id, name, clk)}
                for name, clk in upserts.items()]
        for start in range(0, len(rows), 10_000):
            session.execute(Encoding.__table__.insert(), rows[start:start + 10_000])


def _links(home: CoordinatorHome) -> dict[tuple[int, str], str]:
    with home.database.session() as session:
        return {(partner, name): link for partner, name, link in
                session.execute(select(Link.partner_id, Link.pseudonym, Link.link_id))}


def _thresholds(home: CoordinatorHome, run_id: int) -> dict[str, float]:
    """Returns a run's thresholds by stage (across, within), as its review records them."""
    with home.database.session() as session:
        review = session.get(MatchRun, run_id).review
    return {stage["stage"]: stage["threshold"] for stage in review["stages"]}


def run(youth: int, partners: int, changed_share: float, seed: int = 11) -> dict[str, float]:
    """Prints and returns the seconds of both runs and their ratio."""
    data = split_partners(load_realistic_clks(youth, seed), partners)
    generator = np.random.default_rng(seed)
    os.environ.pop("HUBLINK_DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="hublink-incremental-") as folder:
        home = CoordinatorHome(Path(folder) / "home")
        init_project(home.database)
        with home.database.session() as session:
            session.add_all(Partner(name=name) for name in data.names)
        at = utc_now()
        for partner_id, clks in enumerate(data.clks, start=1):
            rows = np.frombuffer(clks, dtype=np.uint8).reshape(-1, CLK_BYTES)
            _commit(home, partner_id, {f"{partner_id}-{index:07d}": row.tobytes() for index, row in enumerate(rows)},
                    [], at)
        started = time.perf_counter()
        first = run_match(home)
        print(f"{first.record_count:,} records of {len(data.names)} partners; first (full) run "
              f"{time.perf_counter() - started:.1f}s; load average {os.getloadavg()[0]:.1f}", flush=True)

        partner_id = int(generator.integers(1, len(data.names) + 1))
        count = len(data.persons[partner_id - 1])
        touched = generator.choice(count, size=max(3, round(count * changed_share)), replace=False)
        thirds = np.array_split(touched, 3)
        others = np.frombuffer(data.clks[(partner_id % len(data.names))], dtype=np.uint8).reshape(-1, CLK_BYTES)
        upserts = {f"{partner_id}-{index:07d}": others[number % len(others)].tobytes()
                   for number, index in enumerate(thirds[0])}
        upserts.update({f"{partner_id}-new-{number:05d}": others[-1 - number % len(others)].tobytes()
                        for number in range(len(thirds[2]))})
        _commit(home, partner_id, upserts, [f"{partner_id}-{index:07d}" for index in thirds[1]],
                at + timedelta(seconds=1))
        print(f"partner {data.names[partner_id - 1]} ({count:,} records): {len(thirds[0])} changed, "
              f"{len(thirds[1])} deleted, {len(thirds[2])} added", flush=True)

        started = time.perf_counter()
        incremental = run_match(home)
        incremental_seconds = time.perf_counter() - started
        incremental_links = _links(home)
        carried = _thresholds(home, incremental.run_id)
        started = time.perf_counter()
        full = run_match(home, MatchSettings(threshold=carried["across"],
                                             within_threshold=carried["within"]), full=True)
        full_seconds = time.perf_counter() - started
        same = _links(home) == incremental_links
        share = incremental_seconds / full_seconds
        print(f"incremental ({incremental.mode}, {incremental.changed_records} records changed): "
              f"{incremental_seconds:.2f}s, {incremental.comparisons:,} comparisons; full ({full.mode}): "
              f"{full_seconds:.1f}s, {full.comparisons:,} comparisons, at the carried thresholds "
              f"{carried['across']:.3f} / {carried['within']:.3f}; load average {os.getloadavg()[0]:.1f}")
        print(f"incremental / full = {share:.1%} (target under {TARGET_SHARE:.0%}: "
              f"{'met' if share < TARGET_SHARE else 'NOT met'}); same links: {same}; "
              f"entities {incremental.entity_count:,} / {full.entity_count:,}")
        if not same or incremental.mode != "incremental":
            raise SystemExit("the incremental run did not give the full run's links")
    return {"incremental": incremental_seconds, "full": full_seconds, "share": share}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youth", type=int, default=180_000)
    parser.add_argument("--partners", type=int, default=84)
    parser.add_argument("--changed", type=float, default=0.01, help="share of the partner's records changed")
    arguments = parser.parse_args()
    run(arguments.youth, arguments.partners, arguments.changed)


if __name__ == "__main__":
    main()
