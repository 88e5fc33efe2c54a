"""A data-sharing project's life: create (draft) -> approve -> close; expiry and purge.

Invariants: approval only by an ``approver`` token named among the project's approvers, never
by an operator token; nothing leaves the hub for a project that is not approved and unexpired
(``require_live``); every change is audited. The project file and the files it names are copied
into ``<home>/projects/<name>/`` so they outlive the operator's copy.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from hublink.coordinator.errors import Conflict, Forbidden, NotFound
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.projects.definition import (ProjectDefinition, load_definition,
                                                     parse_definition)
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import ApiToken, Partner, SharingProject, utc_now
from hublink.coordinator.tokens import authenticate

__all__ = ["ProjectInfo", "LIVE_STATUSES", "create_project", "approve_project", "close_project",
           "list_projects", "get_project", "project_definition", "require_live", "project_folder"]

LIVE_STATUSES = ("draft", "approved")


@dataclass(frozen=True)
class ProjectInfo:
    """What may be shown about a project (purged projects keep only name, status, dates)."""

    name: str
    title: str
    purpose: str
    public: bool
    k: int
    status: str
    expires: date
    partners: tuple[str, ...]
    attributes: tuple[str, ...]
    boundaries_path: Path | None
    tables: tuple[str, ...]
    created_by: str
    created_at: datetime
    approved_by: str | None


def project_folder(home: CoordinatorHome, name: str) -> Path:
    """Returns the folder holding the project's copied files."""
    return home.path / "projects" / name


def _status(row: SharingProject, today: date) -> str:
    if row.status in LIVE_STATUSES and row.expires < today:
        return "expired"
    return row.status


def _document(stored: dict) -> dict:
    document = dict(stored)
    retention = dict(document.get("retention", {}))
    if isinstance(retention.get("expires"), str):
        retention["expires"] = date.fromisoformat(retention["expires"])
    document["retention"] = retention
    return document


def _info(home: CoordinatorHome, row: SharingProject) -> ProjectInfo:
    document = row.definition
    boundaries = (document.get("place") or {}).get("boundaries")
    return ProjectInfo(
        name=row.name, title=row.title, purpose=document.get("purpose", ""),
        public=bool(document.get("public", False)), k=int(document.get("k", 11)),
        status=_status(row, date.today()), expires=row.expires,
        partners=tuple(document.get("partners", ())),
        attributes=tuple(document.get("attributes", ())),
        boundaries_path=project_folder(home, row.name) / boundaries if boundaries else None,
        tables=tuple(table.get("name", "") for table in document.get("tables", ())),
        created_by=row.created_by, created_at=row.created_at, approved_by=row.approved_by)


def _row(session, name: str) -> SharingProject:  # type: ignore[no-untyped-def]
    row = session.scalars(select(SharingProject).where(SharingProject.name == name)).first()
    if row is None:
        raise NotFound(f"no project named {name!r}")
    return row


def _stored_document(definition: ProjectDefinition) -> dict:
    """The TOML document with its file paths reduced to the copies' names, dates as text."""
    document = {key: value for key, value in definition.source.items()}
    retention = dict(document.get("retention", {}))
    retention["expires"] = definition.expires.isoformat()
    document["retention"] = retention
    if definition.denominators_path:
        document["denominators"] = definition.denominators_path.name
    if definition.place:
        place = dict(document["place"])
        for key in ("crosswalk", "boundaries"):
            if place.get(key):
                place[key] = Path(place[key]).name
        document["place"] = place
    return document


