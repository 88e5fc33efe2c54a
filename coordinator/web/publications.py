"""Where the pages read projects and their published tables from.

The pages never compute or suppress figures: they show the published tables of the outputs
module (``coordinator.outputs.publish``) exactly, through this one narrow interface, so a
suppressed cell cannot leak through a page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from flask import Flask

from hublink.coordinator.errors import NotFound

__all__ = ["Publications", "OutputsPublications", "publications_of", "public_project",
           "boundaries_file", "SHOWN_STATUSES"]

# A public page shows a project only while it may publish: approved, not closed or expired.
SHOWN_STATUSES = ("approved",)


class Publications(Protocol):
    """Projects and their latest published tables (JSON of the published-table contract)."""

    def projects(self) -> list[Any]:
        """Returns every project (objects with ``name, title, purpose, public, k, status,
        expires, partners, attributes, boundaries_path``)."""

    def project(self, name: str) -> Any:
        """Returns the project called ``name``; raises NotFound."""

    def tables(self, name: str) -> list[dict[str, Any]]:
        """Returns the project's latest published tables, in publication order."""

    def boundary_key(self, name: str) -> str:
        """Returns the boundary GeoJSON's feature property that holds each area's key."""


class OutputsPublications:
    """The coordinator's own projects and published tables, read from its home folder."""

    def __init__(self, home: Any) -> None:
        self.home = home

    def projects(self) -> list[Any]:
        from hublink.coordinator.projects import list_projects
        return list_projects(self.home)

    def project(self, name: str) -> Any:
        from hublink.coordinator.projects import get_project
        return get_project(self.home, name)

    def tables(self, name: str) -> list[dict[str, Any]]:
        from hublink.coordinator.outputs.publish import published_tables
        return published_tables(self.home, name)

    def boundary_key(self, name: str) -> str:
        from hublink.coordinator.projects import project_definition
        place = project_definition(self.home, name).place
        return place.boundary_key if place else "id"


def publications_of(app: Flask) -> Publications:
    """Returns the app's publications (``app.extensions["hublink_publications"]``)."""
    return app.extensions["hublink_publications"]


def public_project(publications: Publications, name: str) -> Any:
    """Returns a project the public may see (public and approved); raises NotFound otherwise,
    with the same message whether it is private or absent, so names do not leak."""
    try:
        project = publications.project(name)
    except NotFound:
        project = None
    if project is None or not project.public or project.status not in SHOWN_STATUSES:
        raise NotFound(f"no public project named {name!r}")
    return project


def boundaries_file(project: Any) -> Path | None:
    """Returns the project's boundary GeoJSON file, or None when it has none."""
    path = getattr(project, "boundaries_path", None)
    return Path(path) if path else None
