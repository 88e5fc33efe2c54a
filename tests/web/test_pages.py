"""Public pages over HTTP: what they show, what they hide, and that everything they load comes
from the coordinator itself."""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
from importlib import resources

import pytest

from hublink.coordinator.web import PAGE_SECURITY_POLICY
from hublink.coordinator.web.assets import ASSET_MAX_AGE, PLOTLY_SHA256, PLOTLY_VERSION, asset_version
from hublink.coordinator.web.public import page_cache_of
from tests.web.published import see_publications


@pytest.fixture
def pages(app, client):
    app.extensions["hublink_publications"] = see_publications()
    return client


def test_landing_page_lists_public_approved_projects_only(pages):
    page = pages.get("/").get_data(as_text=True)
    assert "Summer Engagement 2026" in page and "/projects/see-2026/" in page
    assert "Private evaluation" not in page and "Draft project" not in page


@pytest.mark.parametrize("name", ["private-2026", "draft-2026", "no-such-project"])
def test_private_draft_and_unknown_projects_look_alike(pages, name):
    for path in (f"/projects/{name}/", f"/projects/{name}/report"):
        response = pages.get(path)
        assert response.status_code == 404 and response.mimetype == "text/html"
        assert "no public project named " + repr(name) in html.unescape(response.get_data(as_text=True))


def test_dashboard_reads_suppressed_cells_and_rates_in_plain_words(pages):
    page = pages.get("/projects/see-2026/").get_data(as_text=True)
    assert "4,210 young people took part in at least one program." in page
    assert "23.1% (412 of 1,783)" in page
    assert "fewer than 11" in page and "not shown" in page
    assert "between 1 and 10 young people" in page
    assert "Published 2 December 2026 from match run 7." in page
    for table in ("youth_total", "youth_by_zip", "partner_overlap"):
        assert f"/api/v1/projects/see-2026/tables/{table}?format=csv" in page


def test_every_script_style_and_image_comes_from_the_coordinator(pages):
    for path in ("/", "/projects/see-2026/", "/projects/see-2026/report", "/console/login"):
        response = pages.get(path)
        assert response.headers["Content-Security-Policy"] == PAGE_SECURITY_POLICY
        page = response.get_data(as_text=True)
        linked = re.findall(r'(?:src|href)="([^"#]+)"', page)
        assert linked and not [url for url in linked if "//" in url], path
        for url in linked:
            if url.startswith("/static/"):
                assert pages.get(url).status_code == 200, url
    assert "http" not in PAGE_SECURITY_POLICY and "*" not in PAGE_SECURITY_POLICY


def test_plotly_is_served_from_the_package_compressed_and_cached(pages):
    shipped = (resources.files("hublink.coordinator.web") / "vendor" / "plotly-cartesian.min.js").read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == PLOTLY_SHA256
    assert shipped.startswith(f"/**\n* plotly.js (cartesian - minified) v{PLOTLY_VERSION}\n".encode())
    versioned = f"/static/vendor/plotly.min.js?v={asset_version()}"
    plain = pages.get(versioned)
    assert plain.data == shipped
    assert plain.headers["Cache-Control"] == f"public, max-age={ASSET_MAX_AGE}, immutable"
    compressed = pages.get(versioned, headers={"Accept-Encoding": "gzip, deflate"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert gzip.decompress(compressed.data) == shipped and len(compressed.data) < len(shipped) / 2
    assert compressed.headers["ETag"] != plain.headers["ETag"]
    again = pages.get(versioned, headers={"Accept-Encoding": "gzip",
                                          "If-None-Match": compressed.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    # Without the current version the URL may change meaning: revalidate every time.
    assert pages.get("/static/vendor/plotly.min.js").headers["Cache-Control"] == "public, no-cache"


def test_static_files_are_compressed_and_versioned_by_their_content(pages):
    page = pages.get("/projects/see-2026/").get_data(as_text=True)
    script = re.search(r'src="(/static/web/dashboard.js\?v=[^"]+)"', page).group(1)
    assert asset_version() in script
    source = (resources.files("hublink.coordinator.web") / "static" / "dashboard.js").read_bytes()
    response = pages.get(script, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip" and gzip.decompress(response.data) == source
    assert "immutable" in response.headers["Cache-Control"]
    assert pages.get(script, headers={"Accept-Encoding": "gzip", "If-None-Match":
                                      response.headers["ETag"]}).status_code == 304


def test_project_pages_are_rendered_once_per_publication(app, pages):
    first = pages.get("/projects/see-2026/", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["Cache-Control"] == "no-cache"
    page = gzip.decompress(first.data).decode()
    assert "4,210 young people" in page
    assert pages.get("/projects/see-2026/", headers={
        "Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}).status_code == 304
    assert pages.get("/projects/see-2026/").get_data(as_text=True) == page
    cache = page_cache_of(app)
    assert len(cache._pages) == 1
    # A new publication is a new page: the old ETag no longer matches.
    publications = app.extensions["hublink_publications"]
    for table in publications.tables("see-2026"):
        table["published_at"] = "2026-12-09T12:00:00+00:00"
        table["run_id"] = 8
    changed = pages.get("/projects/see-2026/", headers={
        "Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "from match run 8" in gzip.decompress(changed.data).decode()
    assert len(cache._pages) == 2


def test_the_page_carries_no_second_copy_of_the_figures(pages):
    page = pages.get("/projects/see-2026/").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>',
                                page, re.S).group(1))
    assert data["tables"] and all("rows" not in table for table in data["tables"])
    assert "1,783" not in json.dumps(data) and 'data-measure="youth"' in page


def test_report_has_the_figures_and_no_script(pages):
    page = pages.get("/projects/see-2026/report").get_data(as_text=True)
    assert "<script" not in page
    assert "612 of them took part in more than one program." in page
    assert 'media="print"' in page and "svg" in page
