"""Hardening shared by every API response: size limit, rate limit, headers, safe JSON parsing.

Settings (``create_app`` config or ``HUBLINK_<NAME>`` environment variables):

- ``MAX_CONTENT_LENGTH``: largest request body in bytes (413 above it); the default fits a
  chunk of 20,000 records with 1,024-byte CLKs and a dozen attributes.
- ``RATE_LIMIT_PER_MINUTE``: requests per bearer token (or per client address without one)
  in any 60 seconds (429 above it); 0 turns the limit off. The counters live in the memory of
  one process: under gunicorn each worker counts on its own, so the effective limit is the
  setting times the number of workers; put a shared limit in the reverse proxy if that matters.
- ``FORCE_HSTS``: send ``Strict-Transport-Security`` even when the request did not arrive
  over TLS (it is always sent when it did, or when the proxy says ``X-Forwarded-Proto: https``).
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import deque

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider

from hublink.coordinator.api.errors import error_response

__all__ = ["DEFAULT_MAX_CONTENT_LENGTH", "DEFAULT_RATE_LIMIT_PER_MINUTE", "SECURITY_HEADERS",
           "RateLimiter", "register_security"]

DEFAULT_MAX_CONTENT_LENGTH = 64 * 1024 * 1024
DEFAULT_RATE_LIMIT_PER_MINUTE = 600
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000; includeSubDomains"
_WINDOW_SECONDS = 60.0


class RateLimiter:
    """Sliding-window request counter per key, in memory, safe across threads."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> float:
        """Counts one request of ``key``; returns 0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._times.setdefault(key, deque())
            while times and times[0] <= now - _WINDOW_SECONDS:
                times.popleft()
            if len(times) >= self.per_minute:
                return times[0] + _WINDOW_SECONDS - now
            times.append(now)
            if len(self._times) > 10_000:  # forget idle keys so memory stays bounded
                for idle in [k for k, v in self._times.items() if not v]:
                    del self._times[idle]
            return 0.0


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
    return "address:" + str(request.remote_addr)


def register_security(app: Flask) -> None:
    """Adds the rate limit, path-parameter checks, safe JSON parsing and security headers."""
    app.config.setdefault("RATE_LIMIT_PER_MINUTE", DEFAULT_RATE_LIMIT_PER_MINUTE)
    app.config.setdefault("FORCE_HSTS", False)
    app.json = HardenedJSONProvider(app)
    limit = int(app.config["RATE_LIMIT_PER_MINUTE"])
    limiter = RateLimiter(limit) if limit > 0 else None
    app.extensions["hublink_rate_limiter"] = limiter

    @app.before_request
    def check_request():
        if limiter is not None:
            wait = limiter.allow(_rate_key())
            if wait:
                response = error_response(429, "rate_limited",
                                          f"more than {limiter.per_minute} requests a minute: "
                                          "slow down and retry later")
                response.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
                return response
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
