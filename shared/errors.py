"""Domain errors shared by the agent and the coordinator.

Each error carries a stable ``code``; the coordinator's API returns it in its JSON error
envelope and the agent's CLI maps error classes to exit codes. Messages never contain
identifier values.
"""

from __future__ import annotations

__all__ = [
    "HublinkError",
    "ConfigError",
    "SourceError",
    "InvalidPackage",
    "FingerprintMismatch",
]


class HublinkError(Exception):
    """Base of every hublink error: ``code`` is stable, ``message`` is for people."""

    code = "error"

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details or [])

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {line}" for line in self.details)


class ConfigError(HublinkError):
    """A configuration file or option is missing, malformed or inconsistent."""

    code = "bad_config"


class SourceError(HublinkError):
    """The partner's source data cannot be used as configured (structural problem)."""

    code = "bad_source"


class InvalidPackage(HublinkError):
    """An upload package breaks the wire format; nothing of it may be stored."""

    code = "invalid_package"


class FingerprintMismatch(HublinkError):
    """An upload was encoded with another linkage schema or secret than the project's."""

    code = "fingerprint_mismatch"
