"""Engine and sessions: SQLite in the home folder by default, any SQLAlchemy URL otherwise
(``postgresql+psycopg://...`` in production). The schema is managed by Alembic migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from tenacity import retry, retry_if_exception, stop_after_delay, wait_random_exponential

__all__ = ["Database"]

_BUSY_SECONDS = 30
"""How long a SQLite connection waits for another's lock before giving up."""


def _locked(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


@retry(retry=retry_if_exception(_locked), stop=stop_after_delay(_BUSY_SECONDS),
       wait=wait_random_exponential(multiplier=0.005, max=0.2), reraise=True)
def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switches a new database to WAL (a no-op once it is). Two connections switching a new
    file at once both hold its shared lock and want the exclusive one: SQLite refuses one of them
    at once, without waiting (it would deadlock), so that one tries again; by then the file is
    in WAL and the switch is a no-op (4 threads upgrading a new database: 7 in 200 failed)."""
    cursor.execute("PRAGMA journal_mode=WAL")


def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = connection.cursor()
    # the wait first: switching to WAL takes a lock too, which a migrating process may hold
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_SECONDS * 1000}")
    _use_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """A database URL turned into an engine and a session factory.

    ``audit_head_path``, when given, is a file outside the database where the audit log keeps
    its newest entry's hash, so that deleting the last entries is detected (see ``audit``).
    """

    def __init__(self, url: str, audit_head_path: Path | None = None) -> None:
        self.url = url
        self.audit_head_path = audit_head_path
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def upgrade_schema(self, revision: str = "head") -> None:
        """Migrates the database to ``revision`` (default: the newest); safe to repeat."""
        from hublink.coordinator.storage.migrations import upgrade
        upgrade(self.engine, revision)

    create_schema = upgrade_schema  # the name callers used before migrations existed

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yields a session inside a transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def exclusive_session(self, table: str) -> Iterator[Session]:
        """Like ``session``, but no other writer can change ``table`` until it ends, so that
        a read-then-write on it cannot interleave with another's (SQLite: the database's write
        lock from the start; PostgreSQL: an EXCLUSIVE table lock, which still lets readers in)."""
        with self._sessions() as session, session.begin():
            connection = session.connection()
            if self.engine.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif self.engine.dialect.name == "postgresql":
                name = self.engine.dialect.identifier_preparer.quote(table)
                connection.exec_driver_sql(f"LOCK TABLE {name} IN EXCLUSIVE MODE")
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
