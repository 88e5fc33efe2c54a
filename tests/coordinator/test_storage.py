"""The database: the backend the URL names, a schema that `init` migrates, safe to repeat."""

from __future__ import annotations

import threading
from collections.abc import Callable

from click.testing import CliRunner
from sqlalchemy import inspect

from hublink.coordinator.cli import main
from hublink.coordinator.registry import get_project, init_project
from hublink.coordinator.storage import Database
from hublink.coordinator.storage.migrations import current_revision, head_revision
from hublink.coordinator.storage.models import Base


def test_the_coordinator_uses_the_backend_under_test(home, database_url):
    assert home.database.engine.dialect.name == database_url.split(":")[0].split("+")[0]
    assert current_revision(home.database.engine) == head_revision()


def test_init_twice_keeps_the_project(home):
    first = get_project(home.database)
    init_project(home.database)
    again = get_project(home.database)
    assert (again.id, again.link_scope, again.created_at) == (first.id, first.link_scope,
                                                              first.created_at)


def test_init_command_migrates_an_empty_database_and_is_idempotent(tmp_path, empty_database_url,
                                                                    monkeypatch):
    monkeypatch.setenv("HUBLINK_DATABASE_URL", empty_database_url)
    for _ in range(2):
        result = CliRunner().invoke(main, ["--home", str(tmp_path / "cli-home"), "init"])
        assert result.exit_code == 0, result.output
    database = Database(empty_database_url)
    assert current_revision(database.engine) == head_revision()
    assert set(inspect(database.engine).get_table_names()) == {*Base.metadata.tables,
                                                               "alembic_version"}
    database.dispose()


def _at_once(databases: list[Database], action: Callable[[Database], object]) -> list[BaseException]:
    """Runs ``action`` on each database in its own thread, all released together, and returns
    the exceptions they raised (a thread's exception is otherwise lost)."""
    together = threading.Barrier(len(databases))
    errors: list[BaseException] = []

    def run(database: Database) -> None:
        together.wait()
        try:
            action(database)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(database,)) for database in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_upgrades_of_an_empty_database_agree(empty_database_url):
    databases = [Database(empty_database_url) for _ in range(4)]
    assert _at_once(databases, Database.upgrade_schema) == []
    assert current_revision(databases[0].engine) == head_revision()
    for database in databases:
        database.dispose()


def _journal_mode(database: Database) -> None:
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_connections_opening_a_new_sqlite_database_at_once_all_get_in(tmp_path):
    """Two connections switching a new file to WAL at once: SQLite refuses one without waiting
    (without the retry, each of three runs of this test failed with "database is locked")."""
    for round_ in range(25):
        databases = [Database(f"sqlite:///{tmp_path / f'new-{round_}.db'}") for _ in range(6)]
        assert _at_once(databases, _journal_mode) == []
        for database in databases:
            database.dispose()


def test_sqlite_foreign_keys_stay_on_after_a_migration(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'hublink.db'}")
    database.upgrade_schema()
    with database.session() as session:
        assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()
