"""Domain errors shared by the agent and the coordinator.

Each error carries a stable ``code`` and the HTTP status the coordinator's API answers it with
(``http_status``; 500 unless a class says otherwise, so an unforeseen domain error is never
blamed on the client); the agent's CLI maps error classes to exit codes. Messages never
contain identifier values.
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
    http_status = 500

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
    http_status = 400


class SourceError(HublinkError):
    """The partner's source data cannot be used as configured (structural problem)."""

    code = "bad_source"
    http_status = 400


class InvalidPackage(HublinkError):
    """An upload package breaks the wire format; nothing of it may be stored."""

    code = "invalid_package"
    http_status = 400


class FingerprintMismatch(HublinkError):
    """An upload was encoded with another linkage schema or secret than the project's."""

    code = "fingerprint_mismatch"
    http_status = 409
