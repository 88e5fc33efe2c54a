"""Fixture ladder: database_url -> app -> home, client, plus helpers that make valid sync messages."""

from __future__ import annotations

import os
import random
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine

from hublink.coordinator.app import create_app, home_of
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.registry import add_partner, init_project
from hublink.coordinator.storage.migrations import upgrade
from hublink.coordinator.storage.models import Base
from hublink.shared.linkage_schema import load_linkage_schema, schema_fingerprint
from hublink.shared.sync_protocol import SyncChunk, SyncStart

SECRET = bytes.fromhex("11" * 32)
SCHEMA = load_linkage_schema()


def make_start(mode: str = "full", base: str | None = None, *, secret: bytes = SECRET,
               attribute_names: tuple[str, ...] = ("program",)) -> SyncStart:
    """Returns the opening message of a new sync."""
    return SyncStart(sync_id=str(uuid.uuid4()), mode=mode, base_sync_id=base,
                     schema_id=SCHEMA.schema_id, fingerprint=schema_fingerprint(SCHEMA, secret),
                     clk_bytes=SCHEMA.clk_bytes, attribute_names=attribute_names)


def make_chunk(records: int = 3, *, seed: int = 0, deletes: list[str] | None = None,
               pseudonyms: list[str] | None = None, program: str = "camp") -> SyncChunk:
    """Returns a chunk of ``records`` random CLKs (or of the given pseudonyms)."""
    generator = random.Random(seed)
    pseudonyms = pseudonyms or [secrets.token_hex(32) for _ in range(records)]
    return SyncChunk(pseudonyms=pseudonyms,
                     clks=bytes(generator.getrandbits(8) for _ in range(len(pseudonyms) * SCHEMA.clk_bytes)),
                     attributes={"program": [program] * len(pseudonyms)}, deletes=deletes or [])


POSTGRESQL_URL = os.environ.get("HUBLINK_TEST_POSTGRESQL_URL",
                                "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


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


@contextmanager
def new_postgresql_schema(server: Engine) -> Iterator[str]:
    """Yields the URL of a new empty schema on ``server`` (as the search path); drops it after.
    Schemas are named at random: several test runs may share the server."""
    schema = f"hublink_test_{uuid.uuid4().hex[:16]}"
    with server.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = server.url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with server.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


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


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> str:
    """Returns the URL of an empty database and makes it the coordinator's: SQLite in the
    test's home folder (the default), or PostgreSQL: a schema whose tables are emptied first."""
    if request.param == "sqlite":
        monkeypatch.delenv("HUBLINK_DATABASE_URL", raising=False)
        return f"sqlite:///{tmp_path / 'home' / 'hublink.db'}"
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
