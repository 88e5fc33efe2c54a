"""The printable report as files: self-contained HTML and a PDF printed by headless Chromium,
both carrying the dashboard's figures."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from hublink.coordinator.errors import NotFound
from hublink.coordinator.web.report import write_report
from tests.web.published import see_publications


def test_report_is_written_as_html_and_pdf(live_coordinator, tmp_path):
    app = live_coordinator.app
    app.extensions["hublink_publications"] = see_publications()
    html_path, pdf_path = write_report(app, "see-2026", tmp_path / "out")
    page = html_path.read_text()
    assert "<link" not in page and "<script" not in page and "<style>" in page
    assert "4,210 young people took part in at least one program." in page
    reader = PdfReader(pdf_path)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "4,210 young people took part in at least one program." in text
    assert "fewer than 11" in text and "Published 2 December 2026 from match run 7." in text
    assert "23.1% (412 of 1,783)" in text


def test_report_of_a_private_project_is_refused(live_coordinator, tmp_path):
    live_coordinator.app.extensions["hublink_publications"] = see_publications()
    with pytest.raises(NotFound):
        write_report(live_coordinator.app, "private-2026", tmp_path / "out")
    assert not (tmp_path / "out").exists()
