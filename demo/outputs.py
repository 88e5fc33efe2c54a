"""The demo's data-sharing project: its file, approval, publication, and the published figures
beside the generator's truth.

The product's figures come only from the published tables served by the coordinator's API;
the truth is computed here from the partner files and truth.csv, with the same definitions
(a youth takes part through a record at any partner, except a school-roster record without a
summer program).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import requests

from hublink.synthetic.dataset import SyntheticDataset
from hublink.synthetic.places import ZIP_AREAS

__all__ = ["POPULATION_SOURCE", "BOUNDARIES", "write_demo_project", "write_crosswalk",
           "true_participation", "report_lines"]

POPULATION_SOURCE = "city_schools"
# The synthetic city's ZIP areas as map shapes (simplified squares, keyed by "zip").
BOUNDARIES = Path(__file__).resolve().parent / "zip-boundaries.geojson"
_TABLES = """
[[tables]]
name = "youth"
kind = "total"
title = "Young people in summer programs"
[[tables]]
name = "programs_per_youth"
kind = "program_count"
title = "Young people by number of programs"
[[tables]]
name = "overlap"
kind = "overlap"
title = "Young people served by both partners"
[[tables]]
name = "youth_by_partner"
kind = "by_partner"
[[tables]]
name = "youth_by_race"
kind = "by_group"
dimensions = ["race_ethnicity"]
rate = true
[[tables]]
name = "youth_by_area"
kind = "by_group"
title = "Young people by ZIP code"
dimensions = ["area"]
[[tables]]
name = "missing_by_race"
kind = "missing_by_group"
dimensions = ["race_ethnicity"]
"""


def write_crosswalk(path: Path) -> Path:
    """Writes the crosswalk from the synthetic city's neighbourhoods to their ZIP codes (the
    place the partners send is a neighbourhood; the map's areas are ZIP codes). A neighbourhood
    that straddles two ZIP codes goes to the first one listed, as a crosswalk must pick one."""
    zip_of: dict[str, str] = {}
    for area in ZIP_AREAS:
        for name in area.neighbourhoods:
            zip_of.setdefault(name, area.zip)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["neighbourhood", "zip"])
        writer.writerows(sorted(zip_of.items()))
    return path


def write_demo_project(folder: Path, partners: list[str]) -> Path:
    """Writes the demo project file (public, k = 11, schools as the population, published by
    place: neighbourhoods mapped to ZIP codes, drawn on the ZIP map); returns it."""
    expires = date.today() + timedelta(days=365)
    crosswalk = write_crosswalk(folder / "neighbourhood-zip.csv")
    path = folder / "see-demo.toml"
    path.write_text(f'''name = "see-demo"
title = "Summer Engagement Ecosystem (demo)"
purpose = "Unduplicated counts of youth in summer programs and who is missing"
partners = {partners!r}
attributes = ["race_ethnicity", "program", "neighbourhood"]
population_source = "{POPULATION_SOURCE}"
public = true
k = 11
approvers = ["Community Oversight Board"]
[retention]
expires = {expires.isoformat()}
[place]
attribute = "neighbourhood"
crosswalk = "{crosswalk.name}"
boundaries = "{BOUNDARIES}"
boundary_key = "zip"
'''.replace("'", '"') + _TABLES)
    return path


def true_participation(dataset: SyntheticDataset) -> dict[str, dict[str, set[str]]]:
    """Returns, per true person, the program labels per partner they take part in."""
    people: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for partner in dataset.partners:
        column = partner.attributes.get("program")
        with open(partner.path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                program = (row.get(column) or "").strip() if column else ""
                if partner.name == POPULATION_SOURCE and not program:
                    continue
                person = dataset.person_of(partner.name, row[partner.record_key])
                people[person][partner.name].add(program or partner.name)
    return people


def _value(cell: dict) -> str:
    return str(cell["value"]) if cell.get("value") is not None else f"hidden ({cell['suppressed']})"


def report_lines(url: str, dataset: SyntheticDataset) -> list[str]:
    """Returns the demo's closing report: published figures (from the API) beside the truth."""
    def table(name: str) -> dict:
        response = requests.get(f"{url}/api/v1/projects/see-demo/tables/{name}", timeout=30)
        response.raise_for_status()
        return response.json()

    truth = true_participation(dataset)
    programs = {person: sum(len(labels) for labels in partners.values())
                for person, partners in truth.items()}
    youth = table("youth")["total"]["youth"]
    count = {row["programs"]: row["youth"] for row in table("programs_per_youth")["rows"]}
    multi = [count["2"], count["3+"]]
    shown = sum(cell["value"] for cell in multi if cell.get("value") is not None)
    lines = [f"unduplicated youth in programs: published {_value(youth)}, true {len(truth)}",
             f"youth in 2 or more programs: published {shown}"
             + (" (+ hidden cells)" if any(cell.get("suppressed") for cell in multi) else "")
             + f", true {sum(1 for n in programs.values() if n >= 2)}",
             "partner overlap (youth served by both):",
             f"  {'partners':<48} {'published':>18} {'true':>6}"]
    for row in table("overlap")["rows"]:
        first, second = row["partner_a"], row["partner_b"]
        if first == second:
            continue
        true = sum(1 for partners in truth.values() if first in partners and second in partners)
        lines.append(f"  {first + ' & ' + second:<48} {_value(row['youth']):>18} {true:>6}")
    return lines

