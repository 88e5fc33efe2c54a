"""``POST /api/v1/uploads``: a partner's complete current record set."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from hublink.coordinator.api.auth import partner_required
from hublink.coordinator.intake import store_upload
from hublink.shared.errors import InvalidPackage
from hublink.shared.upload_package import UploadPackage

blueprint = Blueprint("uploads", __name__, url_prefix="/api/v1")


@blueprint.post("/uploads")
@partner_required
def create_upload():
    """Stores the package whole or not at all; answers 201 with the upload's receipt."""
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidPackage("the upload body must be JSON (Content-Type: application/json)")
    receipt = store_upload(current_app.extensions["hublink_home"], g.partner,
                           UploadPackage.from_wire(body))
    return {"upload_id": receipt.upload_id, "record_count": receipt.record_count}, 201
