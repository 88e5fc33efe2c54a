"""``GET /api/v1/links``: the calling partner's link IDs, one per record, in random order."""

from __future__ import annotations

from flask import Blueprint, g

from hublink.coordinator.api.context import current_home

from hublink.coordinator.api.auth import partner_required
from hublink.coordinator.outputs.link_files import partner_link_file

blueprint = Blueprint("links", __name__, url_prefix="/api/v1")


@blueprint.get("/links")
@partner_required
def get_links():
    """Returns the link file of the last successful match run."""
    return partner_link_file(current_home(), g.partner)
