"""The sync protocol: how an agent brings the coordinator's copy of its records up to date.

A sync is opened (``SyncStart``), filled with numbered chunks (``SyncChunk``: upserts and
deletes) and committed (``SyncCommit``). The agent names the sync with a random UUID, so every
step is idempotent and a killed sync can be resumed: chunks already received are not resent,
and a repeated commit returns the first commit's receipt. Nothing of a sync is visible until
its commit, which applies every chunk in one transaction or none at all.

A ``full`` sync replaces the partner's record set; a ``delta`` sync applies changes on top of
the partner's last committed sync (``base_sync_id``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import uuid
from dataclasses import dataclass, field

from hublink.shared.attributes import MAX_ATTRIBUTE_VALUE_LENGTH, validate_attribute_name
from hublink.shared.errors import InvalidPackage
from hublink.shared.linkage_schema import load_linkage_schema, set_bit_bounds
from hublink.shared.pii_firewall import attribute_name_problems, value_rule_problems

__all__ = ["SYNC_FORMAT", "SYNC_MODES", "MAX_CHUNK_RECORDS", "MAX_RECORD_ENROLLMENTS",
           "MAX_CHUNK_ENROLLMENTS", "SyncStart", "SyncChunk", "SyncCommit"]

SYNC_FORMAT = "hublink.sync/1"
SYNC_MODES = ("full", "delta")
MAX_CHUNK_RECORDS = 20_000
MAX_CHUNK_NUMBER = 999_999
MAX_RECORD_COUNT = 1_000_000_000
# A youth in more programs than this at one partner is a data error, not a record; a chunk's
# enrollments are bounded too, so one chunk stays a few megabytes whatever it holds.
MAX_RECORD_ENROLLMENTS = 200
MAX_CHUNK_ENROLLMENTS = 100_000
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_PSEUDONYM = re.compile(r"^[0-9a-f]{64}$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")
_SCHEMA_ID = re.compile(r"^[a-z0-9][a-z0-9.-]{0,39}$")


def _uuid(value: object, name: str, problems: list[str]) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        problems.append(f"{name} must be a UUID")
        return ""


def _require_object(body: object, what: str) -> dict:
    if not isinstance(body, dict):
        raise InvalidPackage(f"the {what} body must be a JSON object")
    return body


@dataclass(frozen=True)
class SyncStart:
    """Opens a sync: who encodes how, and on top of what."""

    sync_id: str
    mode: str
    base_sync_id: str | None
    schema_id: str
    fingerprint: str
    clk_bytes: int
    attribute_names: tuple[str, ...] = ()
    agent_version: str = ""
    enrollment_names: tuple[str, ...] = ()

    def to_wire(self) -> dict:
        return {"format": SYNC_FORMAT, "sync_id": self.sync_id, "mode": self.mode,
                "base_sync_id": self.base_sync_id, "schema_id": self.schema_id,
                "fingerprint": self.fingerprint, "clk_bytes": self.clk_bytes,
                "attribute_names": list(self.attribute_names),
                "enrollment_names": list(self.enrollment_names),
                "agent_version": self.agent_version}

    @classmethod
    def from_wire(cls, body: object) -> "SyncStart":
        """Given a decoded JSON body, returns the start; raises InvalidPackage listing every
        problem."""
        body = _require_object(body, "sync start")
        problems: list[str] = []
        if body.get("format") != SYNC_FORMAT:
            problems.append(f"format must be {SYNC_FORMAT!r}")
        sync_id = _uuid(body.get("sync_id"), "sync_id", problems)
        mode = body.get("mode")
        if mode not in SYNC_MODES:
            problems.append(f"mode must be one of {', '.join(SYNC_MODES)}")
        base = body.get("base_sync_id")
        if mode == "delta":
            base = _uuid(base, "base_sync_id (required for a delta sync)", problems)
        elif base is not None:
            problems.append("base_sync_id is only for a delta sync")
        if not _SCHEMA_ID.fullmatch(str(body.get("schema_id", ""))):
            problems.append("schema_id is missing or malformed")
        if not _FINGERPRINT.fullmatch(str(body.get("fingerprint", ""))):
            problems.append("fingerprint must be 64 lower-case hex characters")
        clk_bytes = body.get("clk_bytes")
        if not isinstance(clk_bytes, int) or isinstance(clk_bytes, bool) or not 8 <= clk_bytes <= 1024:
            problems.append("clk_bytes must be a whole number from 8 to 1024")
        names = _names(body.get("attribute_names", []), "attribute_names", problems)
        enrollment_names = _names(body.get("enrollment_names", []), "enrollment_names", problems)
        problems.extend(attribute_name_problems(names + enrollment_names))
        if set(names) & set(enrollment_names):
            problems.append("enrollment_names must differ from attribute_names (they share "
                            "the analyst export's columns)")
        version = body.get("agent_version", "")
        if not isinstance(version, str) or _CONTROL_CHARACTERS.search(version):
            problems.append("agent_version must be text without control characters")
        if problems:
            raise InvalidPackage("the sync start is invalid", details=problems)
        return cls(sync_id=sync_id, mode=mode, base_sync_id=base or None,
                   schema_id=body["schema_id"], fingerprint=body["fingerprint"],
                   clk_bytes=clk_bytes, attribute_names=tuple(names),
                   agent_version=str(body.get("agent_version", ""))[:40],
                   enrollment_names=tuple(enrollment_names))


def _names(names: object, key: str, problems: list[str]) -> list[str]:
    """Returns the valid list of attribute-like names under ``key``, adding a problem line
    for each mistake."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append(f"{key} must be a list of names")
        return []
    for name in names:
        try:
            validate_attribute_name(name)
        except InvalidPackage as error:
            problems.append(error.message)
    if len(set(names)) != len(names):
        problems.append(f"{key} repeat")
    return names


