"""Fixture ladder: database_url -> app -> home, client (helpers live in tests/helpers.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine

from hublink.coordinator.app import create_app, home_of
from hublink.coordinator.attribute_declarations import write_declarations
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.registry import add_partner, init_project
from hublink.coordinator.storage.database import Database
from hublink.coordinator.storage.migrations import upgrade
from hublink.coordinator.storage.models import Base
from tests.helpers import BACKENDS, POSTGRESQL_URL, TEST_DECLARATIONS, new_postgresql_schema

INTEGRATION = Path(__file__).resolve().parent / "integration"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/integration is ``slow``: it starts real processes."""
    for item in items:
        if INTEGRATION in item.path.parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def postgresql_server() -> Engine:
    """Returns an engine on the test PostgreSQL server; skips the test when it is unreachable."""
    engine = create_engine(POSTGRESQL_URL, connect_args={"connect_timeout": 3}, pool_pre_ping=True)
    try:
        with engine.connect():
            pass
    except Exception as error:
        engine.dispose()
        pytest.skip(f"PostgreSQL at {engine.url.render_as_string()} is unreachable "
                    f"(set HUBLINK_TEST_POSTGRESQL_URL): {str(error).splitlines()[0]}")
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Returns the URL of a new database with no tables at all, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with new_postgresql_schema(request.getfixturevalue("postgresql_server")) as url:
        yield url


@pytest.fixture(scope="session")
def _postgresql_migrated_schema(postgresql_server: Engine) -> tuple[str, Engine]:
    # Creating eleven tables costs PostgreSQL ~0.2 s, so the API tests share one migrated
    # schema per run and empty it before each test instead (test_migrations covers creation).
    with new_postgresql_schema(postgresql_server) as url:
        engine = create_engine(url, pool_pre_ping=True)  # survives test_faults restarting the server
        upgrade(engine)
        yield url, engine
        engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Migrating a new SQLite file costs ~0.2 s, paid by hundreds of tests: each copies this one
    # migrated, empty file instead, as the PostgreSQL tests share one schema (test_migrations
    # and test_storage cover creation itself, through empty_database_url).
    path = tmp_path_factory.mktemp("migrated") / "hublink.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade_schema()
    database.engine.dispose()  # the last connection's close checkpoints the WAL into the file
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> str:
    """Returns the URL of a migrated database holding no rows and makes it the coordinator's:
    SQLite in the test's home folder (the default), or PostgreSQL: a schema whose tables are
    emptied first."""
    if request.param == "sqlite":
        monkeypatch.delenv("HUBLINK_DATABASE_URL", raising=False)
        path = tmp_path / "home" / "hublink.db"
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(request.getfixturevalue("_sqlite_migrated_file"), path)
        return f"sqlite:///{path}"
    url, engine = request.getfixturevalue("_postgresql_migrated_schema")
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    monkeypatch.setenv("HUBLINK_DATABASE_URL", url)
    return url


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Flask:
    """An initialised coordinator on each database backend (see ``database_url``)."""
    application = create_app({"HOME": str(tmp_path / "home"), "TESTING": True})
    init_project(home_of(application).database)
    write_declarations(home_of(application).path, TEST_DECLARATIONS)
    yield application
    home_of(application).database.dispose()


@pytest.fixture
def home(app: Flask) -> CoordinatorHome:
    return home_of(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def partner_token(home: CoordinatorHome) -> str:
    _, token = add_partner(home.database, "school-district")
    return token


@pytest.fixture
def auth(partner_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {partner_token}"}
