"""API tokens for every role: issue, list, revoke and authenticate.

A token is ``<prefix><43 url-safe characters>`` (256 random bits) whose prefix names its role.
Only its SHA-256 is stored; it is shown once, when issued. Every issue, revoke, use and refusal
lands in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from hublink.coordinator.errors import Conflict, Forbidden, NotFound, Unauthorised
from hublink.coordinator.storage import Database, record_event
from hublink.coordinator.storage.models import ApiToken, Partner, SharingProject, utc_now
from hublink.shared.durations import parse_duration
from sqlalchemy import select

__all__ = ["ROLES", "PREFIXES", "DEFAULT_LIFETIMES", "Forbidden", "TokenInfo", "Principal",
           "hash_token", "parse_lifetime", "issue_token", "list_tokens", "revoke_token",
           "authenticate", "record_token_use"]

ROLES = ("operator", "partner", "analyst", "viewer", "approver")
PREFIXES = {"operator": "hlo_", "partner": "hlp_", "analyst": "hla_", "viewer": "hlv_",
            "approver": "hlr_"}
DEFAULT_LIFETIMES = {"operator": timedelta(days=90), "partner": timedelta(days=365),
                     "analyst": timedelta(days=30), "viewer": timedelta(days=90),
                     "approver": timedelta(days=365)}
_MAXIMUM_LIFETIME = timedelta(days=3 * 365)


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never the token or its hash."""

    id: int
    role: str
    partner: str | None
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    project: str | None = None


@dataclass(frozen=True)
class Principal:
    """The holder of an authenticated token (analysts: of one data-sharing project)."""

    token_id: int
    role: str
    partner: Partner | None
    project_id: int | None = None

    @property
    def actor(self) -> str:
        """The name the audit log records for this holder."""
        if self.partner is not None and self.role == "partner":
            return f"partner:{self.partner.name}"
        return f"{self.role}:token-{self.token_id}"

    def actor_for(self, partner: Partner | None) -> str:
        """The audit actor when acting on ``partner``'s records: the partner itself, or this
        token and the partner it acts for (an operator)."""
        if partner is None or (self.role == "partner" and self.partner is not None):
            return self.actor
        return f"{self.actor} for partner:{partner.name}"


