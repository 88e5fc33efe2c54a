"""Alembic migrations: they build exactly models.py's tables, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from hublink.coordinator.storage import Database
from hublink.coordinator.storage.migrations import (INITIAL_REVISION, alembic_config,
                                                    current_revision, downgrade, head_revision,
                                                    upgrade)
from hublink.coordinator.storage.models import Base, Partner

MODEL_TABLES = set(Base.metadata.tables)


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_migrations_have_one_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"merge the migration branches {heads} (`alembic merge`)"


def test_models_and_migrations_agree(empty_database_url):
    engine = create_engine(empty_database_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == [], ("models.py and the migrations differ: write a revision with "
                               "`python -m hublink.coordinator.storage.migrations revision MSG`")


def test_upgrade_from_empty_then_downgrade_to_base(empty_database_url):
    engine = create_engine(empty_database_url)
    assert current_revision(engine) is None and _tables(engine) == set()
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert _tables(engine) == MODEL_TABLES
    upgrade(engine)  # a second run changes nothing
    assert current_revision(engine) == head_revision()
    downgrade(engine, "base")
    assert current_revision(engine) is None and _tables(engine) == set()
    upgrade(engine)
    assert _tables(engine) == MODEL_TABLES
    engine.dispose()


def test_a_database_made_before_migrations_is_adopted(empty_database_url):
    database = Database(empty_database_url)
    Base.metadata.create_all(database.engine)
    with database.session() as session:
        session.add(Partner(name="summer-jobs"))
    database.upgrade_schema()
    assert current_revision(database.engine) == head_revision()
    with database.session() as session:
        assert [partner.name for partner in session.query(Partner)] == ["summer-jobs"]
    database.dispose()


def test_the_initial_revision_is_the_root():
    script = ScriptDirectory.from_config(alembic_config()).get_revision(INITIAL_REVISION)
    assert script.down_revision is None


def test_a_failing_migration_leaves_nothing_behind(empty_database_url, monkeypatch):
    from hublink.coordinator.storage import migrations

    real_upgrade = migrations.command.upgrade

    def upgrade_then_fail(config, revision):
        real_upgrade(config, revision)
        raise RuntimeError("disk full")

    monkeypatch.setattr(migrations.command, "upgrade", upgrade_then_fail)
    engine = create_engine(empty_database_url)
    with pytest.raises(RuntimeError, match="disk full"):
        upgrade(engine)
    assert current_revision(engine) is None and _tables(engine) == set()
    engine.dispose()
