"""Coordinator-side domain errors; the API maps each ``code`` to an HTTP status."""

from __future__ import annotations

from hublink.shared.errors import HublinkError

__all__ = ["NotInitialised", "Unauthorised", "Forbidden", "NotFound", "Conflict"]


class NotInitialised(HublinkError):
    code = "not_initialised"


class Unauthorised(HublinkError):
    code = "unauthorised"


class Forbidden(HublinkError):
    """A valid token whose role may not do what was asked."""

    code = "forbidden"


class NotFound(HublinkError):
    code = "not_found"


class Conflict(HublinkError):
    code = "conflict"