def hash_token(token: str) -> str:
    """Returns the SHA-256 hex of a token: tokens are stored only this way."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_lifetime(text: str) -> timedelta:
    """Given ``12h``, ``90d`` or ``8w``, returns the duration; raises Conflict otherwise or
    beyond three years."""
    try:
        lifetime = timedelta(seconds=parse_duration(text, units="hdw"))
    except ValueError:
        raise Conflict(f"a token lifetime looks like 12h, 90d or 8w, not {text!r}") from None
    if lifetime > _MAXIMUM_LIFETIME:
        raise Conflict("a token may live at most 3 years (1095d)")
    return lifetime


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def _info(token: ApiToken, partner_name: str | None,
          project_name: str | None = None) -> TokenInfo:
    return TokenInfo(token.id, token.role, partner_name, token.label, _aware(token.created_at),
                     _aware(token.expires_at), _aware(token.last_used_at),
                     _aware(token.revoked_at), project_name)


def issue_token(database: Database, role: str, *, partner: str | None = None,
                label: str | None = None, lifetime: timedelta | None = None,
                actor: str = "operator", project: str | None = None) -> tuple[TokenInfo, str]:
    """Issues a token of ``role`` (partner tokens name their partner, analyst tokens their
    data-sharing project, others neither); returns what may be shown about it and the token
    itself, to be shown once. Raises Conflict for an unknown role, a misplaced partner or
    project, or a closed or purged project, NotFound for an unknown partner or project."""
    if role not in ROLES:
        raise Conflict(f"the role must be one of {', '.join(ROLES)}")
    if (role == "partner") != (partner is not None):
        raise Conflict("a partner token needs --partner; other roles take none")
    if (role == "analyst") != (project is not None):
        raise Conflict("an analyst token is issued for one project (--project); other roles "
                       "take none")
    if label is not None and len(label) > 120:
        raise Conflict("a token label is at most 120 characters")
    token = PREFIXES[role] + secrets.token_urlsafe(32)
    issued = utc_now()
    expires = issued + (lifetime or DEFAULT_LIFETIMES[role])
    with database.session() as session:
        partner_id = None
        if partner is not None:
            found = session.scalars(select(Partner).where(Partner.name == partner)).first()
            if found is None:
                raise NotFound(f"no partner named {partner!r}")
            partner_id = found.id
        project_id = None
        if project is not None:
            bound = session.scalars(select(SharingProject)
                                    .where(SharingProject.name == project)).first()
            if bound is None:
                raise NotFound(f"no project named {project!r}")
            if bound.status in ("closed", "purged"):
                raise Conflict(f"project {project!r} is {bound.status}")
            project_id = bound.id
        row = ApiToken(token_hash=hash_token(token), role=role, partner_id=partner_id,
                       label=label, created_at=issued, expires_at=expires, project_id=project_id)
        session.add(row)
        session.flush()
        info = _info(row, partner, project)
    record_event(database, actor, "token_issue", token_id=info.id, role=role, partner=partner,
                 project=project, label=label, expires_at=expires.isoformat())
    return info, token


def list_tokens(database: Database) -> list[TokenInfo]:
    """Returns every token, oldest first, without the token or its hash."""
    with database.session() as session:
        rows = session.execute(select(ApiToken, Partner.name, SharingProject.name)
                               .outerjoin(Partner, ApiToken.partner_id == Partner.id)
                               .outerjoin(SharingProject,
                                          ApiToken.project_id == SharingProject.id)
                               .order_by(ApiToken.id))
        return [_info(token, name, project) for token, name, project in rows]


def revoke_token(database: Database, token_id: int, actor: str = "operator") -> TokenInfo:
    """Revokes a token at once (repeating is harmless); returns it; raises NotFound."""
    with database.session() as session:
        row = session.execute(select(ApiToken, Partner.name)
                              .outerjoin(Partner, ApiToken.partner_id == Partner.id)
                              .where(ApiToken.id == token_id)).first()
        if row is None:
            raise NotFound(f"no token with id {token_id}")
        token, name = row
        already = token.revoked_at is not None
        if not already:
            token.revoked_at = utc_now()
        info = _info(token, name)
    if not already:
        record_event(database, actor, "token_revoke", token_id=token_id, role=info.role,
                     partner=name)
    return info


def _refuse(database: Database, reason: str, message: str, **detail: object) -> Unauthorised:
    record_event(database, "anonymous", "auth_failed", reason=reason, **detail)
    return Unauthorised(message)


def record_token_use(database: Database, principal: Principal, where: str,
                     partner: Partner | None = None) -> None:
    """Audits one use of a token, naming the partner it acted on when there is one."""
    detail = {"partner": partner.name} if partner is not None else {}
    record_event(database, principal.actor_for(partner), "token_use",
                 token_id=principal.token_id, where=where, **detail)


def authenticate(database: Database, token: str | None, roles: tuple[str, ...],
                 where: str = "", record_use: bool = True) -> Principal:
    """Given a bearer token and the roles allowed besides ``operator``, returns its holder and
    records its use (unless ``record_use`` is false: the caller records it with
    ``record_token_use``). Raises Unauthorised (audited) for a missing, unknown, expired or
    revoked token and Forbidden (audited) for a role not allowed."""
    if not token:
        raise _refuse(database, "missing", "an API token is required (Authorization: Bearer ...)",
                      where=where)
    now = utc_now()
    failure: tuple[str, str] | None = None
    with database.session() as session:
        row = session.execute(select(ApiToken, Partner)
                              .outerjoin(Partner, ApiToken.partner_id == Partner.id)
                              .where(ApiToken.token_hash == hash_token(token))).first()
        stored, partner = row if row is not None else (None, None)
        expires = _aware(stored.expires_at) if stored is not None else None
        if stored is None:
            failure = ("unknown", "the API token is not valid")
        elif stored.revoked_at is not None:
            failure = ("revoked", "the API token was revoked; ask the hub operator for a new one")
        elif expires is None or expires <= now:
            failure = ("expired", "the API token expired"
                       + (f" at {expires.isoformat(timespec='seconds')}" if expires else "")
                       + "; ask the hub operator for a new one")
        elif partner is not None and partner.disabled_at is not None:
            failure = ("partner_disabled", f"partner {partner.name!r} is disabled: the hub "
                       "operator enables it again with `partner enable`")
        else:
            principal = Principal(stored.id, stored.role, partner, stored.project_id)
            refused = stored.role != "operator" and stored.role not in roles
            if not refused:
                stored.last_used_at = now
    # The audit log is written only once this session has ended: SQLite allows one writer.
    if failure is not None:
        detail = {"token_id": stored.id} if stored is not None else {}
        raise _refuse(database, failure[0], failure[1], where=where, **detail)
    if refused:
        record_event(database, principal.actor, "auth_refused", token_id=principal.token_id,
                     role=principal.role, where=where)
        raise Forbidden(f"a {principal.role} token may not do this; it needs the role "
                        f"{' or '.join(('operator',) + roles)}")
    if record_use:
        record_token_use(database, principal, where)
    return principal
