"""Headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven by Selenium, and a
real coordinator serving the pages on loopback.

Every test here is marked ``browser``. ``page_check`` is a ``page_check.PageCheck`` on the
live coordinator: it loads a page, saves a screenshot under ``test-artefacts/screenshots/``,
and fails on any console error, any request to another origin and any serious or critical
axe-core violation.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from hublink.coordinator.app import create_app, home_of
from hublink.coordinator.registry import init_project
from tests.browser.page_check import PageCheck

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--window-size=1280,1000")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """A headless Chromium with a fresh profile, logging the console and the network."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("browser tests need Debian's chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver; .ci/run does it)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@dataclass
class LiveCoordinator:
    url: str
    app: object

    @property
    def home(self):
        return home_of(self.app)


def serve(app) -> tuple[LiveCoordinator, object]:
    """Serves ``app`` on a free loopback port in a thread; returns it and the server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return LiveCoordinator(f"http://127.0.0.1:{server.server_port}", app), server


@pytest.fixture
def live_coordinator(tmp_path, monkeypatch):
    """A coordinator (SQLite home) serving on loopback; tests set its publications."""
    monkeypatch.delenv("HUBLINK_DATABASE_URL", raising=False)
    app = create_app({"HOME": str(tmp_path / "home"), "RATE_LIMIT_PER_MINUTE": 0})
    init_project(home_of(app).database)
    coordinator, server = serve(app)
    yield coordinator
    server.shutdown()
    home_of(app).database.dispose()


@pytest.fixture
def page_check(browser, live_coordinator) -> PageCheck:
    browser.delete_all_cookies()
    return PageCheck(browser, live_coordinator.url)
