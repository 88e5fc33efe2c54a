"""The coordinator's HTTP API: one blueprint per module, one error envelope."""

from __future__ import annotations

from flask import Flask

from hublink.coordinator.api import links, status, syncs
from hublink.coordinator.api.errors import register_error_handlers

__all__ = ["register_api"]

BLUEPRINTS = (syncs.blueprint, links.blueprint, status.blueprint)


def register_api(app: Flask) -> None:
    """Registers every API blueprint and the error handlers on ``app``."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_error_handlers(app)
