"""Load a project's view of the linked records: only its partners and its attributes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.outputs.entities import ProjectRecord
from hublink.coordinator.projects.definition import ProjectDefinition
from hublink.coordinator.storage import sealed_records
from hublink.coordinator.storage.models import Link, MatchRun, Partner, RecordAttributes

__all__ = ["load_project_records", "last_match_run", "record_enrollments"]


def record_enrollments(home: CoordinatorHome, partner_id: int, pseudonym: str,
                       stored: Any) -> tuple[dict[str, str | None], ...]:
    """Returns a record's enrollments (program participation), or none: the one place outputs
    read ``RecordAttributes.enrollments``."""
    if not stored:
        return ()
    return tuple(sealed_records.open_enrollments(home.sealer, partner_id, pseudonym, stored))


def last_match_run(home: CoordinatorHome) -> int | None:
    """Returns the id of the last succeeded match run, or None."""
    with home.database.session() as session:
        return session.scalars(select(MatchRun.id).where(MatchRun.status == "succeeded")
                               .order_by(MatchRun.id.desc()).limit(1)).first()


def load_project_records(home: CoordinatorHome,
                         definition: ProjectDefinition) -> list[ProjectRecord]:
    """Returns every linked record of the project's partners with only its attributes
    (records synced after the last match run have no link ID yet and are left out)."""
    wanted = set(definition.attributes)
    columns = [Link.link_id, Partner.name, Link.partner_id, Link.pseudonym,
               RecordAttributes.attributes, RecordAttributes.enrollments]
    records = []
    with home.database.session() as session:
        rows = session.execute(
            select(*columns)
            .join(RecordAttributes, (RecordAttributes.partner_id == Link.partner_id)
                  & (RecordAttributes.pseudonym == Link.pseudonym))
            .join(Partner, Partner.id == Link.partner_id)
            .where(Partner.name.in_(definition.partners)))
        for link_id, partner, partner_id, pseudonym, stored, enrollments in rows:
            attributes = sealed_records.open_attributes(home.sealer, partner_id, pseudonym, stored)
            records.append(ProjectRecord(
                partner, pseudonym, link_id,
                {name: value for name, value in attributes.items() if name in wanted},
                record_enrollments(home, partner_id, pseudonym, enrollments)))
    return records
