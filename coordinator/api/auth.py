"""Bearer-token authentication and role checks for every endpoint.

``operator`` tokens may call every endpoint; on a partner's endpoints an operator names the
partner it acts for in the ``X-Hublink-Partner`` header, and the audit names both. Every use
and refusal is audited (by ``coordinator.tokens``); failed authentications are also limited
per client address (``_authenticate``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from hublink.coordinator.api.context import current_home
from hublink.coordinator.api.security import client_address
from hublink.coordinator.errors import Forbidden, NotFound, Unauthorised
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.models import Partner
from hublink.coordinator.tokens import authenticate, record_token_use
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

__all__ = ["roles_required", "partner_required", "acting_actor", "authenticate_request",
           "bearer_token", "ACTING_PARTNER_HEADER"]

ACTING_PARTNER_HEADER = "X-Hublink-Partner"


def bearer_token() -> str | None:
    """Returns the request's bearer token, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _database():  # type: ignore[no-untyped-def]
    return current_home().database


def authenticate_request(roles: tuple[str, ...], record_use: bool = True) -> Any:
    """Authenticates the request's bearer token; a failure also counts against the client
    address (``FAILED_AUTH_PER_MINUTE``), and the failure that blocks the address is audited
    once as ``auth_blocked``; the blocked requests after it are refused unread and unaudited."""
    where = f"{request.method} {request.path}"
    try:
        return authenticate(_database(), bearer_token(), roles, where=where,
                            record_use=record_use)
    except Unauthorised:
        address = client_address()
        if current_app.extensions["hublink_rate_limits"].count_failure(address):
            record_event(_database(), "anonymous", "auth_blocked", address=address,
                         limit_per_minute=current_app.extensions["hublink_limits"]
                         .FAILED_AUTH_PER_MINUTE)
        raise


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Runs the view with ``g.principal`` set when the bearer token's role is one of ``roles``
    or ``operator``; 401 for no valid token, 403 for another role."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.principal = authenticate_request(roles)
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
    if partner.disabled_at is not None:  # as its own tokens are (tokens.authenticate)
        record_event(_database(), principal.actor_for(partner), "auth_refused",
                     token_id=principal.token_id, role=principal.role, reason="partner_disabled",
                     where=f"{request.method} {request.path}")
        raise Forbidden(f"partner {name!r} is disabled: an operator may not act for it until "
                        "`partner enable`")
    return partner


def acting_actor() -> str:
    """Returns the audit actor of the request: the partner, or the operator token and the
    partner it acts for."""
    return g.principal.actor_for(g.partner)


def partner_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Runs the view with ``g.partner`` set: the partner token's partner, or the partner an
    operator token acts for; 401 without a valid token, 403 for any other role. The token's
    use is audited with both the token and the partner."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        where = f"{request.method} {request.path}"
        g.principal = authenticate_request(("partner",), record_use=False)
        g.partner = _acting_partner(g.principal)
        record_token_use(_database(), g.principal, where, partner=g.partner)
        return view(*args, **kwargs)

    return wrapper
