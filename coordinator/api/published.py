"""Published tables of data-sharing projects (the dashboards' data).

- ``GET /api/v1/projects``: projects with published tables that the caller may read
- ``GET /api/v1/projects/<name>/tables``: the latest publication's tables (list)
- ``GET /api/v1/projects/<name>/tables/<table>``: one table as JSON, or ``?format=csv``

A public project needs no token; any other needs a viewer or operator token, or an analyst
token of that project. Only approved, unexpired projects are served (invariant 8).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from hublink.coordinator.api.auth import authenticate_request, bearer_token
from hublink.coordinator.api.context import current_home
from hublink.coordinator.errors import NotFound
from hublink.coordinator.outputs.publish import published_tables
from hublink.coordinator.outputs.render import table_csv
from hublink.coordinator.projects import get_project, list_projects
from hublink.coordinator.storage.models import SharingProject
from hublink.coordinator.tokens import Principal
from sqlalchemy import select

__all__ = ["blueprint"]

blueprint = Blueprint("published", __name__, url_prefix="/api/v1")
_SUMMARY_KEYS = ("table", "kind", "title", "description", "run_id", "published_at", "k",
                 "dimensions", "measures")


def _caller() -> Principal | None:
    token = bearer_token()
    if token is None:
        return None
    return authenticate_request(("viewer", "analyst"))


def _may_read(caller: Principal | None, info: Any, project_id: int) -> bool:
    if info.public:
        return True
    if caller is None:
        return False
    return caller.role != "analyst" or caller.project_id == project_id


def _readable(name: str) -> Any:
    """Returns the project whose tables the caller may read. Anyone else, with or without a
    token, gets the same NotFound whether the project is absent, private, a draft or another
    project's (a status or a 401 would say that the name exists); a hub-wide viewer learns a
    readable project's status."""
    home = current_home()
    caller = _caller()
    hidden = NotFound(f"no project named {name!r} whose tables this caller may read")
    try:
        info = get_project(home, name)
    except NotFound:
        raise hidden from None
    with home.database.session() as session:
        project_id = session.scalars(select(SharingProject.id)
                                     .where(SharingProject.name == name)).one()
    if not _may_read(caller, info, project_id):
        raise hidden
    if info.status != "approved":
        viewer = caller is not None and caller.role == "viewer"
        raise NotFound(f"project {name!r} publishes nothing (it is {info.status})") if viewer else hidden
    return info


@blueprint.get("/projects")
def get_projects():
    """Returns the projects with published tables the caller may read."""
    home = current_home()
    caller = _caller()
    with home.database.session() as session:
        ids = dict(session.execute(select(SharingProject.name, SharingProject.id)).all())
    projects = []
    for info in list_projects(home):
        if info.status != "approved" or not _may_read(caller, info, ids[info.name]):
            continue
        tables = published_tables(home, info.name)
        if tables:
            projects.append({"name": info.name, "title": info.title, "purpose": info.purpose,
                             "public": info.public, "k": info.k,
                             "expires": info.expires.isoformat(),
                             "published_at": tables[0]["published_at"],
                             "tables": [table["table"] for table in tables]})
    return {"projects": projects}


@blueprint.get("/projects/<name>/tables")
def get_tables(name: str):
    """Returns a summary of each table of the project's latest publication."""
    _readable(name)
    return {"project": name, "tables": [{key: table[key] for key in _SUMMARY_KEYS}
                                        for table in published_tables(current_home(), name)]}


@blueprint.get("/projects/<name>/tables/<table>")
def get_table(name: str, table: str):
    """Returns one published table as JSON, or as formula-safe CSV with ``?format=csv``."""
    _readable(name)
    found = next((t for t in published_tables(current_home(), name) if t["table"] == table), None)
    if found is None:
        raise NotFound(f"project {name!r} has published no table {table!r}")
    if request.args.get("format") == "csv":
        return Response(table_csv(found), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{table}.csv"'})
    return found
