"""Hub-level endpoints for the roles that are not partners.

- ``GET /api/v1/export``: the de-identified linked dataset of the analyst token's approved
  project (an operator names it in ``?project=``) as CSV, or Parquet with ``?format=parquet``:
  the same rows as ``hublink-coordinator export``: ``link_id,partner,<project attributes>``
  (one row per enrollment), never CLKs, pseudonyms or similarities
- ``GET /api/v1/hub-status``: hub-wide counts only (viewer, analyst, operator)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, g, request, send_file
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

from hublink.coordinator.api.context import current_home
from hublink.coordinator.api.auth import roles_required
from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.outputs.export import export_linked_dataset
from hublink.coordinator.status import hub_status
from hublink.coordinator.storage.models import SharingProject

__all__ = ["blueprint", "hub_counts"]

blueprint = Blueprint("analyst", __name__, url_prefix="/api/v1")


@blueprint.get("/export")
@roles_required("analyst")
def get_export():
    """Streams the project's linked dataset of the last match run (CSV or Parquet)."""
    home = current_home()
    file_format = request.args.get("format", "csv")
    if file_format not in ("csv", "parquet"):
        raise BadRequest("format is csv or parquet")
    if g.principal.role == "analyst":
        with home.database.session() as session:
            project = session.scalars(select(SharingProject.name).where(
                SharingProject.id == g.principal.project_id)).first()
    else:
        project = request.args.get("project")
    if not project:
        raise BadRequest("an operator names the project to export in ?project=")
    folder = Path(home.path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix="api-export-", suffix=f".{file_format}",
                                        dir=folder)
    os.close(descriptor)
    path = Path(name)
    try:
        export_linked_dataset(home, path, project, file_format=file_format,
                              actor=g.principal.actor)
        handle = open(path, "rb")
    finally:
        # The open handle keeps the data readable; the file leaves the disk at once (POSIX).
        path.unlink(missing_ok=True)
    mimetype = "text/csv" if file_format == "csv" else "application/vnd.apache.parquet"
    return send_file(handle, mimetype=mimetype, as_attachment=True,
                     download_name=f"{project}-linked-dataset.{file_format}", max_age=0)


def hub_counts(home: CoordinatorHome) -> dict[str, Any]:
    """Given the coordinator's home, returns hub-wide counts: partners, records held, the last
    match run's figures and how many runs are queued or running; no names."""
    state = hub_status(home)
    run = state["last_match"]
    return {
        "partners": len(state["partners"]),
        "partners_synced": sum(1 for item in state["partners"] if item["last_sync"]),
        "records": sum(item["records"] for item in state["partners"]),
        "last_match": None if run is None else {
            key: run[key] for key in ("status", "finished_at", "records", "entities")},
        "active_matches": len(state.get("active_matches", [])),
    }


@blueprint.get("/hub-status")
@roles_required("viewer", "analyst")
def get_hub_status():
    """Returns hub-wide counts (see ``hub_counts``)."""
    return hub_counts(current_home())
