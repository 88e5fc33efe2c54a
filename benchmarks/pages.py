"""Dashboard speed and weight: a city-sized project's dashboard served on loopback and loaded
in headless Chromium until its charts, tables and map are drawn.

The published tables have the published-table contract's shape and a 250k-record city's
sizes (24 ZIP areas, 80 partners, 40 programs, 4 periods, programs by ZIP, a partner overlap
matrix), with counts summing to the given number of young people; about one cell in six is
suppressed. Prints the server's time for the page, the browser's time (cold and warm cache) to the first
screen ready (headlines, tables, map, live filters), to the charts on screen drawn and to
every chart drawn, and the bytes transferred.

    python benchmarks/pages.py --records 250000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from hublink.coordinator.app import create_app, home_of
from hublink.coordinator.registry import init_project
from hublink.synthetic.places import ZIP_AREAS

BOUNDARIES = Path(__file__).resolve().parents[1] / "demo" / "zip-boundaries.geojson"
TARGET_SECONDS = 2.0


@dataclass
class Project:
    name: str = "city-2026"
    title: str = "City summer engagement"
    purpose: str = "How many young people took part in summer programs, and where."
    public: bool = True
    k: int = 11
    status: str = "approved"
    expires: str = "2027-08-31"
    partners: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=lambda: ["zip"])
    boundaries_path: Path = BOUNDARIES


def _cell(rng: random.Random, value: int) -> dict[str, Any]:
    if value < 11:
        return {"value": None, "suppressed": "primary"}
    if rng.random() < 0.08:
        return {"value": None, "suppressed": "complementary"}
    return {"value": value}


def city_tables(youth: int, seed: int = 1) -> list[dict[str, Any]]:
    """Returns published tables sized like a city project of ``youth`` young people."""
    rng = random.Random(seed)
    zips = [area.zip for area in ZIP_AREAS]
    programs = [f"Program {number:02d}" for number in range(1, 41)]
    partners = [f"Partner {number:02d}" for number in range(1, 81)]
    periods = ["June", "July", "August", "September"]

    def table(name, kind, dimensions, rows, measures=("youth",)):
        return {"project": "city-2026", "table": name, "kind": kind, "title": name.replace("_", " ").capitalize(),
                "description": "", "run_id": 1, "published_at": "2026-12-02T12:00:00+00:00",
                "k": 11, "dimensions": dimensions, "measures": list(measures), "rows": rows,
                "total": {"youth": {"value": youth}}, "notes": []}

    def split(total, keys):
        weights = [rng.random() ** 2 for _ in keys]
        return {key: int(total * w / sum(weights)) for key, w in zip(keys, weights)}

    by_zip = split(youth, zips)
    tables = [table("youth_total", "total", [], [{"youth": {"value": youth},
                                                   "participations": {"value": int(youth * 1.6)}}],
                    ("youth", "participations")),
              table("youth_by_zip", "by_group", ["zip"],
                    [{"zip": z, "youth": _cell(rng, v),
                      "rate": {"value": round(v / (v * 3 + 100), 3), "numerator": v,
                               "denominator": v * 3 + 100}} for z, v in by_zip.items()],
                    ("youth", "rate")),
              table("youth_by_partner", "by_partner", ["partner"],
                    [{"partner": p, "youth": _cell(rng, v)} for p, v in split(youth * 1.3, partners).items()]),
              table("youth_by_period", "by_period", ["period"],
                    [{"period": p, "youth": _cell(rng, v)} for p, v in split(youth * 1.2, periods).items()]),
              table("youth_by_program", "by_program", ["program"],
                    [{"program": p, "youth": _cell(rng, v)} for p, v in split(youth * 1.5, programs).items()]),
              table("youth_by_program_zip", "by_program", ["program", "zip"],
                    [{"program": p, "zip": z, "youth": _cell(rng, int(v * by_zip[z] / youth))}
                     for p, v in split(youth * 1.5, programs).items() for z in zips]),
              table("program_count", "program_count", ["programs"],
                    [{"programs": "1", "youth": {"value": int(youth * .7)}},
                     {"programs": "2", "youth": {"value": int(youth * .22)}},
                     {"programs": "3+", "youth": {"value": int(youth * .08)}}]),
              table("partner_overlap", "overlap", ["partner_a", "partner_b"],
                    [{"partner_a": a, "partner_b": b, "youth": _cell(rng, rng.randint(0, 400))}
                     for a in partners[:20] for b in partners[:20] if a != b])]
    return tables


class CityPublications:
    def __init__(self, youth: int) -> None:
        self.project_info = Project(partners=[f"Partner {n:02d}" for n in range(1, 81)])
        self._tables = city_tables(youth)

    def projects(self):
        return [self.project_info]

    def project(self, name):
        return self.project_info

    def tables(self, name):
        return self._tables

    def boundary_key(self, name):
        return "zip"


def _browser(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--window-size=1280,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def _load(driver, url: str) -> dict[str, float]:
    """Loads the dashboard and returns the seconds from navigation to its first screen being
    ready (headlines, tables, map drawn; filters live), to the charts on screen drawn (the chart
    library loaded) and to every chart drawn, and the bytes transferred."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 120).until(lambda d: d.execute_script(
        "return document.body.dataset.chartsDrawn === 'true'"))
    ready, charts, drawn, moved = driver.execute_script(
        "const mark = name => performance.getEntriesByName(name)[0].startTime;"
        "const n = performance.getEntriesByType('navigation')[0];"
        "const moved = performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0);"
        "return [mark('dashboard-ready') - n.startTime, mark('dashboard-charts-on-screen') - n.startTime,"
        "        mark('dashboard-charts-drawn') - n.startTime, n.transferSize + moved];")
    return {"ready": ready / 1000, "charts": charts / 1000, "drawn": drawn / 1000,
            "bytes": int(moved)}


