"""Static files of the pages, and Plotly's JavaScript straight from the installed package.

Asset URLs carry a version made of the static files' own digest and Plotly's version, so a
URL's content never changes: with that version a response is cached for a year as immutable
(a warm page load asks nothing); without it, browsers revalidate with the ETag. Scripts and
styles are sent gzip-compressed to browsers that accept it (Plotly: 4.8 MB -> 1.4 MB),
compressed once per process.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from importlib import metadata, resources

from flask import Blueprint, Response, request

__all__ = ["blueprint", "ASSET_MAX_AGE", "plotly_source", "asset_version", "compressed",
           "compressed_once"]

blueprint = Blueprint("web_assets", __name__, static_folder="static", template_folder="templates",
                      static_url_path="/static/web")
ASSET_MAX_AGE = 365 * 86_400
_COMPRESSED_TYPES = ("text/javascript", "text/css", "image/svg+xml", "application/javascript")


def _static_files() -> list:
    folder = resources.files("hublink.coordinator.web") / "static"
    return sorted((entry for entry in folder.iterdir() if entry.is_file()),
                  key=lambda entry: entry.name)


@functools.cache
def asset_version() -> str:
    """Returns the version tag that asset URLs carry: a digest of the static files and
    Plotly's version, so any change to either is a new URL."""
    digest = hashlib.sha256()
    for entry in _static_files():
        digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return f"{digest.hexdigest()[:12]}-{metadata.version('plotly')}"


@functools.cache
def plotly_source() -> bytes:
    """Returns plotly.min.js as shipped in the ``plotly`` package."""
    return (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()


def compressed_once(body: bytes) -> bytes:
    """Returns ``body`` gzip-compressed (deterministic: no timestamp)."""
    return gzip.compress(body, compresslevel=6, mtime=0)


@functools.lru_cache(maxsize=32)
def compressed(body: bytes) -> bytes:
    """Returns ``body`` gzip-compressed, cached per content (the assets are few)."""
    return compressed_once(body)


def _accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "")


@blueprint.get("/static/vendor/plotly.min.js")
def plotly_script() -> Response:
    """Plotly's JavaScript, compressed when the browser accepts gzip."""
    response = Response(plotly_source(), mimetype="text/javascript")
    response.set_etag(f"plotly-{metadata.version('plotly')}")
    return response


@blueprint.after_request
def cache_assets(response: Response) -> Response:
    """Caching and compression of every asset response (see the module); a compressed body
    has its own ETag, as HTTP asks of a different representation."""
    if response.status_code not in (200, 304):
        return response
    if request.args.get("v") == asset_version():
        response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}, immutable"
    else:
        response.headers["Cache-Control"] = "public, no-cache"
    if response.mimetype in _COMPRESSED_TYPES:
        response.vary.add("Accept-Encoding")
        if response.status_code == 200 and _accepts_gzip():
            etag, _ = response.get_etag()
            response.direct_passthrough = False
            response.set_data(compressed(response.get_data()))
            response.headers["Content-Encoding"] = "gzip"
            if etag:
                response.set_etag(f"{etag}-gzip")
    return response.make_conditional(request)
