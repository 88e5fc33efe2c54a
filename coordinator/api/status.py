"""``GET /api/v1/status`` (the calling partner's view), ``GET /api/v1/attributes`` (the
hub's attribute declarations, which agents check before they send) and ``GET /api/v1/health``."""

from __future__ import annotations

from flask import Blueprint, g

from hublink.coordinator.api.auth import partner_required, roles_required
from hublink.coordinator.api.context import current_home
from hublink.coordinator.attribute_declarations import declarations_as_wire, load_declarations
from hublink.coordinator.status import partner_status

blueprint = Blueprint("status", __name__, url_prefix="/api/v1")


@blueprint.get("/health")
def health():
    """Returns ``{"status": "ok"}`` once the app is up; no authentication."""
    return {"status": "ok"}


@blueprint.get("/status")
@partner_required
def get_status():
    """Returns the partner's last sync and the last match run, as counts and times."""
    return partner_status(current_home(), g.partner)


@blueprint.get("/attributes")
@roles_required("partner", "analyst", "viewer")
def get_attributes():
    """Returns the attributes the hub accepts, each with its type and vocabulary or range."""
    return declarations_as_wire(load_declarations(current_home().path))
