"""The tamper-evident audit log: every entry's hash covers its content and the previous hash.

Editing or deleting any entry breaks the chain, which ``verify_chain`` reports. Entries hold
actors, actions and counts, never identifiers, encodings or similarity scores.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hublink.coordinator.storage.database import Database
from hublink.coordinator.storage.models import AuditEvent, utc_now

__all__ = ["record_event", "verify_chain", "GENESIS_HASH"]

GENESIS_HASH = "0" * 64


def _entry_hash(previous_hash: str, at: datetime, actor: str, action: str, detail: str) -> str:
    content = json.dumps([previous_hash, at.isoformat(), actor, action, detail])
    return hashlib.sha256(content.encode()).hexdigest()


def record_event(database: Database, actor: str, action: str, **detail: Any) -> None:
    """Appends an event; concurrent writers retry until they extend the chain's head."""
    text = json.dumps(detail, sort_keys=True, default=str)
    for _attempt in range(50):
        try:
            with database.session() as session:
                head = session.scalars(
                    select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
                previous = head.hash if head else GENESIS_HASH
                at = utc_now()
                session.add(AuditEvent(at=at, actor=actor, action=action, detail=text,
                                       previous_hash=previous,
                                       hash=_entry_hash(previous, at, actor, action, text)))
            return
        except IntegrityError:
            continue
    raise RuntimeError("could not append to the audit log")


def verify_chain(database: Database) -> list[str]:
    """Returns a list of problems; empty when every entry is intact and none is missing."""
    problems: list[str] = []
    previous = GENESIS_HASH
    with database.session() as session:
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            at = event.at if event.at.tzinfo else event.at.replace(tzinfo=utc_now().tzinfo)
            expected = _entry_hash(previous, at, event.actor, event.action, event.detail)
            if event.previous_hash != previous:
                problems.append(f"entry {event.id}: an earlier entry was removed or altered")
            elif event.hash != expected:
                problems.append(f"entry {event.id}: content was altered")
            previous = event.hash
    return problems
