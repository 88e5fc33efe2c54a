"""The upload package: what an agent sends, and the only thing it sends.

A package holds a partner's complete current record set as columns: keyed record
pseudonyms, CLKs packed back to back (see ``clk_layout``), and declared de-identified
attributes. ``to_wire``/``from_wire`` turn it into and out of a JSON-compatible dict and
check every rule a receiver relies on, so a bad package fails before anything is stored.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from hublink.shared.attributes import MAX_ATTRIBUTE_VALUE_LENGTH, validate_attribute_name
from hublink.shared.errors import InvalidPackage

__all__ = ["UPLOAD_FORMAT", "UploadPackage"]

UPLOAD_FORMAT = "hublink.upload/1"
_PSEUDONYM_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_FINGERPRINT_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_SCHEMA_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{0,39}$")


@dataclass
class UploadPackage:
    """A partner's record set ready to send: no identifier travels in it."""

    schema_id: str
    fingerprint: str
    clk_bytes: int
    pseudonyms: list[str]
    clks: bytes
    attributes: dict[str, list[str | None]] = field(default_factory=dict)
    agent_version: str = ""

    @property
    def record_count(self) -> int:
        return len(self.pseudonyms)

    def validate(self) -> None:
        """Returns nothing; raises InvalidPackage listing every broken rule at once."""
        problems: list[str] = []
        if not _SCHEMA_ID_PATTERN.match(self.schema_id or ""):
            problems.append("schema_id is missing or malformed")
        if not _FINGERPRINT_PATTERN.match(self.fingerprint or ""):
            problems.append("fingerprint must be 64 lower-case hex characters")
        if not 8 <= self.clk_bytes <= 1024:
            problems.append("clk_bytes must be between 8 and 1024")
        elif len(self.clks) != self.clk_bytes * self.record_count:
            problems.append(
                f"clks hold {len(self.clks)} bytes, expected {self.clk_bytes} per record "
                f"for {self.record_count} records")
        bad_pseudonyms = sum(1 for value in self.pseudonyms if not _PSEUDONYM_PATTERN.match(value))
        if bad_pseudonyms:
            problems.append(f"{bad_pseudonyms} pseudonyms are not 64 lower-case hex characters")
        if len(set(self.pseudonyms)) != len(self.pseudonyms):
            problems.append("pseudonyms repeat: each record key may appear once")
        for name, values in self.attributes.items():
            try:
                validate_attribute_name(name)
            except InvalidPackage as error:
                problems.append(error.message)
                continue
            if len(values) != self.record_count:
                problems.append(
                    f"attribute {name!r} has {len(values)} values for {self.record_count} records")
            if any(value is not None and not isinstance(value, str) for value in values):
                problems.append(f"attribute {name!r} values must be strings or null")
            elif any(value is not None and len(value) > MAX_ATTRIBUTE_VALUE_LENGTH for value in values):
                problems.append(
                    f"attribute {name!r} has values longer than {MAX_ATTRIBUTE_VALUE_LENGTH} characters")
        if problems:
            raise InvalidPackage("the upload package is invalid", details=problems)

    def to_wire(self) -> dict:
        """Returns the package as a JSON-compatible dict."""
        return {
            "format": UPLOAD_FORMAT,
            "schema_id": self.schema_id,
            "fingerprint": self.fingerprint,
            "clk_bytes": self.clk_bytes,
            "record_count": self.record_count,
            "pseudonyms": self.pseudonyms,
            "clks": base64.b64encode(self.clks).decode("ascii"),
            "attributes": self.attributes,
            "agent_version": self.agent_version,
        }

    @classmethod
    def from_wire(cls, body: object) -> "UploadPackage":
        """Given a decoded JSON body, returns a validated package; raises InvalidPackage."""
        if not isinstance(body, dict):
            raise InvalidPackage("the upload body must be a JSON object")
        if body.get("format") != UPLOAD_FORMAT:
            raise InvalidPackage(f"unsupported package format; expected {UPLOAD_FORMAT!r}")
        missing = [key for key in ("schema_id", "fingerprint", "clk_bytes", "record_count",
                                   "pseudonyms", "clks") if key not in body]
        if missing:
            raise InvalidPackage("the upload package lacks required fields", details=missing)
        pseudonyms, attributes = body["pseudonyms"], body.get("attributes") or {}
        if not isinstance(pseudonyms, list) or not all(isinstance(p, str) for p in pseudonyms):
            raise InvalidPackage("pseudonyms must be a list of strings")
        if not isinstance(attributes, dict) or not all(isinstance(v, list) for v in attributes.values()):
            raise InvalidPackage("attributes must map names to lists of values")
        if not isinstance(body["clk_bytes"], int) or body["record_count"] != len(pseudonyms):
            raise InvalidPackage("record_count and clk_bytes must agree with the data sent")
        try:
            clks = base64.b64decode(body["clks"], validate=True)
        except (binascii.Error, TypeError, ValueError) as error:
            raise InvalidPackage("clks must be standard base64") from error
        package = cls(
            schema_id=str(body["schema_id"]), fingerprint=str(body["fingerprint"]),
            clk_bytes=body["clk_bytes"], pseudonyms=pseudonyms, clks=clks,
            attributes=attributes, agent_version=str(body.get("agent_version", ""))[:40])
        package.validate()
        return package