@dataclass
class SyncChunk:
    """One numbered part of a sync: records to add or replace, and pseudonyms to delete.

    ``enrollments`` holds one list per upserted record (empty: none); an empty
    ``enrollments`` means no record of the chunk has any.
    """

    pseudonyms: list[str] = field(default_factory=list)
    clks: bytes = b""
    attributes: dict[str, list[str | None]] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    enrollments: list[list[dict[str, str | None]]] = field(default_factory=list)

    def enrollments_of(self, index: int) -> list[dict[str, str | None]]:
        """Returns the enrollments of upserted record ``index`` (an empty list: none)."""
        return self.enrollments[index] if self.enrollments else []

    def to_wire(self) -> dict:
        wire = {"format": SYNC_FORMAT, "pseudonyms": self.pseudonyms,
                "clks": base64.b64encode(self.clks).decode("ascii"),
                "attributes": self.attributes, "deletes": self.deletes}
        if any(self.enrollments):
            wire["enrollments"] = self.enrollments
        return wire

    @classmethod
    def from_wire(cls, body: object, start: SyncStart) -> "SyncChunk":
        """Given a decoded JSON body and the sync it belongs to, returns the chunk; raises
        InvalidPackage listing every problem."""
        body = _require_object(body, "chunk")
        problems: list[str] = []
        pseudonyms, deletes = body.get("pseudonyms", []), body.get("deletes", [])
        attributes = body.get("attributes", {})
        for name, values in (("pseudonyms", pseudonyms), ("deletes", deletes)):
            if not isinstance(values, list) or not all(isinstance(v, str) and _PSEUDONYM.fullmatch(v)
                                                       for v in values):
                problems.append(f"{name} must be a list of 64-hex-digit pseudonyms")
        if problems:
            raise InvalidPackage("the chunk is invalid", details=problems)
        if len(pseudonyms) + len(deletes) > MAX_CHUNK_RECORDS:
            problems.append(f"a chunk holds at most {MAX_CHUNK_RECORDS} records")
        if len(set(pseudonyms) | set(deletes)) != len(pseudonyms) + len(deletes):
            problems.append("a pseudonym appears twice in the chunk")
        try:
            clks = base64.b64decode(body.get("clks", ""), validate=True)
        except (binascii.Error, TypeError, ValueError):
            problems.append("clks must be standard base64")
            clks = b""
        if len(clks) != start.clk_bytes * len(pseudonyms):
            problems.append(f"clks hold {len(clks)} bytes, expected {start.clk_bytes} for each "
                            f"of {len(pseudonyms)} records")
        else:
            problems.extend(_clk_bit_count_problems(clks, start))
        if not isinstance(attributes, dict) or set(attributes) != set(start.attribute_names):
            problems.append("attributes must hold exactly the attribute_names of the sync: "
                            + ", ".join(start.attribute_names))
        else:
            shape_problems = len(problems)
            for name, values in attributes.items():
                if not isinstance(values, list) or len(values) != len(pseudonyms):
                    problems.append(f"attribute {name!r} needs one value per record")
                elif not all(v is None or (isinstance(v, str) and len(v) <= MAX_ATTRIBUTE_VALUE_LENGTH)
                             for v in values):
                    problems.append(f"attribute {name!r} values must be null or strings of at most "
                                    f"{MAX_ATTRIBUTE_VALUE_LENGTH} characters")
            if len(problems) == shape_problems:  # the whole-column rules run at the commit
                problems.extend(value_rule_problems(attributes))
        enrollments = _enrollments(body.get("enrollments"), start, len(pseudonyms), problems)
        if start.mode == "full" and deletes:
            problems.append("a full sync replaces the record set: it has no deletes")
        if problems:
            raise InvalidPackage("the chunk is invalid", details=problems)
        return cls(pseudonyms=pseudonyms, clks=clks, attributes=attributes, deletes=deletes,
                   enrollments=enrollments if any(enrollments) else [])


