"""Bearer-token authentication for partner agents; every token use is audited."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from hublink.coordinator.registry import authenticate_partner
from hublink.coordinator.storage import record_event

__all__ = ["partner_required"]


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def partner_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Runs the view with ``g.partner`` set from the bearer token; 401 otherwise."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        database = current_app.extensions["hublink_home"].database
        g.partner = authenticate_partner(database, _bearer_token())
        record_event(database, f"partner:{g.partner.name}", "token_use",
                     method=request.method, path=request.path)
        return view(*args, **kwargs)

    return wrapper
