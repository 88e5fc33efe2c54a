"""Seal and open the parts of a stored record: its CLK, its attributes and its enrollments.

Each is bound to its table, partner and pseudonym, so none can be swapped between records.
Attributes and enrollments stay a JSON value (``{"sealed": base64}``) so the column keeps
its type.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hublink.coordinator.storage.sealing import Sealer, SealingError

__all__ = ["seal_clk", "open_clk", "seal_attributes", "open_attributes", "open_sealed_attributes",
           "seal_enrollments", "open_enrollments", "open_sealed_enrollments", "spool_context"]

_NOT_SEALED = ("stored attributes are not sealed: run `hublink-coordinator rotate-data-key` to "
               "seal the values of an older hub")


def _context(table: str, partner_id: int, pseudonym: str) -> bytes:
    return f"{table}:{partner_id}:{pseudonym}".encode()


def seal_clk(sealer: Sealer, partner_id: int, pseudonym: str, clk: bytes) -> bytes:
    """Returns the CLK sealed for its row."""
    return sealer.seal(clk, _context("encodings", partner_id, pseudonym))


def open_clk(sealer: Sealer, partner_id: int, pseudonym: str, stored: bytes,
             allow_plain: bool = False) -> bytes:
    """Returns the CLK of a stored row; raises SealingError if it was altered, moved or is
    not sealed (unless ``allow_plain``: the migration that seals it)."""
    return sealer.open(stored, _context("encodings", partner_id, pseudonym), allow_plain)


def seal_attributes(sealer: Sealer, partner_id: int, pseudonym: str,
                    attributes: dict[str, Any]) -> dict[str, str]:
    """Returns the JSON value that stores the attributes sealed for their row."""
    plaintext = json.dumps(attributes, sort_keys=True).encode()
    sealed = sealer.seal(plaintext, _context("attributes", partner_id, pseudonym))
    return {"sealed": base64.b64encode(sealed).decode("ascii")}


def open_attributes(sealer: Sealer, partner_id: int, pseudonym: str,
                    stored: dict[str, Any], allow_plain: bool = False) -> dict[str, Any]:
    """Returns the attributes of a stored row; raises SealingError if they were altered,
    moved or are a plain dict (unless ``allow_plain``: the migration that seals them)."""
    if set(stored) != {"sealed"}:
        if allow_plain:
            return stored
        raise SealingError(_NOT_SEALED)
    return open_sealed_attributes(sealer, partner_id, pseudonym, stored["sealed"])


def open_sealed_attributes(sealer: Sealer, partner_id: int, pseudonym: str,
                           sealed: str | None) -> dict[str, Any]:
    """Returns the attributes of a stored row from its ``sealed`` member alone (what a query
    reads with ``RecordAttributes.attributes["sealed"].as_string()``, saving a JSON decode);
    raises SealingError when there is none (a plain dict) or it does not open."""
    if not isinstance(sealed, str):
        raise SealingError(_NOT_SEALED)
    opened = sealer.open(base64.b64decode(sealed), _context("attributes", partner_id, pseudonym))
    return json.loads(opened)


def seal_enrollments(sealer: Sealer, partner_id: int, pseudonym: str,
                     enrollments: list[dict[str, str | None]]) -> dict[str, str] | None:
    """Returns the JSON value that stores a record's enrollments sealed for their row, or None
    when it has none."""
    if not enrollments:
        return None
    plaintext = json.dumps(enrollments, sort_keys=True).encode()
    sealed = sealer.seal(plaintext, _context("enrollments", partner_id, pseudonym))
    return {"sealed": base64.b64encode(sealed).decode("ascii")}


def open_enrollments(sealer: Sealer, partner_id: int, pseudonym: str,
                     stored: dict[str, Any] | None) -> list[dict[str, str | None]]:
    """Returns the enrollments of a stored row ([] when it has none); raises SealingError if
    they were altered or moved."""
    if not stored:
        return []
    return open_sealed_enrollments(sealer, partner_id, pseudonym, stored["sealed"])


def open_sealed_enrollments(sealer: Sealer, partner_id: int, pseudonym: str,
                            sealed: str | None) -> list[dict[str, str | None]]:
    """Returns the enrollments of a stored row from its ``sealed`` member alone ([] for none)."""
    if not sealed:
        return []
    opened = sealer.open(base64.b64decode(sealed), _context("enrollments", partner_id, pseudonym))
    return json.loads(opened)


def spool_context(sync_id: str, number: int) -> bytes:
    """Returns the associated data of a spooled chunk."""
    return f"spool:{sync_id}:{number}".encode()