def _enrollments(enrollments: object, start: SyncStart, record_count: int,
                 problems: list[str]) -> list[list[dict[str, str | None]]]:
    """Returns the chunk's enrollments, one list per upserted record (absent: none), adding
    a problem line for each broken rule; enrollment values pass the PII firewall's value
    rules as ``enrollments.NAME``."""
    if enrollments is None:
        return []
    names = set(start.enrollment_names)
    if not isinstance(enrollments, list) or len(enrollments) != record_count \
            or not all(isinstance(item, list) for item in enrollments):
        problems.append("enrollments must hold one list per upserted record")
        return []
    if not names and any(enrollments):
        problems.append("this sync declares no enrollment_names: it has no enrollments")
        return []
    if any(len(item) > MAX_RECORD_ENROLLMENTS for item in enrollments):
        problems.append(f"a record has at most {MAX_RECORD_ENROLLMENTS} enrollments")
    if sum(len(item) for item in enrollments) > MAX_CHUNK_ENROLLMENTS:
        problems.append(f"a chunk holds at most {MAX_CHUNK_ENROLLMENTS} enrollments")
    columns: dict[str, list[str | None]] = {f"enrollments.{name}": [] for name in sorted(names)}
    for item in enrollments:
        for enrollment in item:
            if not isinstance(enrollment, dict) or set(enrollment) != names:
                problems.append("each enrollment must hold exactly the enrollment_names of the "
                                "sync: " + ", ".join(start.enrollment_names))
                return []
            for name, value in enrollment.items():
                if value is not None and not (isinstance(value, str)
                                              and len(value) <= MAX_ATTRIBUTE_VALUE_LENGTH):
                    problems.append(f"enrollment {name!r} values must be null or strings of at "
                                    f"most {MAX_ATTRIBUTE_VALUE_LENGTH} characters")
                    return []
                columns[f"enrollments.{name}"].append(value)
    problems.extend(value_rule_problems(columns))  # the whole-column rules run at the commit
    return enrollments


@functools.lru_cache(maxsize=16)
def _set_bit_bounds(schema_id: str, clk_bytes: int) -> tuple[int, int]:
    """The bounds of a sync's schema, read once; a schema this side does not know (the
    coordinator refuses it when the sync opens) is held to an unbalanced schema's."""
    try:
        return load_linkage_schema(schema_id).set_bit_bounds
    except (FileNotFoundError, ValueError):
        return set_bit_bounds(clk_bytes * 8, balanced=False)


def _clk_bit_count_problems(clks: bytes, start: SyncStart) -> list[str]:
    """Returns a problem line when some CLKs set fewer or more bits than the sync's schema lets
    an encoding set (``linkage_schema.set_bit_bounds``): no bit, nearly all, or, for a balanced
    schema, far from half (the union of several youth's CLKs)."""
    lowest, highest = _set_bit_bounds(start.schema_id, start.clk_bytes)
    clk_bytes = start.clk_bytes
    bad = [index for index in range(len(clks) // clk_bytes)
           if not lowest <= int.from_bytes(clks[index * clk_bytes:(index + 1) * clk_bytes]).bit_count()
           <= highest]
    if not bad:
        return []
    return [f"{len(bad)} CLK(s) set fewer than {lowest} or more than {highest} of their "
            f"{clk_bytes * 8} bits (first at record {bad[0]}): they are not encodings of schema "
            f"{start.schema_id}; check the agent's encoder"]


@dataclass(frozen=True)
class SyncCommit:
    """Closes a sync: how many chunks were sent and how many records the partner now has."""

    chunk_count: int
    record_count: int

    def to_wire(self) -> dict:
        return {"format": SYNC_FORMAT, "chunk_count": self.chunk_count,
                "record_count": self.record_count}

    @classmethod
    def from_wire(cls, body: object) -> "SyncCommit":
        body = _require_object(body, "commit")
        values = [body.get("chunk_count"), body.get("record_count")]
        if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= limit
                   for v, limit in zip(values, (MAX_CHUNK_NUMBER + 1, MAX_RECORD_COUNT))):
            raise InvalidPackage(f"chunk_count and record_count must be whole numbers (at most "
                                 f"{MAX_CHUNK_NUMBER + 1} chunks and {MAX_RECORD_COUNT} records)")
        return cls(chunk_count=values[0], record_count=values[1])
