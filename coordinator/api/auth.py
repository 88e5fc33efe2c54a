"""Bearer-token authentication and role checks for every endpoint.

``operator`` tokens may call every endpoint; on a partner's endpoints an operator names the
partner it acts for in the ``X-Hublink-Partner`` header. Every use and refusal is audited
(by ``coordinator.tokens.authenticate``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request

from hublink.coordinator.api.context import current_home
from hublink.coordinator.errors import NotFound
from hublink.coordinator.storage.models import Partner
from hublink.coordinator.errors import Forbidden
from hublink.coordinator.tokens import authenticate
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

__all__ = ["roles_required", "partner_required", "bearer_token", "ACTING_PARTNER_HEADER"]

ACTING_PARTNER_HEADER = "X-Hublink-Partner"


def bearer_token() -> str | None:
    """Returns the request's bearer token, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _database():  # type: ignore[no-untyped-def]
    return current_home().database


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Runs the view with ``g.principal`` set when the bearer token's role is one of ``roles``
    or ``operator``; 401 for no valid token, 403 for another role."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.principal = authenticate(_database(), bearer_token(), roles,
                                       where=f"{request.method} {request.path}")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _acting_partner(principal: Any) -> Partner:
    if principal.role == "partner":
        if principal.partner is None:
            raise Forbidden("this partner token belongs to no partner")
        return principal.partner
    name = request.headers.get(ACTING_PARTNER_HEADER, "").strip()
    if not name:
        raise BadRequest(f"an operator names the partner it acts for in the "
                         f"{ACTING_PARTNER_HEADER} header")
    with _database().session() as session:
        partner = session.scalars(select(Partner).where(Partner.name == name)).first()
    if partner is None:
        raise NotFound(f"no partner named {name!r}")
    return partner


def partner_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Runs the view with ``g.partner`` set: the partner token's partner, or the partner an
    operator token acts for; 401 without a valid token, 403 for any other role."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.principal = authenticate(_database(), bearer_token(), ("partner",),
                                   where=f"{request.method} {request.path}")
        g.partner = _acting_partner(g.principal)
        return view(*args, **kwargs)

    return wrapper
