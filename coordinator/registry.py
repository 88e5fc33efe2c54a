"""The project, its partners and their API tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from hublink.coordinator.errors import Conflict, NotFound, NotInitialised
from hublink.coordinator.storage import Database, record_event
from hublink.coordinator.storage.models import ApiToken, Partner, Project, utc_now
from hublink.coordinator.tokens import hash_token, issue_token
from sqlalchemy import func, select

__all__ = ["LINK_SCOPES", "PartnerInfo", "init_project", "get_project", "add_partner",
           "list_partners", "rename_partner", "set_partner_disabled", "hash_token"]

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


def _check_name(name: str) -> None:
    if not _PARTNER_NAME.fullmatch(name):  # fullmatch: "$" would let a final newline in
        raise Conflict("partner names are 1-80 letters, digits, spaces, dots, dashes or "
                       "underscores")


def add_partner(database: Database, name: str) -> tuple[Partner, str]:
    """Registers a partner; returns it and its new partner token (shown once, stored hashed,
    expiring after the partner default of ``tokens.DEFAULT_LIFETIMES``)."""
    get_project(database)
    _check_name(name)
    with database.session() as session:
        if session.scalars(select(Partner).where(Partner.name == name)).first():
            raise Conflict(f"partner {name!r} already exists")
        partner = Partner(name=name)
        session.add(partner)
    _, token = issue_token(database, "partner", partner=name, label="partner agent")
    return partner, token


@dataclass(frozen=True)
class PartnerInfo:
    """What the operator sees of a partner: counts and dates, never its records."""

    name: str
    created_at: datetime
    disabled_at: datetime | None
    active_tokens: int
    records: int
    last_sync_at: datetime | None


def list_partners(database: Database) -> list[PartnerInfo]:
    """Returns every partner by name, with its usable tokens and its last committed sync."""
    from hublink.coordinator.linkage_secret import last_committed_sync  # it imports this module
    get_project(database)
    now = utc_now()
    with database.session() as session:
        partners = session.scalars(select(Partner).order_by(Partner.name)).all()
        tokens = dict(session.execute(
            select(ApiToken.partner_id, func.count()).where(
                ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
            .group_by(ApiToken.partner_id)).all())
        infos = []
        for partner in partners:
            sync = last_committed_sync(session, partner.id)
            infos.append(PartnerInfo(partner.name, partner.created_at, partner.disabled_at,
                                     tokens.get(partner.id, 0), sync.record_count if sync else 0,
                                     sync.committed_at if sync else None))
    return infos


def _partner_named(session, name: str) -> Partner:  # type: ignore[no-untyped-def]
    partner = session.scalars(select(Partner).where(Partner.name == name)).first()
    if partner is None:
        raise NotFound(f"no partner named {name!r} (see `partner list`)")
    return partner


def rename_partner(database: Database, old: str, new: str) -> None:
    """Renames a partner; its tokens, records and link IDs stay its own (audited). Raises
    NotFound, or Conflict for a malformed or taken name."""
    get_project(database)
    _check_name(new)
    with database.session() as session:
        partner = _partner_named(session, old)
        if old != new and session.scalars(select(Partner).where(Partner.name == new)).first():
            raise Conflict(f"partner {new!r} already exists")
        partner.name = new
    record_event(database, "operator", "partner_rename", old=old, new=new)


def set_partner_disabled(database: Database, name: str, disabled: bool) -> bool:
    """Disables a partner (every token of it is refused from the next request on, audited) or
    enables it again; returns whether anything changed. Raises NotFound."""
    get_project(database)
    with database.session() as session:
        partner = _partner_named(session, name)
        changed = (partner.disabled_at is None) == disabled
        if changed:
            partner.disabled_at = utc_now() if disabled else None
    if changed:
        record_event(database, "operator", "partner_disable" if disabled else "partner_enable",
                     partner=name)
    return changed

