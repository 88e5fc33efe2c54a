"""The partner view ``hublink.partner-view/1``: what the coordinator holds for one partner.

Every ``sync`` fetches it (``GET /api/v1/partner-view``), even when nothing changed, and compares
it with what the agent last committed. It carries only the calling partner's own figures: its
last committed sync (id, time, linkage fingerprint), its record count and a digest of its
record pseudonyms. Never a hub-wide figure, a CLK or anything about another partner.

The pseudonym digest is order-independent and computed streaming on both sides: the sum,
modulo 2**256, of ``SHA-256("hublink/partner-view/v1\\n" || pseudonym)`` over the pseudonyms,
as 64 hex digits. A set's pseudonyms are distinct (a partner holds each once), so the sum
changes whenever one is added or removed; no sorting and no database collation is involved.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hublink.shared.errors import InvalidPackage

__all__ = ["PARTNER_VIEW_FORMAT", "EMPTY_DIGEST", "PartnerView", "PseudonymDigest"]

PARTNER_VIEW_FORMAT = "hublink.partner-view/1"
_DOMAIN = b"hublink/partner-view/v1\n"
_MODULUS = 1 << 256
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class PseudonymDigest:
    """Accumulates the order-independent digest of a set of distinct pseudonyms."""

    def __init__(self) -> None:
        self._total = 0

    def add(self, pseudonym: str) -> None:
        """Adds one pseudonym (each pseudonym of the set exactly once)."""
        self._total += int.from_bytes(hashlib.sha256(_DOMAIN + pseudonym.encode("ascii")).digest(),
                                      "big")

    def update(self, pseudonyms: Iterable[str]) -> "PseudonymDigest":
        """Adds every pseudonym; returns this digest."""
        for pseudonym in pseudonyms:
            self.add(pseudonym)
        return self

    def hexdigest(self) -> str:
        """Returns the digest as 64 lower-case hex digits."""
        return (self._total % _MODULUS).to_bytes(32, "big").hex()


EMPTY_DIGEST = PseudonymDigest().hexdigest()


@dataclass(frozen=True)
class PartnerView:
    """The coordinator's view of one partner; ``last_sync_*`` are None before its first commit."""

    partner: str
    last_sync_id: str | None
    last_sync_at: str | None
    fingerprint: str | None
    record_count: int
    pseudonym_digest: str

    def to_wire(self) -> dict[str, Any]:
        """Returns the JSON body of ``GET /api/v1/partner-view``."""
        return {"format": PARTNER_VIEW_FORMAT, "partner": self.partner,
                "last_sync": None if self.last_sync_id is None else {
                    "id": self.last_sync_id, "committed_at": self.last_sync_at,
                    "fingerprint": self.fingerprint},
                "record_count": self.record_count, "pseudonym_digest": self.pseudonym_digest}

    @classmethod
    def from_wire(cls, body: object) -> "PartnerView":
        """Given a decoded JSON body, returns the view; raises InvalidPackage when malformed."""
        if not isinstance(body, dict) or body.get("format") != PARTNER_VIEW_FORMAT:
            raise InvalidPackage(f"the partner view is not {PARTNER_VIEW_FORMAT}")
        last = body.get("last_sync")
        count, digest = body.get("record_count"), body.get("pseudonym_digest")
        if last is not None and not (isinstance(last, dict) and isinstance(last.get("id"), str)):
            raise InvalidPackage("the partner view's last_sync must be null or have an id")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidPackage("the partner view's record_count must be a whole number")
        if not isinstance(digest, str) or not _HEX64.match(digest):
            raise InvalidPackage("the partner view's pseudonym_digest must be 64 hex digits")
        last = last or {}
        return cls(partner=str(body.get("partner", "")), last_sync_id=last.get("id"),
                   last_sync_at=last.get("committed_at"), fingerprint=last.get("fingerprint"),
                   record_count=count, pseudonym_digest=digest)
