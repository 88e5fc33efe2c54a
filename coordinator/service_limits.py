"""Every quota and limit of the coordinator's API, with its default: the one place they live.

Each is a ``create_app`` setting, also read from the ``HUBLINK_<NAME>`` environment variable.
The defaults fit a city hub (80+ partners, syncs of up to a few hundred thousand records)
without tuning; ``docs/operator-guide.md`` lists them (a test keeps that list complete).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

from hublink.shared.errors import HublinkError

__all__ = ["LIMIT_SETTINGS", "ServiceLimits", "QuotaExceeded", "SyncTooLarge",
           "limits_from_config"]


class QuotaExceeded(HublinkError):
    """A partner reached one of its quotas: nothing was stored; it may retry later."""

    code = "quota_exceeded"
    http_status = 429


class SyncTooLarge(HublinkError):
    """A sync would carry more records or bytes than one sync may: nothing was stored."""

    code = "sync_too_large"
    http_status = 413


@dataclass(frozen=True)
class ServiceLimits:
    """The quotas and limits in force (see ``LIMIT_SETTINGS`` for what each means)."""

    MAX_OPEN_SYNCS_PER_PARTNER: int = 4
    MAX_SYNC_RECORDS: int = 2_000_000
    MAX_SYNC_BYTES: int = 2 * 1024 ** 3
    SYNC_EXPIRY_HOURS: float = 48.0
    RATE_LIMIT_PER_MINUTE: int = 600
    FAILED_AUTH_PER_MINUTE: int = 20
    RATE_LIMIT_STORAGE_URL: str = "memory://"
    TRUSTED_PROXY_HOPS: int = 0


LIMIT_SETTINGS: dict[str, str] = {
    "MAX_OPEN_SYNCS_PER_PARTNER": "open (uncommitted) syncs one partner may hold; another open "
                                  "answers 429 quota_exceeded",
    "MAX_SYNC_RECORDS": "records (upserts and deletes) one sync may carry over all its chunks",
    "MAX_SYNC_BYTES": "bytes of chunk bodies one sync may spool over all its chunks",
    "SYNC_EXPIRY_HOURS": "an open sync with no chunk for this long is abandoned: it and its "
                         "spooled chunks are removed",
    "RATE_LIMIT_PER_MINUTE": "requests per bearer token (or per client address without one) in "
                             "any 60 seconds; 429 rate_limited above it; 0 turns it off",
    "FAILED_AUTH_PER_MINUTE": "failed authentications per client address in any 60 seconds; "
                              "above it every request of that address answers 429 unread and "
                              "unaudited (one audit entry records the block)",
    "RATE_LIMIT_STORAGE_URL": "where the rate-limit counters live: memory:// (one process, "
                              "development) or redis://host:6379 (shared by every gunicorn "
                              "worker; use it in production)",
    "TRUSTED_PROXY_HOPS": "reverse proxies in front that set X-Forwarded-For (1 behind the "
                          "deployment's Caddy), so the limits see each client's address, not "
                          "the proxy's; 0 trusts no such header",
}


def limits_from_config(config: Mapping[str, Any]) -> ServiceLimits:
    """Given an app's config (environment already merged), returns the limits in force;
    raises ValueError naming a setting that is not a number where one is needed."""
    values = {}
    for item in fields(ServiceLimits):
        if item.name not in config:
            continue
        raw = config[item.name]
        kind = type(item.default)
        try:
            values[item.name] = raw if isinstance(raw, kind) else kind(raw)
        except (TypeError, ValueError):
            raise ValueError(f"setting {item.name} must be a {kind.__name__}") from None
    return ServiceLimits(**values)
