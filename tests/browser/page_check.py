"""Checks of one page in headless Chromium: a screenshot under ``test-artefacts/screenshots/``,
then failure on any console error, any request leaving the page's origin and any serious or
critical axe-core violation. The fixtures that make a browser and a coordinator are in
``conftest.py``; tests that serve their own coordinator build a ``PageCheck`` themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.browser.axe import ensure_axe

__all__ = ["ARTEFACTS", "PageCheck"]

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screenshots"


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@dataclass
class PageCheck:
    driver: object
    origin: str

    def open(self, path: str, name: str, wait_for: str | None = None,
             timeout: float = 60) -> None:
        """Loads ``path``, waits for the CSS selector ``wait_for``, then checks the page."""
        self.driver.get("about:blank")  # stops an earlier page's polling before logs are cleared
        self.driver.get_log("browser")
        self.driver.get_log("performance")
        self.driver.get(self.origin + path)
        if wait_for:
            self.wait_for(wait_for, timeout)
        self.check(name)

    def wait_for(self, selector: str, timeout: float = 30):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def check(self, name: str) -> None:
        """Saves a screenshot; fails on console errors, foreign requests, axe violations."""
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(ARTEFACTS / f"{name}.png"))
        errors = [entry["message"] for entry in self.driver.get_log("browser")
                  if entry["level"] == "SEVERE"]
        assert not errors, f"console errors on {name}: {errors}"
        foreign = [url for url in _requests(self.driver)
                   if not url.startswith((self.origin + "/", "data:", "blob:"))]
        assert not foreign, f"requests leaving the origin on {name}: {foreign}"
        self.driver.execute_script(ensure_axe().read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(done, e => done({error: String(e)}));")
        assert "error" not in result, result
        serious = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:5])
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, f"accessibility violations on {name}: {serious}"