def run_pages(youth: int, repeats: int = 5, cold_repeats: int = 3) -> dict[str, float]:
    """Serves the dashboard of a ``youth``-sized project and returns its timings: medians of
    ``cold_repeats`` loads in fresh browser profiles and of ``repeats`` warm loads."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"HOME": str(Path(folder) / "home"), "RATE_LIMIT_PER_MINUTE": 0})
        init_project(home_of(app).database)
        app.extensions["hublink_publications"] = CityPublications(youth)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/projects/city-2026/"
        client = app.test_client()
        server_times = []
        for _ in range(repeats):
            started = time.perf_counter()
            page = client.get("/projects/city-2026/")
            server_times.append(time.perf_counter() - started)
        colds, warms = [], []
        for attempt in range(cold_repeats):
            # A fresh profile each time: nothing cached, no compiled script kept.
            driver = _browser(str(Path(folder) / f"profile-{attempt}"))
            try:
                colds.append(_load(driver, url))
                if attempt == 0:
                    warms = [_load(driver, url) for _ in range(repeats)]
            finally:
                driver.quit()
        server.shutdown()
        home_of(app).database.dispose()

    def median(loads: list[dict[str, float]], key: str) -> float:
        return statistics.median(load[key] for load in loads)

    return {"youth": youth, "html_bytes": len(page.data),
            "server_first_seconds": server_times[0],
            "server_seconds": statistics.median(server_times[1:] or server_times),
            "cold_seconds": median(colds, "ready"), "cold_charts_seconds": median(colds, "charts"),
            "cold_drawn_seconds": median(colds, "drawn"), "cold_bytes": median(colds, "bytes"),
            "warm_seconds": median(warms, "ready"), "warm_charts_seconds": median(warms, "charts"),
            "warm_drawn_seconds": median(warms, "drawn"), "warm_bytes": median(warms, "bytes")}


def report(result: dict[str, float]) -> str:
    lines = [f"dashboard of a {result['youth']:,}-youth project (8 tables, 24-area map)",
             f"  server: first request (renders) {result['server_first_seconds'] * 1000:.1f} ms, "
             f"later requests (cached) {result['server_seconds'] * 1000:.1f} ms "
             f"({result['html_bytes'] / 1024:.0f} KiB of HTML)",
             "  browser (seconds from navigation)  first screen  charts on screen  every chart  transferred"]
    for cache in ("cold", "warm"):
        lines.append(f"  {cache + ' cache':<34} {result[cache + '_seconds']:12.2f} "
                     f"{result[cache + '_charts_seconds']:17.2f} {result[cache + '_drawn_seconds']:12.2f} "
                     f"{result[cache + '_bytes'] / 1024:8.0f} KiB")
    for what, key in (("first screen", "cold_seconds"), ("charts on screen", "cold_charts_seconds")):
        lines.append(f"  target: {what} under {TARGET_SECONDS:.0f} s cold: "
                     + ("met" if result[key] < TARGET_SECONDS else "MISSED"))
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=250_000,
                        help="young people in the project (the published counts sum to it)")
    parser.add_argument("--repeats", type=int, default=5, help="warm loads")
    parser.add_argument("--cold-repeats", type=int, default=3,
                        help="cold loads, each in a fresh browser profile")
    arguments = parser.parse_args()
    print(report(run_pages(arguments.records, arguments.repeats, arguments.cold_repeats)))
