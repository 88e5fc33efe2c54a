"""The home folder a coordinator command works on: the one rule every command module uses."""

from __future__ import annotations

from pathlib import Path

import click

from hublink.coordinator.errors import NotInitialised
from hublink.coordinator.home import CoordinatorHome, is_home

__all__ = ["existing_home", "open_home"]


def existing_home(context: click.Context) -> Path:
    """Returns the home folder of every command but ``init``; raises NotInitialised, creating
    nothing, when it is not a coordinator home (a mistyped --home must not become one)."""
    path = context.find_root().obj["home"]
    if not is_home(path):
        raise NotInitialised(f"{path} is not initialised as a coordinator home: check --home or "
                             "HUBLINK_HOME, or create one with `hublink-coordinator --home "
                             f"{path} init`")
    return path


def open_home(context: click.Context) -> CoordinatorHome:
    """Returns the opened home of an initialised folder (see ``existing_home``)."""
    return CoordinatorHome(existing_home(context))
