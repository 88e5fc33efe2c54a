"""The printable report as files: the report page written as one self-contained HTML file,
and a PDF printed from it by headless Chromium (``--print-to-pdf``), with the same figures.

Chromium is found as ``HUBLINK_CHROMIUM``, else ``chromium`` (Debian), ``chromium-browser`` or
``google-chrome`` on the PATH; without it the HTML is still written and a clear error says how
to get the PDF.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from flask import Flask, render_template

from hublink.coordinator.web.dashboard import project_page
from hublink.coordinator.web.publications import public_project, publications_of
from hublink.shared.errors import HublinkError

__all__ = ["BrowserMissing", "CHROMIUM_NAMES", "find_chromium", "report_html", "write_report"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
_PRINT_SECONDS = 120


class BrowserMissing(HublinkError):
    code = "browser_missing"


def find_chromium() -> str | None:
    """Returns the Chromium executable to print with, or None."""
    configured = os.environ.get("HUBLINK_CHROMIUM")
    if configured:
        return configured
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def _styles() -> str:
    static = resources.files("hublink.coordinator.web") / "static"
    screen, paper = ((static / name).read_text(encoding="utf-8")
                     for name in ("hublink.css", "print.css"))
    return f"{screen}\n@media print {{\n{paper}\n}}"


def report_html(app: Flask, name: str) -> str:
    """Returns the report page of public project ``name`` with its styles inlined, so the
    file reads the same anywhere; raises NotFound for a project that is not public."""
    publications = publications_of(app)
    with app.test_request_context(f"/projects/{name}/report"):
        project = public_project(publications, name)
        context = project_page(project, publications.tables(project.name),
                               publications.boundary_key(project.name))
        return render_template("report.html", inline_styles=_styles(), **context)


def write_report(app: Flask, name: str, folder: Path) -> tuple[Path, Path]:
    """Writes ``<name>-report.html`` and ``<name>-report.pdf`` into ``folder``; returns both
    paths. Raises NotFound (no such public project) or BrowserMissing (HTML written only)."""
    page = report_html(app, name)
    folder.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = folder / f"{name}-report.html", folder / f"{name}-report.pdf"
    html_path.write_text(page, encoding="utf-8")
    chromium = find_chromium()
    if chromium is None:
        raise BrowserMissing(f"wrote {html_path}, but printing the PDF needs Chromium: install "
                             f"it (apt-get install chromium) or set HUBLINK_CHROMIUM")
    with tempfile.TemporaryDirectory() as profile:
        printed = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={profile}", "--no-pdf-header-footer",
             f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
            capture_output=True, text=True, timeout=_PRINT_SECONDS)
    if printed.returncode != 0 or not pdf_path.exists():
        raise BrowserMissing(f"Chromium could not print {html_path.name} (exit "
                             f"{printed.returncode}); the HTML report is written")
    return html_path, pdf_path


