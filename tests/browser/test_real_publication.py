"""What the product itself publishes, in headless Chromium: the demo's pipeline (synthetic
partners' agents syncing over HTTP, a real match run, the demo project approved and published
by place) on a coordinator process on loopback. Its dashboard shows exactly the tables the API
serves, every CSV download is the published table, the map draws every area, filters change
charts, tables and map together, and the console shows the run's quality report and review.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from demo.local_hub import LocalHub
from demo.outputs import BOUNDARIES
from demo.pipeline import DEMO_PROJECT, publish_demo
from hublink.synthetic import generate_dataset
from tests.browser.page_check import PageCheck

YOUTH = 2_000
DASHBOARD = f"/projects/{DEMO_PROJECT}/"


@pytest.fixture(scope="module")
def demo_hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-hub")
    dataset = generate_dataset(root / "sources", youth=YOUTH, seed=2026)
    with LocalHub(root / "hub") as hub:
        publish_demo(hub, dataset, say=lambda line: None)
        yield hub


@pytest.fixture(scope="module")
def published(demo_hub) -> dict[str, dict]:
    """The published tables as the API serves them (no token: the project is public)."""
    listing = requests.get(f"{demo_hub.url}/api/v1/projects/{DEMO_PROJECT}/tables", timeout=30)
    listing.raise_for_status()
    names = [table["table"] for table in listing.json()["tables"]]
    return {name: requests.get(f"{demo_hub.url}/api/v1/projects/{DEMO_PROJECT}/tables/{name}",
                               timeout=30).json() for name in names}


@pytest.fixture
def real_page(browser, demo_hub) -> PageCheck:
    browser.delete_all_cookies()
    return PageCheck(browser, demo_hub.url)


@pytest.fixture
def dashboard(real_page) -> PageCheck:
    real_page.open(DASHBOARD, "real-dashboard", wait_for="body[data-charts-drawn=true]")
    return real_page


def _rows(driver, table: str, visible_only: bool = True) -> list[dict]:
    """Each row of a dashboard table: its keys and, per measure, the value and text shown."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('#table-' + arguments[0] + ' tbody tr'))
          .filter(tr => !arguments[1] || !tr.hidden)
          .map(tr => ({keys: JSON.parse(tr.dataset.keys), cells: Object.fromEntries(
            Array.from(tr.querySelectorAll('td[data-measure]')).map(td => [td.dataset.measure,
              {value: td.dataset.value === undefined ? null : Number(td.dataset.value),
               text: td.textContent, suppressed: td.classList.contains('suppressed')}]))}));
    """, table, visible_only)


def test_dashboard_shows_every_published_table_as_served(dashboard, published):
    driver = dashboard.driver
    assert len(published) >= 7 and "youth_by_area" in published
    total = published["youth"]["total"]["youth"]["value"]
    headlines = driver.find_element(By.CSS_SELECTOR, ".headlines").text
    assert f"{total:,} young people" in headlines
    for name, table in published.items():
        shown = _rows(driver, name, visible_only=False)
        assert len(shown) == len(table["rows"]), name
        for row, on_page in zip(table["rows"], shown):
            assert on_page["keys"] == {d: str(row[d]) for d in table["dimensions"]}, name
            for measure in table["measures"]:
                cell, page_cell = row[measure], on_page["cells"][measure]
                assert page_cell["value"] == cell.get("value"), (name, row, measure)
                if cell.get("suppressed") == "primary" and measure != "rate":
                    assert page_cell["text"] == f"fewer than {table['k']}"
                elif cell.get("suppressed"):
                    assert page_cell["text"] == "not shown"
                elif measure == "rate":
                    assert f"({cell['numerator']:,} of {cell['denominator']:,})" in page_cell["text"]
        chart = driver.find_element(By.ID, f"chart-{name}")
        assert chart.find_elements(By.CSS_SELECTOR, "svg.main-svg"), name
        assert chart.get_attribute("role") == "img" and "Chart of" in chart.get_attribute("aria-label")


def test_every_csv_download_matches_the_published_table(dashboard, published):
    driver = dashboard.driver
    links = driver.find_elements(By.CSS_SELECTOR, ".download a[download]")
    assert len(links) == len(published)
    for link in links:
        # Fetched by the page itself, as the browser downloads it.
        text = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0]).then(r => r.text()).then(done, e => done('error: ' + e));",
            link.get_attribute("href"))
        name = link.get_attribute("download").removeprefix(f"{DEMO_PROJECT}-").removesuffix(".csv")
        table = published[name]
        lines = list(csv.DictReader(io.StringIO(text)))
        assert len(lines) == len(table["rows"]) + 1, name
        for row, line in zip([*table["rows"], {"total": True, **table["total"]}], lines):
            for dimension in table["dimensions"]:
                assert line[dimension] == ("total" if "total" in row and dimension not in row
                                           else str(row[dimension])), name
            for measure in table["measures"]:
                cell = row.get(measure, {})
                value = cell.get("value")
                shown = line[measure]
                assert (shown == "" if value is None else float(shown) == float(value)), (name, line)
                assert line[f"{measure}_suppressed"] == (cell.get("suppressed") or ""), (name, line)


def test_map_draws_every_area_with_the_published_figures(dashboard, published):
    driver = dashboard.driver
    features = json.loads(BOUNDARIES.read_text())["features"]
    areas = driver.find_elements(By.CSS_SELECTOR, "svg.map path.area")
    assert sorted(a.get_attribute("data-key") for a in areas) == sorted(
        f["properties"]["zip"] for f in features)
    by_area = {row["area"]: row["youth"] for row in published["youth_by_area"]["rows"]}
    coloured = 0
    for area in areas:
        assert area.size["width"] > 5 and area.size["height"] > 5
        cell = by_area.get(area.get_attribute("data-key"), {})
        title = area.find_element(By.TAG_NAME, "title").get_attribute("textContent")
        if cell.get("value") is not None:
            coloured += 1
            assert area.get_attribute("fill").startswith("#")
            assert title.endswith(f": {cell['value']:,}")
        else:
            assert area.get_attribute("fill") == "url(#hatch)"
    assert coloured >= len(areas) // 2


def test_filters_change_charts_tables_and_map_together(dashboard, published):
    driver = dashboard.driver
    shown = [row for row in published["youth_by_area"]["rows"] if row["youth"].get("value")]
    area = shown[0]["area"]
    Select(driver.find_element(By.ID, "filter-area")).select_by_value(area)
    WebDriverWait(driver, 20).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-charts-drawn") == "true")
    assert [row["keys"]["area"] for row in _rows(driver, "youth_by_area")] == [area]
    bars = driver.execute_script("return document.getElementById('chart-youth_by_area').data"
                                 ".flatMap(trace => trace.y)")
    assert bars == [shown[0]["youth"]["value"]]
    selected = driver.find_elements(By.CSS_SELECTOR, "path.area.selected")
    assert [element.get_attribute("data-key") for element in selected] == [area]
    note = driver.find_element(By.CSS_SELECTOR, '[data-filter-note="youth_by_race"]')
    assert note.is_displayed() and "not broken down by your choice of Area" in note.text
    dashboard.check("real-dashboard-filtered")


def test_report_of_the_real_publication(real_page, published):
    real_page.open(f"/projects/{DEMO_PROJECT}/report", "real-report")
    driver = real_page.driver
    text = driver.find_element(By.TAG_NAME, "main").text
    assert f"{published['youth']['total']['youth']['value']:,} young people" in text
    assert f"from match run {published['youth']['run_id']}" in text
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.map path.area")) == len(
        json.loads(BOUNDARIES.read_text())["features"])
    assert not driver.find_elements(By.TAG_NAME, "script")


def test_console_shows_the_runs_quality_report_and_review(real_page, demo_hub):
    token = demo_hub.coordinator("token", "issue", "--role", "operator").stdout.strip().splitlines()[-1]
    real_page.open("/console/login", "real-console-login")
    driver = real_page.driver
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    real_page.wait_for("#partners")
    real_page.open("/console/quality", "console-quality", wait_for="#quality")
    assert "linked records in" in driver.find_element(By.ID, "quality").text
    assert driver.find_element(By.ID, "quality-warnings").text
    rates = driver.find_elements(By.CSS_SELECTOR, "#rates-partner tbody tr")
    assert len(rates) == len(demo_hub.coordinator("partner", "list").stdout.strip().splitlines()) - 1
    real_page.open("/console/runs", "console-runs-reviewed", wait_for="#runs")
    driver.find_element(By.LINK_TEXT, "Review run 1").click()
    real_page.wait_for("#review")
    real_page.check("console-review")
    stages = driver.find_elements(By.CSS_SELECTOR, ".review-stage")
    assert stages and "threshold" in stages[0].text
    marked = driver.find_elements(By.CSS_SELECTOR, ".histogram tr.threshold")
    assert len(marked) == len(stages)
