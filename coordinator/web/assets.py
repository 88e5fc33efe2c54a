"""Static files of the pages, and Plotly's JavaScript straight from the installed package.

Assets are cached by browsers for a day; their URLs carry the package versions, so an upgrade
is fetched at once. Plotly (4.8 MB) is sent gzip-compressed to browsers that accept it.
"""

from __future__ import annotations

import functools
import gzip
from importlib import metadata, resources

from flask import Blueprint, Response, request

__all__ = ["blueprint", "ASSET_MAX_AGE", "plotly_source", "asset_version"]

blueprint = Blueprint("web_assets", __name__, static_folder="static", template_folder="templates",
                      static_url_path="/static/web")
ASSET_MAX_AGE = 86_400


@functools.cache
def asset_version() -> str:
    """Returns the version tag that asset URLs carry (hublink's and Plotly's versions)."""
    return f"{metadata.version('hublink')}-{metadata.version('plotly')}"


@functools.cache
def plotly_source() -> bytes:
    """Returns plotly.min.js as shipped in the ``plotly`` package."""
    return (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()


@functools.cache
def _plotly_compressed() -> bytes:
    return gzip.compress(plotly_source(), compresslevel=6, mtime=0)


@blueprint.get("/static/vendor/plotly.min.js")
def plotly_script() -> Response:
    """Plotly's JavaScript, compressed when the browser accepts gzip."""
    compressed = "gzip" in request.headers.get("Accept-Encoding", "")
    body = _plotly_compressed() if compressed else plotly_source()
    response = Response(body, mimetype="text/javascript")
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    return response


@blueprint.after_request
def cache_assets(response: Response) -> Response:
    if response.status_code in (200, 304):
        response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
    return response
