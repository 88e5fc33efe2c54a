"""The analyst export: one row per current record, ``link_id,partner,<attributes>``."""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

from sqlalchemy import select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import Link, Partner, Upload, UploadRecord

__all__ = ["export_linked_dataset"]


def export_linked_dataset(home: CoordinatorHome, out: Path, actor: str = "operator") -> int:
    """Writes the de-identified linked dataset with hub-wide link IDs; returns the row count.
    Records uploaded after the last match run have no link ID yet and are left out."""
    with home.database.session() as session:
        uploads = session.execute(select(Upload, Partner.name)
                                  .join(Partner, Upload.partner_id == Partner.id)
                                  .where(Upload.is_current.is_(True))).all()
        names = sorted({name for upload, _ in uploads for name in upload.attribute_names})
        links = {(partner_id, pseudonym): link_id for partner_id, pseudonym, link_id in
                 session.execute(select(Link.partner_id, Link.pseudonym, Link.link_id))}
        rows = []
        for upload, partner_name in uploads:
            for record in session.scalars(select(UploadRecord)
                                          .where(UploadRecord.upload_id == upload.id)):
                link_id = links.get((upload.partner_id, record.pseudonym))
                if link_id is not None:
                    rows.append([link_id, partner_name]
                                + [record.attributes.get(name) or "" for name in names])
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
