"""One JSON error envelope for the whole API: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import errno
import logging
import traceback

from flask import Flask, jsonify
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from hublink.shared.errors import HublinkError

__all__ = ["register_error_handlers", "error_response"]

log = logging.getLogger(__name__)

# Errors of the hub's own resources, not of the request: the client may retry later.
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def error_response(status: int, code: str, message: str, details: list[str] | None = None):
    """Returns a Flask response carrying the error envelope."""
    response = jsonify({"error": {"code": code, "message": message, "details": details or []}})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Turns domain errors, HTTP errors and crashes into the envelope; never a stack trace."""

    @app.errorhandler(HublinkError)
    def domain_error(error: HublinkError):
        return error_response(error.http_status, error.code, error.message, error.details)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = {413: "payload_too_large", 404: "not_found", 405: "method_not_allowed",
                400: "bad_request"}.get(error.code or 500, "http_error")
        return error_response(error.code or 500, code, error.description or error.name)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        # Only the class: a driver's message can quote parameter values (pseudonyms, CLKs).
        log.error("database unavailable: %s", type(error.orig or error).__name__)
        return error_response(503, "database_unavailable", "the hub's database is unavailable "
                              "(restarting or unreachable); try again later")

    @app.errorhandler(Exception)
    def crash(error: Exception):
        if isinstance(error, OSError) and error.errno in _DISK_FULL:
            log.error("storage full (%s)", error.strerror)
            return error_response(507, "storage_full", "the hub is out of disk space; nothing "
                                  "was stored, try again once the hub operator has freed space")
        log.error("unhandled %s at %s", type(error).__name__,
                  " <- ".join(f"{frame.name}:{frame.lineno}" for frame in
                              reversed(traceback.extract_tb(error.__traceback__))))
        return error_response(500, "internal_error", "the coordinator hit an internal error")
