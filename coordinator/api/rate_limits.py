"""Rate limits shared by every gunicorn worker: requests per token, failed logins per address.

Counters are kept by the ``limits`` library (sliding-window counters: two numbers per key,
each expiring with its window, so the state stays bounded however many keys come and go) in
``RATE_LIMIT_STORAGE_URL``: ``memory://`` for one process, ``redis://host:6379`` to share them
across workers and hosts. Keys are prefixed with a digest of the home folder and database,
so hubs sharing one Redis never share counters. If the store is unreachable, requests go
through (and the error is logged): an outage of Redis must not stop the hub.
"""

from __future__ import annotations

import hashlib
import logging
import time

from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from hublink.coordinator.service_limits import ServiceLimits

__all__ = ["RateLimits"]

log = logging.getLogger(__name__)


class RateLimits:
    """The two limits of one app: ``allow_request`` per client key and the failed
    authentications of a client address."""

    def __init__(self, limits: ServiceLimits, namespace: str) -> None:
        prefix = "hublink-" + hashlib.sha256(namespace.encode()).hexdigest()[:16]
        options = {"key_prefix": prefix} if not limits.RATE_LIMIT_STORAGE_URL.startswith(
            "memory") else {}
        self.storage = storage_from_string(limits.RATE_LIMIT_STORAGE_URL, wrap_exceptions=True,
                                           **options)
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)
        self.prefix = prefix
        self.requests = (RateLimitItemPerMinute(limits.RATE_LIMIT_PER_MINUTE)
                         if limits.RATE_LIMIT_PER_MINUTE > 0 else None)
        self.failures = (RateLimitItemPerMinute(limits.FAILED_AUTH_PER_MINUTE)
                         if limits.FAILED_AUTH_PER_MINUTE > 0 else None)

    def _wait(self, item: RateLimitItemPerMinute, *key: str) -> float:
        stats = self.limiter.get_window_stats(item, self.prefix, *key)
        return max(1.0, stats.reset_time - time.time())

    def allow_request(self, key: str) -> float:
        """Counts one request of ``key``; returns 0 when allowed, else the seconds to wait."""
        if self.requests is None:
            return 0.0
        try:
            if self.limiter.hit(self.requests, self.prefix, "request", key):
                return 0.0
            return self._wait(self.requests, "request", key)
        except StorageError as error:
            log.error("rate-limit store unavailable (%s): request let through",
                      type(error.storage_error).__name__)
            return 0.0

    def address_blocked(self, address: str) -> float:
        """Returns 0 while ``address`` may still try to authenticate, else the seconds until
        it may again; counts nothing."""
        if self.failures is None:
            return 0.0
        try:
            if self.limiter.test(self.failures, self.prefix, "auth-failure", address):
                return 0.0
            return self._wait(self.failures, "auth-failure", address)
        except StorageError:
            return 0.0

    def count_failure(self, address: str) -> bool:
        """Counts one failed authentication of ``address``; returns True when this failure
        used up its allowance (the address is blocked from now on)."""
        if self.failures is None:
            return False
        try:
            self.limiter.hit(self.failures, self.prefix, "auth-failure", address)
            return not self.limiter.test(self.failures, self.prefix, "auth-failure", address)
        except StorageError:
            return False
