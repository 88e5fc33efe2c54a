"""The sync API: open a sync, put numbered chunks, commit. Every call may be repeated safely.

- ``POST /api/v1/syncs``: open (201), or describe the already open sync of that id (200)
- ``GET /api/v1/syncs/<id>``: status and the chunks received so far
- ``PUT /api/v1/syncs/<id>/chunks/<n>``: store chunk n (a resend replaces it)
- ``POST /api/v1/syncs/<id>/commit``: apply every chunk at once
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from hublink.coordinator.api.auth import acting_actor, partner_required
from hublink.coordinator.api.context import current_home
from hublink.coordinator.syncs import (chunk_body_limit, commit_sync, open_sync, receive_chunk,
                                       sync_state)
from hublink.shared.errors import InvalidPackage
from hublink.shared.sync_protocol import SyncCommit, SyncStart

blueprint = Blueprint("syncs", __name__, url_prefix="/api/v1")




def _limits():
    return current_app.extensions["hublink_limits"]


def _json_body() -> object:
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidPackage("the body must be JSON (Content-Type: application/json)")
    return body


@blueprint.post("/syncs")
@partner_required
def start_sync():
    """Opens a sync of the calling partner's records."""
    start = SyncStart.from_wire(_json_body())
    state = open_sync(current_home(), g.partner, start, _limits())
    return state, 201 if not state["received_chunks"] else 200


@blueprint.get("/syncs/<sync_id>")
@partner_required
def get_sync(sync_id: str):
    """Returns the sync's status and received chunk numbers."""
    return sync_state(current_home(), g.partner, sync_id)


@blueprint.put("/syncs/<sync_id>/chunks/<int:number>")
@partner_required
def put_chunk(sync_id: str, number: int):
    """Stores one chunk of upserts and deletes; a body larger than a full chunk of this sync
    can be is refused (413) before it is read or decoded."""
    request.max_content_length = min(chunk_body_limit(current_home(), g.partner, sync_id),
                                     current_app.config["MAX_CONTENT_LENGTH"])
    body = _json_body()
    return receive_chunk(current_home(), g.partner, sync_id, number, body,
                         size=request.content_length or len(request.get_data()), limits=_limits())


@blueprint.post("/syncs/<sync_id>/commit")
@partner_required
def commit(sync_id: str):
    """Applies the sync in one transaction and returns its receipt."""
    return commit_sync(current_home(), g.partner, sync_id, SyncCommit.from_wire(_json_body()),
                       actor=acting_actor())
