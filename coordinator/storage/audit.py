"""The tamper-evident audit log: every entry's hash covers its content and the previous hash,
and the newest hash is also kept outside the database (the home folder's head file).

What ``verify_log`` detects, and what it cannot:

- an entry's content altered: its hash no longer matches;
- an entry deleted or altered (hash recomputed) in the middle: the next entry no longer
  follows it; the whole chain recomputed from there on: the head file no longer matches;
- the last entries deleted: the head file names an entry that is gone. Such a deletion is not
  hidden by later appends either: an append that finds the head file and the log disagreeing
  first records an ``audit_head_mismatch`` entry, which ``verify_log`` reports from then on;
- it cannot detect an attacker who rewrites both the database and the head file (someone with
  the coordinator host's file system and the database). Keep the head hash that
  ``audit verify`` prints somewhere else (a ticket, a log server) to cover that case too.

An append that dies between writing the head file and committing (or a power cut soon after an
append) leaves the same evidence as a deleted last entry; the report says so. Entries hold actors, actions and counts, never
identifiers, encodings or similarity scores. Appends are serialised by a database lock, so
concurrent writers (threads, processes, hosts) always extend one chain.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hublink.coordinator.storage.database import Database
from hublink.coordinator.storage.models import AuditEvent, utc_now

__all__ = ["GENESIS_HASH", "HEAD_MISMATCH", "AuditHead", "AuditVerification", "read_head_file",
           "record_event", "verify_chain", "verify_log"]

GENESIS_HASH = "0" * 64
HEAD_MISMATCH = "audit_head_mismatch"


@dataclass(frozen=True)
class AuditHead:
    """The newest entry of the log: its id and hash."""

    entry: int
    hash: str


@dataclass
class AuditVerification:
    """What ``verify_log`` found: how many entries, the newest hash, and every problem."""

    entries: int = 0
    head: AuditHead | None = None
    problems: list[str] = field(default_factory=list)


def _entry_hash(previous_hash: str, at: datetime, actor: str, action: str, detail: str) -> str:
    # SQLite returns naive UTC, PostgreSQL the session's time zone: hash one canonical form.
    at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    content = json.dumps([previous_hash, at.isoformat(), actor, action, detail])
    return hashlib.sha256(content.encode()).hexdigest()


def read_head_file(path: Path) -> AuditHead | None:
    """Returns the head recorded in ``path``, or None when there is none (or it is unreadable)."""
    try:
        content = json.loads(path.read_text())
        return AuditHead(int(content["entry"]), str(content["hash"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_head_file(path: Path, head: AuditHead) -> None:
    # Atomic rename, but no fsync: every API request appends, under the log's lock, and an
    # fsync would halve the append rate. A power cut may leave an older head file behind,
    # which verify then reports like a deleted last entry (a process crash cannot).
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump({"entry": head.entry, "hash": head.hash}, handle)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _append(session: Session, previous: AuditEvent | None, actor: str, action: str,
            detail: str) -> AuditEvent:
    previous_hash = previous.hash if previous else GENESIS_HASH
    at = utc_now()
    event = AuditEvent(at=at, actor=actor, action=action, detail=detail,
                       previous_hash=previous_hash,
                       hash=_entry_hash(previous_hash, at, actor, action, detail))
    session.add(event)
    session.flush()
    return event


def _describe(head: AuditHead | None) -> dict[str, Any] | None:
    return None if head is None else {"entry": head.entry, "hash": head.hash}


def record_event(database: Database, actor: str, action: str, **detail: Any) -> None:
    """Appends an event to the chain and updates the head file, in one locked transaction."""
    text = json.dumps(detail, sort_keys=True, default=str)
    path = database.audit_head_path
    with database.exclusive_session(AuditEvent.__tablename__) as session:
        head = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
        if path is not None:
            recorded = read_head_file(path)
            found = AuditHead(head.id, head.hash) if head else None
            if recorded != found:
                mismatch = json.dumps({"head_file": _describe(recorded),
                                       "log": _describe(found)}, sort_keys=True)
                head = _append(session, head, "hublink", HEAD_MISMATCH, mismatch)
        head = _append(session, head, actor, action, text)
        if path is not None:
            _write_head_file(path, AuditHead(head.id, head.hash))


def verify_log(database: Database) -> AuditVerification:
    """Walks the whole chain; returns its length, newest hash and every problem found."""
    result = AuditVerification()
    previous: AuditEvent | None = None
    with database.session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)
                                 .execution_options(yield_per=1000))
        for event in events:
            result.entries += 1
            expected_previous = previous.hash if previous else GENESIS_HASH
            if event.previous_hash != expected_previous:
                after = f"entry {previous.id}" if previous else "the start of the log"
                result.problems.append(
                    f"entry {event.id}: does not follow {after}: entries between them were "
                    f"deleted, or an earlier entry was altered")
            if event.hash != _entry_hash(event.previous_hash, event.at, event.actor,
                                         event.action, event.detail):
                result.problems.append(f"entry {event.id}: its content was altered")
            if event.action == HEAD_MISMATCH:
                result.problems.append(
                    f"entry {event.id}: at {event.at:%Y-%m-%d %H:%M:%S} the log and the head file "
                    f"disagreed ({event.detail}): entries at the end had been deleted, or an "
                    f"append was interrupted")
            previous = event
    result.head = AuditHead(previous.id, previous.hash) if previous else None
    path = database.audit_head_path
    if path is not None:
        recorded = read_head_file(path)
        if recorded != result.head:
            if recorded is None:
                result.problems.append(f"the head file {path} is missing or unreadable: deletion "
                                       f"of the last entries cannot be ruled out")
            elif result.head is None or recorded.entry > result.head.entry:
                result.problems.append(
                    f"entry {recorded.entry} (the last one appended) is missing: entries at the "
                    f"end were deleted, or the last append was interrupted")
            else:
                result.problems.append(
                    f"the head file names entry {recorded.entry} ({recorded.hash[:12]}...), but "
                    f"the log ends at entry {result.head.entry} ({result.head.hash[:12]}...): the "
                    f"chain was rewritten or the head file replaced")
    return result


def verify_chain(database: Database) -> list[str]:
    """Returns every problem ``verify_log`` finds; empty when the log is intact."""
    return verify_log(database).problems