def create_project(home: CoordinatorHome, path: Path, actor: str = "operator") -> ProjectInfo:
    """Loads and checks a project file, copies it and its files into the home and records the
    project as a draft; returns it. Raises ConfigError (every problem) or Conflict."""
    with home.database.session() as session:
        partners = set(session.scalars(select(Partner.name)))
    definition = load_definition(path, partners)
    if definition.expires <= date.today():
        raise Conflict(f"the project's expiry date {definition.expires} has passed")
    folder = project_folder(home, definition.name)
    with home.database.session() as session:
        if session.scalars(select(SharingProject)
                           .where(SharingProject.name == definition.name)).first():
            raise Conflict(f"a project named {definition.name!r} exists already")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / "project.toml")
        for source in definition.files():
            shutil.copyfile(source, folder / source.name)
        row = SharingProject(name=definition.name, title=definition.title, status="draft",
                             definition=_stored_document(definition),
                             expires=definition.expires, created_by=actor)
        session.add(row)
        session.flush()
        info = _info(home, row)
    record_event(home.database, actor, "project_create", project=definition.name,
                 partners=len(definition.partners), tables=len(definition.tables),
                 expires=definition.expires.isoformat())
    return info


def approve_project(home: CoordinatorHome, name: str, token: str | None) -> ProjectInfo:
    """Approves a draft project with an approver token whose label is among the project's
    approvers; returns it. Raises Unauthorised, Forbidden (another role, an approver not named)
    or Conflict (not a draft, expired)."""
    principal = authenticate(home.database, token, ("approver",), where=f"project approve {name}")
    if principal.role != "approver":
        raise Forbidden("only an approver token (community oversight) approves a project; the "
                        "operator who wrote it may not")
    with home.database.session() as session:
        label = session.get(ApiToken, principal.token_id).label
        row = _row(session, name)
        status = _status(row, date.today())
        if status != "draft":
            raise Conflict(f"project {name!r} is {status}; only a draft can be approved")
        approvers = row.definition.get("approvers", [])
        if label not in approvers:
            raise Forbidden(f"this approver token's label ({label or 'none'}) is not among the "
                            f"project's approvers: {', '.join(approvers)}")
        row.status, row.approved_by, row.approved_at = "approved", label, utc_now()
        info = _info(home, row)
    record_event(home.database, principal.actor, "project_approve", project=name, approver=label)
    return info


def close_project(home: CoordinatorHome, name: str, actor: str = "operator") -> ProjectInfo:
    """Closes a project: no more exports or publications; its analyst tokens are revoked;
    published tables stay until it is purged. Returns it; raises NotFound or Conflict."""
    with home.database.session() as session:
        row = _row(session, name)
        if row.status in ("closed", "purged"):
            raise Conflict(f"project {name!r} is already {row.status}")
        row.status, row.closed_at = "closed", utc_now()
        for token in session.scalars(select(ApiToken).where(ApiToken.project_id == row.id,
                                                             ApiToken.revoked_at.is_(None))):
            token.revoked_at = utc_now()
        info = _info(home, row)
    record_event(home.database, actor, "project_close", project=name)
    return info


def list_projects(home: CoordinatorHome) -> list[ProjectInfo]:
    """Returns every project, oldest first."""
    with home.database.session() as session:
        return [_info(home, row) for row in
                session.scalars(select(SharingProject).order_by(SharingProject.id))]


def get_project(home: CoordinatorHome, name: str) -> ProjectInfo:
    """Returns one project; raises NotFound."""
    with home.database.session() as session:
        return _info(home, _row(session, name))


def project_definition(home: CoordinatorHome, name: str) -> ProjectDefinition:
    """Returns the checked definition of a project that is not purged; raises NotFound."""
    with home.database.session() as session:
        row = _row(session, name)
        if row.status == "purged":
            raise NotFound(f"project {name!r} was purged")
        document = _document(row.definition)
    return parse_definition(document, project_folder(home, name))


def require_live(home: CoordinatorHome, name: str) -> tuple[ProjectInfo, ProjectDefinition]:
    """Returns an approved, unexpired project; raises Forbidden otherwise (invariant 8)."""
    info = get_project(home, name)
    if info.status != "approved":
        raise Forbidden(f"project {name!r} is {info.status}: outputs need an approved, "
                        "unexpired project")
    return info, project_definition(home, name)
