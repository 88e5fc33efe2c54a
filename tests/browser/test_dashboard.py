"""The public pages in headless Chromium: rendered with data, filters change charts, tables and
the map together, every area drawn, no console error, nothing fetched from another origin, no
serious accessibility violation."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.web.published import BOUNDARIES, see_publications


@pytest.fixture
def dashboard(page_check, live_coordinator):
    live_coordinator.app.extensions["hublink_publications"] = see_publications()
    page_check.open("/projects/see-2026/", "dashboard", wait_for="body[data-charts-drawn=true]")
    return page_check


def _visible_rows(driver, table: str) -> list[list[str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, f"#table-{table} tbody tr")
    return [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")]
            for row in rows if row.is_displayed()]


def _bars(driver, table: str) -> list[str]:
    """The category labels of a chart's bars, read from Plotly's own data."""
    return driver.execute_script(
        "return document.getElementById('chart-' + arguments[0]).data"
        ".flatMap(trace => trace.x.map(x => String(x) + '|' + trace.name));", table)


def test_landing_lists_only_public_approved_projects(page_check, live_coordinator):
    live_coordinator.app.extensions["hublink_publications"] = see_publications()
    page_check.open("/", "landing")
    links = page_check.driver.find_elements(By.CSS_SELECTOR, ".project-list a")
    assert [link.text for link in links] == ["Summer Engagement 2026"]
    links[0].click()
    page_check.wait_for("body[data-dashboard-ready]")
    assert page_check.driver.current_url.endswith("/projects/see-2026/")


def test_dashboard_shows_headlines_charts_and_suppressed_cells(dashboard):
    driver = dashboard.driver
    headlines = driver.find_element(By.CSS_SELECTOR, ".headlines").text
    assert "4,210 young people took part in at least one program." in headlines
    assert "612 of them took part in more than one program." in headlines
    charts = driver.find_elements(By.CSS_SELECTOR, ".chart")
    assert len(charts) == 6
    for chart in charts:
        assert chart.find_elements(By.CSS_SELECTOR, "svg.main-svg"), chart.get_attribute("id")
        assert chart.get_attribute("role") == "img" and chart.get_attribute("aria-label")
    rows = _visible_rows(driver, "youth_by_zip")
    assert ["21201", "412", "23.1% (412 of 1,783)"] in rows
    assert ["21202", "fewer than 11", "not shown"] in rows
    assert ["21205", "not shown", "not shown"] in rows
    assert "21202: fewer than 11" in driver.find_element(By.ID, "chart-youth_by_zip").get_attribute("aria-label")
    about = driver.find_element(By.CSS_SELECTOR, ".about").text
    assert "between 1 and 10 young people" in about


def test_map_draws_every_area(dashboard):
    driver = dashboard.driver
    features = json.loads(BOUNDARIES.read_text())["features"]
    areas = driver.find_elements(By.CSS_SELECTOR, "svg.map path.area")
    assert sorted(a.get_attribute("data-key") for a in areas) == sorted(
        f["properties"]["zip"] for f in features)
    fills = {a.get_attribute("data-key"): a.get_attribute("fill") for a in areas}
    assert fills["21217"] == "#08519c"            # the largest count: the darkest class
    assert fills["21202"] == "url(#hatch)"        # suppressed: hatched, never coloured
    for area in areas:
        assert area.size["width"] > 5 and area.size["height"] > 5


def test_filters_change_charts_tables_and_map_together(dashboard):
    driver = dashboard.driver
    Select(driver.find_element(By.ID, "filter-program")).select_by_visible_text("Rec Camps")
    WebDriverWait(driver, 10).until(
        lambda d: all(bar.startswith(("21", "All")) and bar.endswith("|Young people")
                      for bar in _bars(d, "youth_by_program_zip")))
    assert [row[0] for row in _visible_rows(driver, "youth_by_program")] == ["Rec Camps"]
    assert {row[0] for row in _visible_rows(driver, "youth_by_program_zip")} == {"Rec Camps"}
    assert _bars(driver, "youth_by_program") == ["All|Young people"]
    note = driver.find_element(By.CSS_SELECTOR, '[data-filter-note="youth_by_zip"]')
    assert note.is_displayed() and "not broken down by your choice of Program" in note.text
    # The map now shows Rec Camps' own figures (550 of 2,100 -> 611 // 3 = 203 in 21217).
    title = driver.find_element(By.CSS_SELECTOR, 'path.area[data-key="21217"] title')
    assert title.get_attribute("textContent").endswith(": 203")
    Select(driver.find_element(By.ID, "filter-zip")).select_by_value("21217")
    WebDriverWait(driver, 10).until(lambda d: len(_visible_rows(d, "youth_by_zip")) == 1)
    assert _visible_rows(driver, "youth_by_program_zip") == [["Rec Camps", "21217", "203"]]
    selected = driver.find_elements(By.CSS_SELECTOR, "path.area.selected")
    assert [area.get_attribute("data-key") for area in selected] == ["21217"]
    dashboard.check("dashboard-filtered")
    driver.find_element(By.CSS_SELECTOR, "#filters button[type=reset]").click()
    WebDriverWait(driver, 10).until(lambda d: len(_visible_rows(d, "youth_by_zip")) == 6)


def test_report_prints_the_same_figures(page_check, live_coordinator):
    live_coordinator.app.extensions["hublink_publications"] = see_publications()
    page_check.open("/projects/see-2026/report", "report")
    text = page_check.driver.find_element(By.TAG_NAME, "main").text
    assert "4,210 young people took part in at least one program." in text
    assert "fewer than 11" in text and "Published 2 December 2026 from match run 7." in text
    assert not page_check.driver.find_elements(By.TAG_NAME, "script")
