"""Static files of the pages, and Plotly's JavaScript from the vendored npm bundle.

Plotly is ``plotly.js-cartesian-dist-min`` from the npm registry (MIT; its licence beside it in
``vendor/``), the official partial bundle of the trace types the pages draw (bar, heatmap):
1.5 MB against the full bundle's 4.8 MB, which the browser spent most of a cold load
evaluating (benchmarks/RESULTS.md, "Dashboard speed"). It ships inside the package, so a
coordinator needs no internet and no Node. To update: ``npm pack
plotly.js-cartesian-dist-min@VERSION``, copy ``plotly-cartesian.min.js`` into ``vendor/``, set
``PLOTLY_VERSION`` and ``PLOTLY_SHA256``.

Asset URLs carry a version made of the static files' own digest and Plotly's version, so a
URL's content never changes: with that version a response is cached for a year as immutable
(a warm page load asks nothing); without it, browsers revalidate with the ETag. Scripts and
styles are sent gzip-compressed to browsers that accept it (Plotly: 1.5 MB -> 0.5 MB),
compressed once per process.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from importlib import resources

from flask import Blueprint, Response, request

__all__ = ["blueprint", "ASSET_MAX_AGE", "PLOTLY_VERSION", "PLOTLY_SHA256", "plotly_source",
           "asset_version", "compressed", "compressed_once"]

blueprint = Blueprint("web_assets", __name__, static_folder="static", template_folder="templates",
                      static_url_path="/static/web")
ASSET_MAX_AGE = 365 * 86_400
PLOTLY_VERSION = "4.1.1"
"""The version of ``plotly.js-cartesian-dist-min`` in ``vendor/``."""
PLOTLY_SHA256 = "79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a"
"""Its file's digest, as ``npm pack`` delivered it: checked before it is served."""
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
    return f"{digest.hexdigest()[:12]}-{PLOTLY_VERSION}"


@functools.cache
def plotly_source() -> bytes:
    """Returns the vendored Plotly bundle; raises RuntimeError if it is not the file recorded
    in ``PLOTLY_SHA256`` (a damaged or swapped install)."""
    source = (resources.files("hublink.coordinator.web") / "vendor"
              / "plotly-cartesian.min.js").read_bytes()
    if hashlib.sha256(source).hexdigest() != PLOTLY_SHA256:
        raise RuntimeError("the vendored plotly-cartesian.min.js is not the recorded file")
    return source


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
    response.set_etag(f"plotly-{PLOTLY_VERSION}")
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
