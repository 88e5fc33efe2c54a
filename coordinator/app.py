"""The coordinator's Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from hublink.coordinator.api import register_api
from hublink.coordinator.api.context import HOME_EXTENSION, home_of
from hublink.coordinator.api.security import DEFAULT_MAX_CONTENT_LENGTH
from hublink.coordinator.home import CoordinatorHome, resolve_home
from hublink.coordinator.web import register_web

__all__ = ["create_app", "home_of"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Given optional settings (``HOME``, ``MAX_CONTENT_LENGTH``, the quotas and limits of
    ``service_limits``), returns the app; the home folder comes from there, ``HUBLINK_HOME``,
    or ``./hublink-home``, and is made 0700 with every file 0600."""
    app = Flask(__name__)
    app.config.from_mapping(HOME=None, MAX_CONTENT_LENGTH=DEFAULT_MAX_CONTENT_LENGTH)
    app.config.from_prefixed_env("HUBLINK")
    if test_config:
        app.config.update(test_config)
    home = CoordinatorHome(resolve_home(app.config["HOME"]))
    home.restrict_permissions()
    app.extensions[HOME_EXTENSION] = home
    register_api(app)
    register_web(app)
    return app


