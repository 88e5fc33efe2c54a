"""The coordinator's HTTP API: one blueprint per module, one error envelope."""

from __future__ import annotations

from flask import Flask

from hublink.coordinator.api import (analyst, links, openapi, partner_view, published,
                                    status, syncs)
from hublink.coordinator.api.errors import register_error_handlers
from hublink.coordinator.api.security import register_security

__all__ = ["register_api"]

BLUEPRINTS = (syncs.blueprint, links.blueprint, status.blueprint, partner_view.blueprint,
              analyst.blueprint, published.blueprint, openapi.blueprint)


def register_api(app: Flask) -> None:
    """Registers every API blueprint, the error handlers and the security hooks on ``app``."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_security(app)
