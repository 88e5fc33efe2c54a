"""The web pages people read: the public dashboards, reports and the operator console.

Every script, style sheet and chart library is served by the coordinator itself (Plotly's
JavaScript from the vendored npm bundle ``plotly.js-cartesian-dist-min``, see ``assets``); each page's Content-Security-Policy allows nothing
from another origin, so no page makes a request that leaves the hub.
"""

from __future__ import annotations

from flask import Flask, Response, render_template

from hublink.coordinator.api.context import home_of
from hublink.coordinator.web import assets, console, console_linkage, public  # noqa: F401
from hublink.coordinator.web.assets import asset_version
from hublink.coordinator.web.publications import OutputsPublications
from hublink.shared.errors import HublinkError

__all__ = ["PAGE_SECURITY_POLICY", "register_web"]

# 'unsafe-inline' styles only: Plotly sets element styles from its script.
PAGE_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                        "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; "
                        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def _page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_SECURITY_POLICY
    # Not the API's no-referrer: with it browsers send "Origin: null" on the console's forms,
    # and the console checks that origin. Other origins still get no referrer.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _error_page(error: HublinkError):  # type: ignore[no-untyped-def]
    return render_template("error.html", error=error), error.http_status


# console_linkage adds its routes to the console's blueprint when imported.
BLUEPRINTS = (public.blueprint, console.blueprint, assets.blueprint)
for _blueprint in BLUEPRINTS:
    _blueprint.after_request(_page_headers)
    _blueprint.register_error_handler(HublinkError, _error_page)


def register_web(app: Flask) -> None:
    """Registers the pages, their static files and their error pages on ``app``; the pages
    read projects from ``app.extensions["hublink_publications"]`` (default: the home's)."""
    app.extensions.setdefault("hublink_publications",
                              OutputsPublications(home_of(app)))
    app.context_processor(lambda: {"asset_version": asset_version()})
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
