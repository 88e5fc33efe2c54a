"""Load a project's view of the linked records: only its partners and its attributes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import literal, select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.outputs.entities import ProjectRecord
from hublink.coordinator.projects.definition import ProjectDefinition
from hublink.coordinator.storage import sealed_records
from hublink.coordinator.storage.models import Link, MatchRun, Partner, RecordAttributes

__all__ = ["load_linked_records", "load_project_records", "last_match_run", "record_enrollments"]


def record_enrollments(home: CoordinatorHome, partner_id: int, pseudonym: str,
                       stored: Any) -> tuple[dict[str, str | None], ...]:
    """Returns a record's enrollments (program participation), or none: the one place outputs
    read ``RecordAttributes.enrollments``."""
    if not stored:
        return ()
    if isinstance(stored, str):  # the ``sealed`` member, as load_project_records reads it
        return tuple(sealed_records.open_sealed_enrollments(home.sealer, partner_id, pseudonym,
                                                            stored))
    return tuple(sealed_records.open_enrollments(home.sealer, partner_id, pseudonym, stored))


def last_match_run(home: CoordinatorHome) -> int | None:
    """Returns the id of the last succeeded match run, or None."""
    with home.database.session() as session:
        return session.scalars(select(MatchRun.id).where(MatchRun.status == "succeeded")
                               .order_by(MatchRun.id.desc()).limit(1)).first()


def load_linked_records(home: CoordinatorHome, attributes: Iterable[str], *,
                        partners: Iterable[str] | None = None,
                        enrollments: bool = True) -> list[ProjectRecord]:
    """Returns every linked record (of ``partners``, else of all) with only ``attributes``,
    and its enrollments unless ``enrollments`` is false (records synced after the last match
    run have no link ID yet and are left out). The one place outputs open stored records."""
    wanted = set(attributes)
    # The sealed members as text: the database extracts them, Python decodes no JSON wrapper.
    # Partner names are looked up here rather than joined: the join cost more than the lookup.
    query = (select(Link.link_id, Link.partner_id, Link.pseudonym,
                    RecordAttributes.attributes["sealed"].as_string(),
                    RecordAttributes.enrollments["sealed"].as_string() if enrollments
                    else literal(None))
             .join(RecordAttributes, (RecordAttributes.partner_id == Link.partner_id)
                   & (RecordAttributes.pseudonym == Link.pseudonym)))
    with home.database.session() as session:
        names = {partner_id: name for partner_id, name in
                 session.execute(select(Partner.id, Partner.name))}
        if partners is not None:
            chosen = set(partners)
            query = query.where(Link.partner_id.in_(
                [partner_id for partner_id, name in names.items() if name in chosen]))
        rows = session.execute(query).all()
    records = []
    open_attributes = sealed_records.open_sealed_attributes
    sealer = home.sealer
    for link_id, partner_id, pseudonym, stored, sealed in rows:
        values = open_attributes(sealer, partner_id, pseudonym, stored)
        records.append(ProjectRecord(
            names[partner_id], pseudonym, link_id,
            {name: value for name, value in values.items() if name in wanted},
            record_enrollments(home, partner_id, pseudonym, sealed) if sealed else ()))
    return records


def load_project_records(home: CoordinatorHome,
                         definition: ProjectDefinition) -> list[ProjectRecord]:
    """Returns every linked record of the project's partners with only its attributes."""
    return load_linked_records(home, definition.attributes, partners=definition.partners)
