"""Seal and open the two halves of a stored record: its CLK and its attributes.

Each is bound to its table, partner and pseudonym, so neither can be swapped between records.
Attributes stay a JSON value (``{"sealed": base64}``) so the column keeps its type.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hublink.coordinator.storage.sealing import Sealer

__all__ = ["seal_clk", "open_clk", "seal_attributes", "open_attributes", "spool_context"]


def _context(table: str, partner_id: int, pseudonym: str) -> bytes:
    return f"{table}:{partner_id}:{pseudonym}".encode()


def seal_clk(sealer: Sealer, partner_id: int, pseudonym: str, clk: bytes) -> bytes:
    """Returns the CLK sealed for its row."""
    return sealer.seal(clk, _context("encodings", partner_id, pseudonym))


def open_clk(sealer: Sealer, partner_id: int, pseudonym: str, stored: bytes) -> bytes:
    """Returns the CLK of a stored row; raises SealingError if it was altered or moved."""
    return sealer.open(stored, _context("encodings", partner_id, pseudonym))


def seal_attributes(sealer: Sealer, partner_id: int, pseudonym: str,
                    attributes: dict[str, Any]) -> dict[str, str]:
    """Returns the JSON value that stores the attributes sealed for their row."""
    plaintext = json.dumps(attributes, sort_keys=True).encode()
    sealed = sealer.seal(plaintext, _context("attributes", partner_id, pseudonym))
    return {"sealed": base64.b64encode(sealed).decode("ascii")}


def open_attributes(sealer: Sealer, partner_id: int, pseudonym: str,
                    stored: dict[str, Any]) -> dict[str, Any]:
    """Returns the attributes of a stored row (a legacy plain dict as it is)."""
    if set(stored) != {"sealed"}:
        return stored
    sealed = base64.b64decode(stored["sealed"])
    return json.loads(sealer.open(sealed, _context("attributes", partner_id, pseudonym)))


def spool_context(sync_id: str, number: int) -> bytes:
    """Returns the associated data of a spooled chunk."""
    return f"spool:{sync_id}:{number}".encode()
