"""The analyst export of one approved project: ``link_id,partner,<its attributes>`` as CSV
(formula-safe) or Parquet, for the current linked records of the project's partners.

A record with enrollments gives one row per enrollment (its attributes repeated on each, the
enrollment's fields among the project's attributes beside them), a record without gives one
row, so counting rows counts enrollments and counting distinct link IDs counts youth. Records
are listed in random order, a record's rows together.

Link IDs are the hub-wide ones when the project's ``link_scope`` is ``hub``; otherwise
(``project``, the default) they are derived per project, so exports of two projects cannot be
joined. Never CLKs, pseudonyms or similarity scores.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
import random
import uuid
from pathlib import Path

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.outputs.records import load_project_records
from hublink.coordinator.projects.lifecycle import require_live
from hublink.coordinator.storage import record_event
from hublink.shared.spreadsheet import safe_row

__all__ = ["EXPORT_FORMATS", "export_linked_dataset", "project_scoped_link_id"]

EXPORT_FORMATS = ("csv", "parquet")


def project_scoped_link_id(key: bytes, project: str, hub_link_id: str) -> str:
    """Returns the stable UUID-shaped ID an entity has in one project's exports."""
    digest = hmac.new(key, f"project:{project}:{hub_link_id}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _write_parquet(path: Path, header: list[str], rows: list[list[str]]) -> None:
    import pyarrow as arrow
    import pyarrow.parquet as parquet
    columns = list(zip(*rows)) if rows else [() for _ in header]
    parquet.write_table(arrow.table({name: arrow.array(list(values), type=arrow.string())
                                     for name, values in zip(header, columns)}), path)


def export_linked_dataset(home: CoordinatorHome, out: Path, project: str, *,
                          file_format: str = "csv", actor: str = "operator") -> int:
    """Writes the project's de-identified linked dataset to ``out``; returns the row count.
    Raises Forbidden unless the project is approved and unexpired."""
    _, definition = require_live(home, project)
    names = list(definition.attributes)
    wanted = set(names)
    key = home.link_scope_key()
    records: list[list[list[str]]] = []
    for record in load_project_records(home, definition):
        link_id = (record.link_id if definition.link_scope == "hub"
                   else project_scoped_link_id(key, project, record.link_id))
        values = [{**record.attributes, **{name: value for name, value in enrollment.items()
                                           if name in wanted}}
                  for enrollment in record.enrollments] or [dict(record.attributes)]
        records.append([[link_id, record.partner] + [row.get(name) or "" for name in names]
                        for row in values])
    random.SystemRandom().shuffle(records)
    rows = [row for record_rows in records for row in record_rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".partial")
    header = ["link_id", "partner", *names]
    if file_format == "parquet":
        _write_parquet(temporary, header, rows)
    else:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(safe_row(header))
            writer.writerows(safe_row(row) for row in rows)
    os.replace(temporary, out)
    record_event(home.database, actor, "export", project=project, rows=len(rows),
                 records=len(records), format=file_format)
    return len(rows)
