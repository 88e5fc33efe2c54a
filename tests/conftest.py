"""Fixture ladder: home -> app -> client, plus helpers that make valid sync messages."""

from __future__ import annotations

import random
import secrets
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hublink.coordinator.app import create_app, home_of
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.registry import add_partner, init_project
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


@pytest.fixture
def app(tmp_path: Path) -> Flask:
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
