"""The analyst export: ``link_id,partner,<attributes>,<enrollment attributes>``.

A record with enrollments gives one row per enrollment (its attributes repeated on each), a
record without gives one row with empty enrollment cells, so counting rows counts
enrollments and counting distinct link IDs counts youth. A name that is an attribute at one
partner and an enrollment attribute at another shares one column. Records are listed in
random order, a record's rows together; every cell passes ``safe_row``.
"""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

from sqlalchemy import select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.sealed_records import open_attributes, open_enrollments
from hublink.coordinator.storage.models import Link, Partner, RecordAttributes
from hublink.coordinator.syncs import last_committed_sync
from hublink.shared.spreadsheet import safe_row

__all__ = ["export_columns", "export_linked_dataset"]


def export_columns(home: CoordinatorHome) -> tuple[list[str], list[str]]:
    """Returns the attribute names and the enrollment attribute names (less those already
    attributes) of each partner's current (last committed) sync, each sorted: never a name
    only past syncs sent."""
    with home.database.session() as session:
        declared = [(sync.attribute_names, sync.enrollment_names)
                    for partner_id in session.scalars(select(Partner.id))
                    if (sync := last_committed_sync(session, partner_id)) is not None]
    attributes = sorted({name for names, _ in declared for name in names})
    enrollments = sorted({name for _, names in declared for name in names or ()}
                         - set(attributes))
    return attributes, enrollments


def export_linked_dataset(home: CoordinatorHome, out: Path, actor: str = "operator") -> int:
    """Writes the de-identified linked dataset with hub-wide link IDs; returns the row count.
    Records synced after the last match run have no link ID yet and are left out."""
    attribute_names, enrollment_names = export_columns(home)
    columns = attribute_names + enrollment_names
    records: list[list[list[str]]] = []
    with home.database.session() as session:
        stored = session.execute(
            select(Link.link_id, Partner.name, Link.partner_id, Link.pseudonym,
                   RecordAttributes.attributes, RecordAttributes.enrollments)
            .join(RecordAttributes, (RecordAttributes.partner_id == Link.partner_id)
                  & (RecordAttributes.pseudonym == Link.pseudonym))
            .join(Partner, Partner.id == Link.partner_id))
        for link_id, partner_name, partner_id, pseudonym, attributes, enrollments in stored:
            attributes = open_attributes(home.sealer, partner_id, pseudonym, attributes)
            enrollments = open_enrollments(home.sealer, partner_id, pseudonym, enrollments)
            records.append([
                safe_row([link_id, partner_name]
                         + [values.get(name) or "" for name in columns])
                for values in ([{**attributes, **enrollment} for enrollment in enrollments]
                               or [attributes])])
    random.SystemRandom().shuffle(records)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".partial")
    rows = 0
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(safe_row(["link_id", "partner", *columns]))
        for record_rows in records:
            writer.writerows(record_rows)
            rows += len(record_rows)
    os.replace(temporary, out)
    record_event(home.database, actor, "export", rows=rows, records=len(records))
    return rows
