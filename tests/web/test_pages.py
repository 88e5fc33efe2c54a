"""Public pages over HTTP: what they show, what they hide, and that everything they load comes
from the coordinator itself."""

from __future__ import annotations

import gzip
import html
import re
from importlib import resources

import pytest

from hublink.coordinator.web import PAGE_SECURITY_POLICY
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
    shipped = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    plain = pages.get("/static/vendor/plotly.min.js")
    assert plain.data == shipped and "max-age" in plain.headers["Cache-Control"]
    compressed = pages.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.data) == shipped and len(compressed.data) < len(shipped) / 2


def test_report_has_the_figures_and_no_script(pages):
    page = pages.get("/projects/see-2026/report").get_data(as_text=True)
    assert "<script" not in page
    assert "612 of them took part in more than one program." in page
    assert 'media="print"' in page and "svg" in page
