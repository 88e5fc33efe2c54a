"""Fixture ladder: home -> app -> client, plus helpers that make valid packages."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hublink.coordinator.app import create_app, home_of
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.registry import add_partner, init_project
from hublink.shared.linkage_schema import load_linkage_schema, schema_fingerprint
from hublink.shared.upload_package import UploadPackage

SECRET = bytes.fromhex("11" * 32)


def make_package(records: int = 3, *, secret: bytes = SECRET, seed: int = 0,
                 attributes: dict[str, list[str | None]] | None = None) -> UploadPackage:
    """Returns a valid package of random CLKs for ``records`` records."""
    schema = load_linkage_schema()
    generator = secrets.SystemRandom(seed)
    return UploadPackage(
        schema_id=schema.schema_id, fingerprint=schema_fingerprint(schema, secret),
        clk_bytes=schema.clk_bytes,
        pseudonyms=[secrets.token_hex(32) for _ in range(records)],
        clks=bytes(generator.getrandbits(8) for _ in range(records * schema.clk_bytes)),
        attributes=attributes if attributes is not None else {"program": ["camp"] * records})


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
