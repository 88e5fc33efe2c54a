"""One JSON error envelope for the whole API: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from hublink.shared.errors import HublinkError

__all__ = ["register_error_handlers", "error_response", "STATUS_BY_CODE"]

log = logging.getLogger(__name__)

STATUS_BY_CODE = {
    "invalid_package": 400, "bad_request": 400, "unauthorised": 401, "not_found": 404,
    "conflict": 409, "fingerprint_mismatch": 409, "payload_too_large": 413,
    "not_initialised": 503,
}


def error_response(status: int, code: str, message: str, details: list[str] | None = None):
    """Returns a Flask response carrying the error envelope."""
    response = jsonify({"error": {"code": code, "message": message, "details": details or []}})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Turns domain errors, HTTP errors and crashes into the envelope; never a stack trace."""

    @app.errorhandler(HublinkError)
    def domain_error(error: HublinkError):
        return error_response(STATUS_BY_CODE.get(error.code, 400), error.code, error.message,
                              error.details)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = {413: "payload_too_large", 404: "not_found", 405: "method_not_allowed",
                400: "bad_request"}.get(error.code or 500, "http_error")
        return error_response(error.code or 500, code, error.description or error.name)

    @app.errorhandler(Exception)
    def crash(error: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "the coordinator hit an internal error")
