"""Public pages: the landing page, each public project's dashboard and its printable report.

No login: they show only the published tables of approved public projects, exactly as
published (suppressed cells stay suppressed), and nothing about partners' records. The
dashboard and report are rendered once per publication (``page_cache``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, render_template

from hublink.coordinator.web.dashboard import project_page
from hublink.coordinator.web.page_cache import PageCache, page_response, publication_key
from hublink.coordinator.web.publications import SHOWN_STATUSES, public_project, publications_of

__all__ = ["blueprint", "shown_projects", "page_cache_of"]

blueprint = Blueprint("public", __name__, template_folder="templates")


def page_cache_of(app: Flask) -> PageCache:
    """Returns the app's cache of rendered public pages."""
    return app.extensions.setdefault("hublink_page_cache", PageCache())


def shown_projects() -> list:
    """Returns the projects the public may see, by title."""
    projects = publications_of(current_app).projects()
    return sorted((p for p in projects if p.public and p.status in SHOWN_STATUSES),
                  key=lambda project: project.title)


@blueprint.get("/")
def landing():
    """The hub's front page: what it is and its public projects."""
    return render_template("landing.html", projects=shown_projects())


def _project_page(template: str, name: str) -> Response:
    publications = publications_of(current_app)
    project = public_project(publications, name)
    tables = publications.tables(project.name)
    boundary_key = publications.boundary_key(project.name)
    key = publication_key(template, project, tables, boundary_key)
    page = page_cache_of(current_app).page(key, lambda: render_template(
        template, **project_page(project, tables, boundary_key)))
    return page_response(page)


@blueprint.get("/projects/<name>/")
def dashboard(name: str) -> Response:
    """A public project's dashboard: headlines, charts beside tables, filters, map."""
    return _project_page("dashboard.html", name)


@blueprint.get("/projects/<name>/report")
def report(name: str) -> Response:
    """The printable report of a public project: the dashboard's figures on paper."""
    return _project_page("report.html", name)
