"""Accept an upload package: check it against the project, then store it whole or not at all.

A package is the partner's complete current record set; it replaces the partner's previous
upload once it is stored. The CLK blob is written first under a fresh id, then the
database transaction makes it current; if that fails the blob is removed again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.registry import get_project
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import Partner, Project, Upload, UploadRecord
from hublink.shared.errors import FingerprintMismatch, InvalidPackage
from hublink.shared.linkage_schema import load_linkage_schema
from hublink.shared.upload_package import UploadPackage

__all__ = ["Receipt", "store_upload"]

_RECORD_BATCH = 5_000


@dataclass(frozen=True)
class Receipt:
    upload_id: str
    record_count: int


def _check_schema(package: UploadPackage) -> None:
    try:
        schema = load_linkage_schema(package.schema_id)
    except (FileNotFoundError, ValueError):
        raise InvalidPackage(f"unknown linkage schema {package.schema_id!r}: update the agent "
                             "or ask the hub which schema it uses") from None
    if package.clk_bytes != schema.clk_bytes:
        raise InvalidPackage(f"schema {schema.schema_id} makes {schema.clk_bytes}-byte CLKs, "
                             f"the package has {package.clk_bytes}")


def _check_fingerprint(session: Session, package: UploadPackage) -> None:
    """Pins the project's fingerprint on its first upload; later ones must carry the same."""
    project = session.get(Project, 1, with_for_update=True)
    if project.fingerprint is None:
        project.schema_id, project.fingerprint = package.schema_id, package.fingerprint
    elif (project.schema_id, project.fingerprint) != (package.schema_id, package.fingerprint):
        raise FingerprintMismatch(
            "this upload was encoded with a different linkage schema or secret than the "
            "project's: check linkage.secret_file holds the hub's current secret")


def store_upload(home: CoordinatorHome, partner: Partner, package: UploadPackage) -> Receipt:
    """Given an authenticated partner and a validated package, stores it as the partner's
    current upload and returns the receipt; raises InvalidPackage or FingerprintMismatch,
    in which case nothing is kept."""
    get_project(home.database)
    _check_schema(package)
    upload_id = str(uuid.uuid4())
    names = sorted(package.attributes)
    home.blobs.write(upload_id, package.clks)
    try:
        with home.database.session() as session:
            _check_fingerprint(session, package)
            previous = session.scalars(select(Upload.id).where(
                Upload.partner_id == partner.id, Upload.is_current.is_(True))).all()
            session.execute(update(Upload).where(Upload.id.in_(previous)).values(is_current=False))
            session.add(Upload(id=upload_id, partner_id=partner.id,
                               record_count=package.record_count, clk_bytes=package.clk_bytes,
                               schema_id=package.schema_id, fingerprint=package.fingerprint,
                               attribute_names=names, agent_version=package.agent_version))
            session.flush()
            for start in range(0, package.record_count, _RECORD_BATCH):
                stop = min(start + _RECORD_BATCH, package.record_count)
                session.execute(UploadRecord.__table__.insert(), [
                    {"upload_id": upload_id, "position": position,
                     "pseudonym": package.pseudonyms[position],
                     "attributes": {name: package.attributes[name][position] for name in names}}
                    for position in range(start, stop)])
            session.execute(delete(UploadRecord).where(UploadRecord.upload_id.in_(previous)))
    except BaseException:
        home.blobs.delete(upload_id)
        raise
    for old in previous:
        home.blobs.delete(old)
    record_event(home.database, f"partner:{partner.name}", "upload", upload_id=upload_id,
                 records=package.record_count)
    return Receipt(upload_id=upload_id, record_count=package.record_count)
