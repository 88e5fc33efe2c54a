"""Publishing a project: 250k linked records at 80 partners -> suppressed, LP-audited tables.

Seeds a coordinator home directly (partners, sealed attributes, a succeeded match run, links;
no CLKs are needed to publish), creates and approves a project with every table kind, then
times ``publish_project`` end to end (wall clock, and CPU seconds of this process, which
a busy shared machine does not inflate): loading and opening the records, entities, aggregates,
primary and complementary suppression, the LP audit, storing and writing the files.
Results: ``benchmarks/RESULTS.md``.

    nice .venv/bin/python benchmarks/publish.py [--records 250000] [--partners 80]
        [--folder /tmp/publish-home] [--tables-out tables.json]

With ``--folder`` the seeded home is kept and reused (each run publishes a new project, so
no earlier publication is differenced with it); ``--tables-out`` writes the published tables
for a byte-for-byte comparison of two versions of the code.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.registry import init_project
from hublink.coordinator.storage.models import (Link, MatchRun, Partner, RecordAttributes,
                                                SharingProject, utc_now)
from hublink.coordinator.storage.sealed_records import seal_attributes
from hublink.coordinator.tokens import issue_token

RACES = ("Black", "White", "Hispanic", "Asian", "Multiracial", "")
ZIPS = tuple(f"212{number:02d}" for number in range(1, 31))
AGE_BANDS = ("5-9", "10-13", "14-17", "18-21")


def seed_hub(home: CoordinatorHome, records: int, partners: int, seed: int = 0) -> list[str]:
    """Fills an initialised home with ``records`` linked records of ``partners`` partners
    (youth seen by 1-3 partners); returns the partner names (the first is the roster)."""
    rng = random.Random(seed)
    names = ["schools"] + [f"partner-{index:02d}" for index in range(1, partners)]
    with home.database.session() as session:
        session.add_all(Partner(name=name) for name in names)
        run = MatchRun(status="succeeded", finished_at=utc_now(), record_count=records)
        session.add(run)
        session.flush()
        ids = {partner.name: partner.id for partner in session.query(Partner)}
        run_id = run.id
    weights = [1.0 / index for index in range(1, len(names))]
    made, youth = 0, 0
    batch_attributes, batch_links = [], []
    while made < records:
        youth += 1
        link_id = f"{youth:036d}"
        person = {"race_ethnicity": rng.choice(RACES), "zip": rng.choice(ZIPS),
                  "age_band": rng.choice(AGE_BANDS)}
        seen = {"schools"} if rng.random() < 0.8 else set()
        # A few large partners and many small ones, as in a city: small cells exist.
        seen |= set(rng.choices(names[1:], weights, k=rng.choice((1, 1, 1, 2, 3))))
        for partner in sorted(seen):
            if made >= records:
                break
            pseudonym = f"{made:064x}"
            attributes = dict(person, program=rng.choice(("", "Summer Learning"))
                              if partner == "schools" else rng.choice(("camp", "jobs")))
            if rng.random() < 0.05:
                attributes["race_ethnicity"] = rng.choice(RACES)
            batch_attributes.append({
                "partner_id": ids[partner], "pseudonym": pseudonym,
                "attributes": seal_attributes(home.sealer, ids[partner], pseudonym, attributes)})
            batch_links.append({"partner_id": ids[partner], "pseudonym": pseudonym,
                                "link_id": link_id, "match_run_id": run_id})
            made += 1
        if len(batch_links) >= 20_000 or made >= records:
            with home.database.session() as session:
                session.execute(insert(RecordAttributes), batch_attributes)
                session.execute(insert(Link), batch_links)
            batch_attributes, batch_links = [], []
    return names


def project_toml(folder: Path, partners: list[str], name: str = "bench") -> Path:
    """Writes a project file with every table kind over the seeded partners; returns it."""
    expires = (date.today() + timedelta(days=365)).isoformat()
    path = folder / f"{name}.toml"
    path.write_text(f"""name = "{name}"
