"""``GET /api/v1/partner-view``: the calling partner's own view, for the agent's check-in.

Last committed sync, record count and pseudonym digest (``hublink.partner-view/1``); never a
hub-wide figure. The token check audits every call, so each check-in is in the audit log.
"""

from __future__ import annotations

from flask import Blueprint, g

from hublink.coordinator.api.auth import partner_required
from hublink.coordinator.api.context import current_home
from hublink.coordinator.partner_view import partner_view

blueprint = Blueprint("partner_view", __name__, url_prefix="/api/v1")


@blueprint.get("/partner-view")
@partner_required
def get_partner_view():
    """Returns what the coordinator holds for the calling partner."""
    return partner_view(current_home(), g.partner).to_wire()
