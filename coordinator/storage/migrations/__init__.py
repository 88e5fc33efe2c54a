"""Alembic migrations of the coordinator's database, run from code: no alembic.ini needed.

``upgrade(engine)`` brings any database (empty, older, or already current) to the newest
revision; ``downgrade(engine, "base")`` removes every table. A new revision is written with
``python -m hublink.coordinator.storage.migrations revision "what changed"`` after editing
``models.py``; review it, and keep SQLite in mind: ALTERs run in batch mode there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

__all__ = ["INITIAL_REVISION", "alembic_config", "current_revision", "downgrade", "head_revision",
           "upgrade"]

FOLDER = Path(__file__).resolve().parent
INITIAL_REVISION = "0001"


def alembic_config(connection: Connection | None = None) -> Config:
    """Returns an Alembic configuration for this folder, bound to ``connection`` when given."""
    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    """Returns the newest revision the code knows (read once a process: the revision files
    are part of the installed code)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """Returns the database's revision, or None when it has never been migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrates the database to ``revision``; safe to repeat. A database made before
    migrations existed (tables but no version) is first marked as the initial revision.
    A database already at the head is left as it is without loading the revision scripts."""
    if revision == "head" and current_revision(engine) == head_revision():
        return
    with _migrating(engine) as connection:
        config = alembic_config(connection)
        context = MigrationContext.configure(connection)
        if context.get_current_revision() is None and inspect(connection).has_table("project"):
            command.stamp(config, INITIAL_REVISION)
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrates the database back to ``revision`` (``base``: no tables at all)."""
    with _migrating(engine) as connection:
        command.downgrade(alembic_config(connection), revision)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """Yields a connection in one transaction that no other migration runs alongside.

    Both databases have transactional DDL, so a failed migration leaves nothing half done.
    SQLite: its driver opens no transaction before DDL, so BEGIN IMMEDIATE here (the write
    lock, and one fsync instead of dozens); and foreign keys are off meanwhile, as SQLite
    requires for batch mode's copy-and-rename, since dropping the old table would otherwise
    cascade deletes; they are checked before the commit. PostgreSQL: a transaction-scoped
    advisory lock, one per schema."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if sqlite:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                elif connection.dialect.name == "postgresql":
                    connection.exec_driver_sql(
                        "SELECT pg_advisory_xact_lock(hashtext('hublink-migrations:' || "
                        "current_schema()))")
                yield connection
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the migration broke foreign keys; it was rolled back")
        finally:
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
                connection.commit()