title = "Benchmark project"
purpose = "How long publishing takes"
partners = {partners!r}
attributes = ["race_ethnicity", "zip", "age_band", "program"]
population_source = "schools"
public = true
approvers = ["Oversight Board"]
[retention]
expires = {expires}
[place]
attribute = "zip"
[[tables]]
name = "youth"
kind = "total"
[[tables]]
name = "by_partner"
kind = "by_partner"
[[tables]]
name = "by_program"
kind = "by_program"
[[tables]]
name = "programs"
kind = "program_count"
[[tables]]
name = "overlap"
kind = "overlap"
[[tables]]
name = "by_zip"
kind = "by_group"
dimensions = ["zip"]
rate = true
[[tables]]
name = "by_race"
kind = "by_group"
dimensions = ["race_ethnicity"]
rate = true
[[tables]]
name = "by_zip_and_age"
kind = "by_group"
dimensions = ["zip", "age_band"]
[[tables]]
name = "missing_by_zip"
kind = "missing_by_group"
dimensions = ["zip"]
""")
    return path


def _seeded_partners(home: CoordinatorHome) -> list[str]:
    """Returns the partners of a home seeded earlier (roster first), or [] for a fresh one."""
    with home.database.session() as session:
        return list(session.scalars(select(Partner.name).order_by(Partner.id)))


def run_publish(folder: Path, records: int, partners: int,
                tables_out: Path | None = None) -> dict[str, float]:
    """Seeds a home under ``folder`` (or reuses the one seeded there before: then ``records``
    and ``partners`` are what it holds), publishes a new project once; returns the figures.
    With ``tables_out``, writes the published tables there as JSON (without the publication
    time and project name, so that two runs over one home compare byte for byte)."""
    from hublink.coordinator.outputs.publish import publish_project
    from hublink.coordinator.projects import approve_project, create_project

    home = CoordinatorHome(folder / "home")
    init_project(home.database)
    started = time.perf_counter()
    names = _seeded_partners(home)
    if names:
        with home.database.session() as session:
            records = session.query(Link).count()
    else:
        names = seed_hub(home, records, partners)
    seeded = time.perf_counter() - started
    with home.database.session() as session:
        project = f"bench-{session.query(SharingProject).count() + 1}"
    create_project(home, project_toml(folder, names, project))
    _, approver = issue_token(home.database, "approver", label="Oversight Board")
    approve_project(home, project, approver)
    started, cpu_started = time.perf_counter(), time.process_time()
    prepared = publish_project(home, project)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    # The same work in its two halves: reading and opening the sealed records, then entities,
    # tables, suppression and the LP audit.
    from hublink.coordinator.outputs.publish import prepare_publication
    from hublink.coordinator.outputs.records import load_project_records
    from hublink.coordinator.projects import project_definition
    definition = project_definition(home, project)
    cpu_started = time.process_time()
    loaded = load_project_records(home, definition)
    load_cpu = time.process_time() - cpu_started
    cpu_started = time.process_time()
    prepare_publication(definition, loaded)
    disclosure_cpu = time.process_time() - cpu_started
    home.database.dispose()
    if tables_out is not None:
        comparable = [{key: value for key, value in table.items()
                       if key not in ("project", "published_at")} for table in prepared.tables]
        tables_out.write_text(json.dumps(comparable, indent=1, sort_keys=True))
    cells = sum(len(table["rows"]) + 1 for table in prepared.tables)
    return {"records": records, "partners": len(names), "seed_seconds": seeded,
            "publish_seconds": seconds, "publish_cpu_seconds": cpu_seconds,
            "load_cpu_seconds": load_cpu, "aggregate_and_protect_cpu_seconds": disclosure_cpu,
            "tables": len(prepared.tables), "cells": cells,
            "suppressed": sum(prepared.suppressed.values()),
            "complementary": prepared.suppressed.get("complementary", 0),
            "narrowest_interval": prepared.narrowest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=250_000)
    parser.add_argument("--partners", type=int, default=80)
    parser.add_argument("--folder", type=Path, default=None,
                        help="keep the seeded home in this folder and reuse it on later runs "
                             "(default: a temporary folder, seeded anew)")
    parser.add_argument("--tables-out", type=Path, default=None,
                        help="write the published tables here as JSON, to compare two runs")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = arguments.folder or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        figures = run_publish(folder, arguments.records, arguments.partners,
                              arguments.tables_out)
    for key, value in figures.items():
        print(f"{key:>34}: {value:,.2f}" if isinstance(value, float) else f"{key:>34}: {value:,}")
    sys.exit(0 if figures["publish_seconds"] < 10 else 1)


if __name__ == "__main__":
    main()
