"""The operator console in headless Chromium: login form, every page accessible and clean,
live progress of a running match, logout."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from hublink.coordinator.jobs.queue import claim_run, enqueue_run, renew_lease
from hublink.coordinator.registry import add_partner
from hublink.coordinator.tokens import issue_token
from hublink.coordinator.web.sessions import SESSION_COOKIE
from tests.web.published import see_publications


def _log_in(page_check, token: str) -> None:
    page_check.open("/console/login", "console-login")
    driver = page_check.driver
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    page_check.wait_for("#partners")


def test_console_pages_after_login(page_check, live_coordinator):
    live_coordinator.app.extensions["hublink_publications"] = see_publications()
    database = live_coordinator.home.database
    add_partner(database, "Summer Jobs")
    _log_in(page_check, issue_token(database, "operator")[1])
    cookie = next(c for c in page_check.driver.get_cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page_check.driver.execute_script("return document.cookie") == ""
    for path, selector in (("/console/partners", "#partners"), ("/console/runs", "#runs"),
                           ("/console/projects", "#projects"), ("/console/audit", "#audit"),
                           ("/console/tokens", "#tokens")):
        page_check.open(path, "console-" + path.rsplit("/", 1)[-1], wait_for=selector)
    page_check.driver.find_element(By.CSS_SELECTOR, "header form button").click()
    page_check.wait_for("#token")
    page_check.driver.get(live_coordinator.url + "/console/partners")
    assert "/console/login" in page_check.driver.current_url


def test_runs_page_shows_live_progress(page_check, live_coordinator):
    database = live_coordinator.home.database
    run_id = enqueue_run(database)
    claim_run(database, "worker-1", lease_seconds=60)
    renew_lease(database, run_id, "worker-1", 60, "compare", 10, 1000)
    _log_in(page_check, issue_token(database, "operator")[1])
    page_check.open("/console/runs", "console-runs-live", wait_for="#runs progress")
    renew_lease(database, run_id, "worker-1", 60, "compare", 640, 1000)
    WebDriverWait(page_check.driver, 15).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'tr[data-run="{run_id}"] .comparisons').text
        == "640 of 1,000 comparisons")
    progress = page_check.driver.find_element(By.CSS_SELECTOR, f'tr[data-run="{run_id}"] progress')
    assert progress.get_attribute("value") == "640"
    page_check.check("console-runs-progressed")
