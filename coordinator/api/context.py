"""The coordinator's home in request context: the one place that knows where the app keeps it."""

from __future__ import annotations

from flask import Flask, current_app

from hublink.coordinator.home import CoordinatorHome

__all__ = ["HOME_EXTENSION", "current_home", "home_of"]

HOME_EXTENSION = "hublink_home"


def home_of(app: Flask) -> CoordinatorHome:
    """Returns the opened home folder of an app made by ``create_app``."""
    return app.extensions[HOME_EXTENSION]


def current_home() -> CoordinatorHome:
    """Returns the home folder of the app handling the current request."""
    return home_of(current_app)
