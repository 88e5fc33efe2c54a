"""The analyst export: one row per current record, ``link_id,partner,<attributes>``."""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

from sqlalchemy import select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.sealed_records import open_attributes
from hublink.coordinator.storage.models import Link, Partner, RecordAttributes, Sync

__all__ = ["export_linked_dataset"]


def export_linked_dataset(home: CoordinatorHome, out: Path, actor: str = "operator") -> int:
    """Writes the de-identified linked dataset with hub-wide link IDs; returns the row count.
    Records synced after the last match run have no link ID yet and are left out."""
    with home.database.session() as session:
        names = sorted({name for (names,) in session.execute(
            select(Sync.attribute_names).where(Sync.status == "committed")) for name in names})
        records = session.execute(
            select(Link.link_id, Partner.name, Link.partner_id, Link.pseudonym,
                   RecordAttributes.attributes)
            .join(RecordAttributes, (RecordAttributes.partner_id == Link.partner_id)
                  & (RecordAttributes.pseudonym == Link.pseudonym))
            .join(Partner, Partner.id == Link.partner_id))
        rows = []
        for link_id, partner_name, partner_id, pseudonym, stored in records:
            attributes = open_attributes(home.sealer, partner_id, pseudonym, stored)
            rows.append([link_id, partner_name] + [attributes.get(name) or "" for name in names])
    random.SystemRandom().shuffle(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".partial")
    with open(temporary, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["link_id", "partner", *names])
        writer.writerows(rows)
    os.replace(temporary, out)
    record_event(home.database, actor, "export", rows=len(rows))
    return len(rows)
