"""Coordinator-side domain errors, each with its stable ``code`` and its ``http_status``."""

from __future__ import annotations

from hublink.shared.errors import HublinkError

__all__ = ["NotInitialised", "Unauthorised", "Forbidden", "NotFound", "Conflict"]


class NotInitialised(HublinkError):
    code = "not_initialised"
    http_status = 503


class Unauthorised(HublinkError):
    code = "unauthorised"
    http_status = 401


class Forbidden(HublinkError):
    """A valid token whose role may not do what was asked."""

    code = "forbidden"
    http_status = 403


class NotFound(HublinkError):
    code = "not_found"
    http_status = 404


class Conflict(HublinkError):
    code = "conflict"
    http_status = 409
