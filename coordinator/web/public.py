"""Public pages: the landing page, each public project's dashboard and its printable report.

No login: they show only the published tables of approved public projects, exactly as
published (suppressed cells stay suppressed), and nothing about partners' records.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from hublink.coordinator.web.dashboard import project_page
from hublink.coordinator.web.publications import SHOWN_STATUSES, public_project, publications_of

__all__ = ["blueprint", "shown_projects"]

blueprint = Blueprint("public", __name__, template_folder="templates")


def shown_projects() -> list:
    """Returns the projects the public may see, by title."""
    projects = publications_of(current_app).projects()
    return sorted((p for p in projects if p.public and p.status in SHOWN_STATUSES),
                  key=lambda project: project.title)


@blueprint.get("/")
def landing():
    """The hub's front page: what it is and its public projects."""
    return render_template("landing.html", projects=shown_projects())


def _context(name: str) -> dict:
    publications = publications_of(current_app)
    project = public_project(publications, name)
    return project_page(project, publications.tables(project.name),
                        publications.boundary_key(project.name))


@blueprint.get("/projects/<name>/")
def dashboard(name: str):
    """A public project's dashboard: headlines, charts beside tables, filters, map."""
    return render_template("dashboard.html", **_context(name))


@blueprint.get("/projects/<name>/report")
def report(name: str):
    """The printable report of a public project: the dashboard's figures on paper."""
    return render_template("report.html", **_context(name))
