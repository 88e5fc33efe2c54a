"""Rendered public pages kept per publication, sent compressed and revalidated by ETag.

A public page depends only on its project and that project's latest publication, never on
the visitor, so it is rendered once per publication: the key holds the project as read (its
title, status, expiry...), each table's name, run and publication time, and the asset
version. A new publication, a closed project or an upgrade is a new key. Browsers revalidate
the page each time (``no-cache``) and get a 304 while the publication is unchanged.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, request

from hublink.coordinator.web.assets import asset_version, compressed_once

__all__ = ["PAGE_CACHE_SIZE", "RenderedPage", "PageCache", "publication_key", "page_response"]

PAGE_CACHE_SIZE = 64


@dataclass(frozen=True)
class RenderedPage:
    """A rendered page: its HTML as UTF-8, gzip-compressed, and its ETag (a digest of it)."""

    body: bytes
    gzipped: bytes = field(init=False)
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "gzipped", compressed_once(self.body))
        object.__setattr__(self, "etag", hashlib.sha256(self.body).hexdigest()[:32])


def publication_key(page: str, project: Any, tables: list[dict[str, Any]],
                    boundary_key: str) -> tuple:
    """Returns the cache key of ``page`` for a project and its published tables."""
    return (page, repr(project), boundary_key, asset_version(),
            tuple((table.get("table"), table.get("run_id"), table.get("published_at"))
                  for table in tables))


class PageCache:
    """The newest ``size`` rendered pages, least recently used dropped first (thread-safe)."""

    def __init__(self, size: int = PAGE_CACHE_SIZE) -> None:
        self.size = size
        self._pages: OrderedDict[tuple, RenderedPage] = OrderedDict()
        self._lock = threading.Lock()

    def page(self, key: tuple, render: Callable[[], str]) -> RenderedPage:
        """Returns the page under ``key``, rendering (outside the lock) when missing."""
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
                return found
        rendered = RenderedPage(render().encode("utf-8"))
        with self._lock:
            self._pages[key] = rendered
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return rendered


def page_response(page: RenderedPage) -> Response:
    """Returns the page as a response: gzip-compressed when accepted, 304 when the browser's
    copy is current."""
    gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(page.gzipped if gzip else page.body, mimetype="text/html")
    if gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{page.etag}-gzip" if gzip else page.etag)
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)
