"""Hardening shared by every API response: size limit, rate limits, headers, safe JSON parsing.

Settings (``create_app`` config or ``HUBLINK_<NAME>`` environment variables):

- ``MAX_CONTENT_LENGTH``: largest request body in bytes (413 above it); the default fits a
  chunk of 20,000 records with 1,024-byte CLKs and a dozen attributes. A chunk is further
  bounded by what a full chunk of its own sync can need (``syncs.chunk_body_limit``).
- the quotas and rate limits of ``service_limits`` (``RATE_LIMIT_PER_MINUTE``,
  ``FAILED_AUTH_PER_MINUTE``, ``RATE_LIMIT_STORAGE_URL``, ``TRUSTED_PROXY_HOPS``...), counted
  by ``rate_limits``.
- ``FORCE_HSTS``: send ``Strict-Transport-Security`` even when the request did not arrive
  over TLS (it is always sent when it did, or when the proxy says ``X-Forwarded-Proto: https``).

A token in the query string (``?token=``, ``?access_token=``...) is refused with 400: URLs end
up in logs and browser histories; tokens travel only in the ``Authorization`` header.
"""

from __future__ import annotations

import hashlib
import uuid

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import WSGIRequestHandler

from hublink.coordinator.api.context import home_of
from hublink.coordinator.api.errors import error_response
from hublink.coordinator.api.rate_limits import RateLimits
from hublink.coordinator.service_limits import limits_from_config

__all__ = ["DEFAULT_MAX_CONTENT_LENGTH", "SECURITY_HEADERS", "TOKEN_QUERY_PARAMETERS",
           "PathOnlyRequestHandler", "register_security", "client_address"]

DEFAULT_MAX_CONTENT_LENGTH = 64 * 1024 * 1024
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000; includeSubDomains"
TOKEN_QUERY_PARAMETERS = frozenset({"token", "access_token", "api_token", "api_key", "apikey",
                                    "bearer", "auth", "authorization"})


class PathOnlyRequestHandler(WSGIRequestHandler):
    """The development server's request handler, logging the path without its query string
    (as the deployment's gunicorn access log does): a token put in a URL is never logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        method, _, rest = self.requestline.partition(" ")
        target, _, protocol = rest.rpartition(" ")
        self.log("info", '"%s %s %s" %s %s', method, target.partition("?")[0], protocol,
                 code, size)


class HardenedJSONProvider(DefaultJSONProvider):
    """Turns a body nested too deeply for the parser into a JSON error instead of a crash."""

    def loads(self, s: str | bytes, **kwargs: object) -> object:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _rate_key() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    return "address:" + client_address()


def client_address() -> str:
    """Returns the client's address (as reported by the trusted proxies, if any)."""
    return str(request.remote_addr)


def _too_many(wait: float, message: str) -> Response:
    response = error_response(429, "rate_limited", message)
    response.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
    return response


def register_security(app: Flask) -> None:
    """Adds the rate limits, the query-token refusal, path-parameter checks, safe JSON parsing
    and security headers."""
    app.config.setdefault("FORCE_HSTS", False)
    app.json = HardenedJSONProvider(app)
    limits = limits_from_config(app.config)
    app.extensions["hublink_limits"] = limits
    home = home_of(app)
    rate_limits = RateLimits(limits, namespace=f"{home.path}|{home.database.url}")
    app.extensions["hublink_rate_limits"] = rate_limits
    if limits.TRUSTED_PROXY_HOPS > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=limits.TRUSTED_PROXY_HOPS,
                                x_proto=limits.TRUSTED_PROXY_HOPS)

    @app.before_request
    def check_request():
        if TOKEN_QUERY_PARAMETERS & {name.lower() for name in request.args}:
            return error_response(400, "token_in_query", "API tokens go only in the "
                                  "Authorization header, never in the URL: this request was "
                                  "refused; treat that token as exposed and have it revoked")
        blocked = rate_limits.address_blocked(client_address())
        if blocked:
            return _too_many(blocked, "too many failed authentications from this address: "
                             "wait, then retry with a valid token")
        wait = rate_limits.allow_request(_rate_key())
        if wait:
            return _too_many(wait, f"more than {limits.RATE_LIMIT_PER_MINUTE} requests a "
                             "minute: slow down and retry later")
        sync_id = (request.view_args or {}).get("sync_id")
        if sync_id is not None:
            try:
                uuid.UUID(sync_id)
            except ValueError:
                return error_response(404, "not_found", "sync ids are UUIDs: no such sync")
        return None

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        secure = request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"
        if secure or app.config["FORCE_HSTS"]:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
