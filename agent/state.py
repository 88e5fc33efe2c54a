"""The agent's local state: what the coordinator holds, the pending sync, and sync history.

A small SQLite file in the state folder, on the partner's own machine. Every change happens
in one exclusive transaction, so a killed agent leaves either the old state or the new one.
It holds record pseudonyms and digests (never identifiers in the clear), counts, and the
fingerprints of the linkage secrets used so far (never a secret).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hublink.shared.errors import ConfigError
from hublink.shared.partner_view import PseudonymDigest

__all__ = ["SyncState", "HistoryEntry", "PendingSync", "now"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sent (pseudonym TEXT PRIMARY KEY, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (
    fingerprint TEXT PRIMARY KEY, first_used_at TEXT NOT NULL, retired_at TEXT);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
    outcome TEXT NOT NULL, mode TEXT, sync_id TEXT, records INTEGER, added INTEGER,
    changed INTEGER, deleted INTEGER, problems TEXT, message TEXT);
"""


def now() -> str:
    """Returns the current UTC time as ISO 8601 text."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class PendingSync:
    """A sync that was opened but not known to be committed."""

    sync_id: str
    plan_digest: str


@dataclass(frozen=True)
class HistoryEntry:
    started_at: str
    finished_at: str
    outcome: str
    mode: str | None
    sync_id: str | None
    records: int | None
    added: int | None
    changed: int | None
    deleted: int | None
    problems: dict[str, int]
    message: str | None


class SyncState:
    """The state file of one agent."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "state.sqlite"
        self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.connection.executescript(_SCHEMA)

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Yields the connection inside an exclusive transaction."""
        self.connection.execute("BEGIN EXCLUSIVE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def fingerprint(self) -> str | None:
        return self._meta("fingerprint")

    @property
    def last_sync_id(self) -> str | None:
        return self._meta("last_sync_id")

    @property
    def attribute_names(self) -> tuple[str, ...] | None:
        value = self._meta("attribute_names")
        return tuple(json.loads(value)) if value is not None else None

    def sent_count(self) -> int:
        """Returns how many records the coordinator holds, as of the last commit."""
        return self.connection.execute("SELECT COUNT(*) FROM sent").fetchone()[0]

    def pseudonym_digest(self) -> str:
        """Returns the digest (``shared.partner_view``) of the pseudonyms of the last commit:
        kept since that commit, or computed from the sent records for older state files."""
        stored = self._meta("pseudonym_digest")
        if stored is not None:
            return stored
        return PseudonymDigest().update(
            row[0] for row in self.connection.execute("SELECT pseudonym FROM sent")).hexdigest()

    @property
    def last_checkin(self) -> dict[str, Any] | None:
        """Returns the last check-in: when, the coordinator's figures, and its outcome."""
        value = self._meta("last_checkin")
        return json.loads(value) if value else None

    def record_checkin(self, checkin: dict[str, Any]) -> None:
        """Keeps the last check-in (counts, sync ids and times only) for ``status``."""
        with self.transaction() as connection:
            connection.execute("INSERT OR REPLACE INTO meta VALUES ('last_checkin', ?)",
                               (json.dumps(checkin),))

    def compare(self, pseudonyms: list[str], digests: list[str]) -> tuple[list[int], int, list[str]]:
        """Given the current records, returns (positions to send, how many of those the
        coordinator already holds in another version, pseudonyms to delete). The comparison
        runs inside SQLite, so a million records never sit in a Python dictionary."""
        connection = self.connection
        connection.execute("CREATE TEMP TABLE IF NOT EXISTS current "
                           "(position INTEGER PRIMARY KEY, pseudonym TEXT, digest TEXT)")
        connection.execute("DELETE FROM current")
        connection.executemany("INSERT INTO current VALUES (?, ?, ?)",
                               zip(range(len(pseudonyms)), pseudonyms, digests))
        connection.execute("CREATE INDEX IF NOT EXISTS temp.current_pseudonym ON current (pseudonym)")
        upserts, changed = [], 0
        for position, held in connection.execute(
                "SELECT c.position, s.digest IS NOT NULL FROM current c "
                "LEFT JOIN sent s ON s.pseudonym = c.pseudonym "
                "WHERE s.digest IS NULL OR s.digest != c.digest ORDER BY c.position"):
            upserts.append(position)
            changed += held
        deletes = [row[0] for row in connection.execute(
            "SELECT s.pseudonym FROM sent s LEFT JOIN current c ON c.pseudonym = s.pseudonym "
            "WHERE c.pseudonym IS NULL ORDER BY s.pseudonym")]
        connection.execute("DELETE FROM current")
        return upserts, changed, deletes

    def check_secret(self, fingerprint: str) -> None:
        """Given the current secret's fingerprint, raises ConfigError if an earlier rotation
        retired that secret: a reused secret would undo the rotation."""
        row = self.connection.execute("SELECT retired_at FROM secrets WHERE fingerprint = ?",
                                      (fingerprint,)).fetchone()
        if row and row[0]:
            raise ConfigError("this linkage secret was replaced in an earlier key rotation "
                              f"(retired {row[0]}); a retired secret is never used again: ask "
                              "the key custodian for the hub's current secret")

    def record_secret(self, fingerprint: str) -> None:
        """Makes the secret with this fingerprint the current one and retires every other."""
        with self.transaction() as connection:
            connection.execute("UPDATE secrets SET retired_at = ? WHERE fingerprint != ? "
                               "AND retired_at IS NULL", (now(), fingerprint))
            connection.execute("INSERT OR IGNORE INTO secrets VALUES (?, ?, NULL)",
                               (fingerprint, now()))

    def pending(self) -> PendingSync | None:
        value = self._meta("pending")
        return PendingSync(**json.loads(value)) if value else None

    def set_pending(self, pending: PendingSync | None) -> None:
        with self.transaction() as connection:
            if pending is None:
                connection.execute("DELETE FROM meta WHERE key = 'pending'")
            else:
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('pending', ?)",
                                   (json.dumps(pending.__dict__),))

    def record_commit(self, sync_id: str, fingerprint: str, attribute_names: tuple[str, ...],
                      digests: Iterable[tuple[str, str]]) -> None:
        """Given a committed sync and the digests of every current record, makes them the
        state, in one transaction."""
        held = PseudonymDigest()

        def rows() -> Iterator[tuple[str, str]]:
            for pseudonym, digest in digests:
                held.add(pseudonym)
                yield pseudonym, digest

        with self.transaction() as connection:
            connection.execute("DELETE FROM sent")
            connection.executemany("INSERT INTO sent VALUES (?, ?)", rows())
            connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                ("fingerprint", fingerprint), ("last_sync_id", sync_id),
                ("attribute_names", json.dumps(list(attribute_names))),
                ("pseudonym_digest", held.hexdigest())])
            connection.execute("DELETE FROM meta WHERE key = 'pending'")

    def add_history(self, started_at: str, outcome: str, **fields: Any) -> None:
        """Appends one sync attempt's outcome (counts and messages, no identifiers)."""
        problems = json.dumps(fields.pop("problems", {}))
        columns = ("mode", "sync_id", "records", "added", "changed", "deleted", "message")
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO history (started_at, finished_at, outcome, problems, "
                + ", ".join(columns) + ") VALUES (?, ?, ?, ?, " + ", ".join("?" * len(columns)) + ")",
                (started_at, now(), outcome, problems, *(fields.get(c) for c in columns)))
            connection.execute("DELETE FROM history WHERE id <= (SELECT MAX(id) FROM history) - 1000")

    def _history(self, where: str = "") -> HistoryEntry | None:
        row = self.connection.execute(
            "SELECT started_at, finished_at, outcome, mode, sync_id, records, added, changed, "
            f"deleted, problems, message FROM history {where} ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return HistoryEntry(*row[:9], problems=json.loads(row[9] or "{}"), message=row[10])

    def last_history(self) -> HistoryEntry | None:
        """Returns the last sync attempt, whatever its outcome."""
        return self._history()

    def last_success(self) -> HistoryEntry | None:
        """Returns the last sync that ended with the coordinator up to date."""
        return self._history("WHERE outcome IN ('synced', 'unchanged')")

    def __enter__(self) -> "SyncState":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()



