"""Publish a project's tables from the last match run, after disclosure control.

``prepare_publication`` is pure: records in, suppressed tables out (or Unprotectable).
``publish_project`` runs it for an approved, unexpired project, audits the result against
every earlier publication of the project (differencing), stores it, writes each table as JSON
and CSV under ``<home>/outputs/<project>/<publication>/`` and records it in the audit log.
With ``retention.delete_encodings_after_run`` the encodings of its partners that no other live
project keeps are deleted after each publication (``projects.purge.release_encodings``).
``published_tables`` returns the latest publication's tables (the contract's JSON).
"""

from __future__ import annotations

import gc
import json
import os
from contextlib import contextmanager
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hublink.coordinator.errors import Conflict, NotFound
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.outputs.entities import ProjectRecord, build_entities
from hublink.coordinator.outputs.records import last_match_run, load_project_records
from hublink.coordinator.outputs.relations import build_relations
from hublink.coordinator.outputs.render import table_csv, table_json
from hublink.coordinator.outputs.tables import compute_aggregates
from hublink.coordinator.projects.definition import ProjectDefinition
from hublink.coordinator.projects.lifecycle import require_live
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import Publication, SharingProject, utc_now

__all__ = ["Prepared", "prepare_publication", "publish_project", "published_tables",
           "outputs_folder"]


@dataclass
class Prepared:
    """One publication before it is stored: tables, the counts shown, and audit figures."""

    tables: list[dict[str, Any]]
    shown: dict[str, int]
    suppressed: dict[str, int]
    conflicts: dict[str, dict[str, int]]
    narrowest: float


def outputs_folder(home: CoordinatorHome, name: str) -> Path:
    """Returns the folder of a project's published files."""
    return home.path / "outputs" / name


def prepare_publication(definition: ProjectDefinition, records: Sequence[ProjectRecord], *,
                        previous: Mapping[str, int] | Sequence[Mapping[str, int]] | None = None,
                        run_id: int | None = None, published_at: str = "") -> Prepared:
    """Given a project and its records (and the counts its earlier publications showed),
    returns the suppressed tables; raises Unprotectable when a count cannot be protected."""
    # scipy loads here, not when the API's table routes import this module.
    from hublink.coordinator.outputs.suppression import (protect, suppress_differences,
                                                         suppress_primary)
    dimensions = {d for table in definition.tables for d in table.dimensions}
    place = definition.place
    entities, conflicts = build_entities(
        records, sorted(dimensions), population_source=definition.population_source,
        program_attribute=definition.program_attribute,
        crosswalk=place.crosswalk if place else None,
        place_attribute=place.attribute if place else None)
    aggregates = compute_aggregates(definition, entities)
    quantities = aggregates.quantities
    suppress_primary(quantities, definition.k)
    suppress_differences(quantities, previous or {}, definition.k)
    intervals = protect(quantities, build_relations(aggregates), definition.protection_width)
    conflict_counts = conflicts.as_dict()
    tables = [table_json(draft, quantities, project=definition.name, k=definition.k,
                         run_id=run_id, published_at=published_at, conflicts=conflict_counts)
              for draft in aggregates.tables]
    suppressed: dict[str, int] = {}
    for quantity in quantities.values():
        if quantity.suppressed:
            suppressed[quantity.suppressed] = suppressed.get(quantity.suppressed, 0) + 1
    shown = {name: q.value for name, q in quantities.items() if q.suppressed is None}
    narrowest = min((interval.width for interval in intervals.values()), default=float("inf"))
    return Prepared(tables, shown, suppressed, conflict_counts, narrowest)


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pauses the cyclic garbage collector while a publication builds its hundreds of thousands
    of acyclic records and entities (each full collection would walk all of them again);
    reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _write_files(folder: Path, tables: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for table in tables:
        for suffix, text in ((".json", json.dumps(table, indent=1)), (".csv", table_csv(table))):
            path = folder / f"{table['table']}{suffix}"
            temporary = path.with_name(path.name + ".partial")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)


def publish_project(home: CoordinatorHome, name: str, actor: str = "operator") -> Prepared:
    """Publishes an approved, unexpired project's tables from the last match run; returns what
    was published. Raises Forbidden, Conflict (no match run yet) or Unprotectable (audited)."""
    _, definition = require_live(home, name)
    run_id = last_match_run(home)
    if run_id is None:
        raise Conflict("no match run has succeeded yet: run `hublink-coordinator match`")
    with home.database.session() as session:
        project = session.scalars(select(SharingProject).where(SharingProject.name == name)).one()
        project_id = project.id
        previous = [dict(shown) for shown in session.scalars(
            select(Publication.shown).where(Publication.project_id == project_id)
            .order_by(Publication.id))]
    published_at = utc_now().isoformat(timespec="seconds")
    try:
        with _without_cycle_collection():
            prepared = prepare_publication(definition, load_project_records(home, definition),
                                           previous=previous, run_id=run_id,
                                           published_at=published_at)
    except Exception as error:
        record_event(home.database, actor, "publish_refused", project=name, run_id=run_id,
                     reason=type(error).__name__)
        raise
    with home.database.session() as session:
        publication = Publication(project_id=project_id, match_run_id=run_id,
                                  tables=prepared.tables, shown=prepared.shown)
        session.add(publication)
        session.flush()
        publication_id = publication.id
    _write_files(outputs_folder(home, name) / str(publication_id), prepared.tables)
    record_event(home.database, actor, "publish", project=name, run_id=run_id,
                 publication=publication_id, tables=len(prepared.tables),
                 suppressed=prepared.suppressed)
    if definition.delete_encodings_after_run:
        from hublink.coordinator.projects.purge import release_encodings
        release_encodings(home, name, actor)
    return prepared


def published_tables(home: CoordinatorHome, project_name: str) -> list[dict[str, Any]]:
    """Returns the tables of the project's latest publication (empty before the first);
    raises NotFound for an unknown or purged project."""
    with home.database.session() as session:
        project = session.scalars(select(SharingProject)
                                  .where(SharingProject.name == project_name)).first()
        if project is None or project.status == "purged":
            raise NotFound(f"no project named {project_name!r}")
        last = session.scalars(select(Publication).where(Publication.project_id == project.id)
                               .order_by(Publication.id.desc()).limit(1)).first()
        return list(last.tables) if last else []
