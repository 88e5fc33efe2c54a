"""The project, its partners and their API tokens."""

from __future__ import annotations

import re

from hublink.coordinator.errors import Conflict, NotInitialised
from hublink.coordinator.storage import Database, record_event
from hublink.coordinator.storage.models import Partner, Project
from hublink.coordinator.tokens import hash_token, issue_token
from sqlalchemy import select

__all__ = ["LINK_SCOPES", "init_project", "get_project", "add_partner", "hash_token",
           "announce_key_rotation"]

LINK_SCOPES = ("partner", "hub")
_PARTNER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}")


def init_project(database: Database, link_scope: str = "partner") -> Project:
    """Migrates the database to the newest schema and creates the project (both safe to
    repeat); returns it; raises Conflict when it already exists with another link scope."""
    if link_scope not in LINK_SCOPES:
        raise Conflict(f"link scope must be one of {', '.join(LINK_SCOPES)}")
    database.upgrade_schema()
    with database.session() as session:
        project = session.get(Project, 1)
        if project is None:
            project = Project(id=1, link_scope=link_scope)
            session.add(project)
        elif project.link_scope != link_scope:
            raise Conflict(f"the project already exists with link scope {project.link_scope!r}")
    record_event(database, "operator", "project_init", link_scope=link_scope)
    return project


def get_project(database: Database) -> Project:
    """Returns the project; raises NotInitialised before ``init``."""
    try:
        with database.session() as session:
            project = session.get(Project, 1)
    except Exception as error:  # no tables yet
        raise NotInitialised("the coordinator is not initialised: run "
                             "`hublink-coordinator init`") from error
    if project is None:
        raise NotInitialised("the coordinator is not initialised: run `hublink-coordinator init`")
    return project


def add_partner(database: Database, name: str) -> tuple[Partner, str]:
    """Registers a partner; returns it and its new partner token (shown once, stored hashed,
    expiring after the partner default of ``tokens.DEFAULT_LIFETIMES``)."""
    get_project(database)
    if not _PARTNER_NAME.fullmatch(name):  # fullmatch: "$" would let a final newline in
        raise Conflict("partner names are 1-80 letters, digits, spaces, dots, dashes or "
                       "underscores")
    with database.session() as session:
        if session.scalars(select(Partner).where(Partner.name == name)).first():
            raise Conflict(f"partner {name!r} already exists")
        partner = Partner(name=name)
        session.add(partner)
    _, token = issue_token(database, "partner", partner=name, label="partner agent")
    return partner, token


def announce_key_rotation(database: Database, fingerprint: str) -> None:
    """Accepts syncs under a new linkage secret, identified by its fingerprint (from the key
    custodian's `hublink-agent fingerprint`); the new secret becomes the project's once every
    partner has synced under it. Raises Conflict for a malformed or current fingerprint."""
    if not re.fullmatch(r"[0-9a-f]{64}", fingerprint):
        raise Conflict("a fingerprint is 64 lower-case hexadecimal characters")
    get_project(database)
    with database.session() as session:
        project = session.get(Project, 1)
        if project.fingerprint == fingerprint:
            raise Conflict("that fingerprint is already the project's")
        project.next_fingerprint = fingerprint
    record_event(database, "operator", "key_rotation_announced")
