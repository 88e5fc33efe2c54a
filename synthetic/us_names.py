"""US name frequencies from the lists clkhash ships: given names by sex and birth year (Social
Security top 1,000 per year, 1890-2015) and surnames (US Census counts of 6,745 names).

They give a synthetic population the collisions a real city has: Smith and Johnson at their true
frequencies, many Jaydens born in 2010. Loaded once, lazily; requires clkhash (the agent extra).
"""

from __future__ import annotations

import csv
import functools
import io
import random
from collections import defaultdict
from importlib import resources

from hublink.synthetic.names import WeightedNames

__all__ = ["us_given_names", "us_surnames", "draw_us_given_name", "LATEST_NAME_YEAR"]

LATEST_NAME_YEAR = 2015
"""The newest year in clkhash's list; younger children draw from it."""


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("clkhash").joinpath("data", name).read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    header = [column.strip() for column in next(reader)]
    return [dict(zip(header, row)) for row in reader if row]


def _weighted(counts: dict[str, int]) -> WeightedNames:
    names = tuple(sorted(counts, key=lambda name: (-counts[name], name)))
    total, cumulative = 0.0, []
    for name in names:
        total += counts[name]
        cumulative.append(total)
    return WeightedNames(names, tuple(cumulative))


@functools.cache
def us_given_names() -> dict[tuple[str, int], WeightedNames]:
    """Returns (sex "F"/"M", year) -> given names weighted by the number of babies so named."""
    counts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for row in _read("first-name-counts-by-year.csv"):
        key = ("F" if row["Sex"] == "FEMALE" else "M", int(row["Year"]))
        counts[key][row["Name"]] = counts[key].get(row["Name"], 0) + int(row["Count"])
    return {key: _weighted(names) for key, names in counts.items()}


@functools.cache
def us_surnames() -> WeightedNames:
    """Returns US surnames weighted by the number of people bearing them."""
    rows = _read("last-names.csv")
    return _weighted({_capitalised(row["Name"]): int(row["Count"]) for row in rows})


def _capitalised(surname: str) -> str:
    """The list spells Mccown; families write McCown."""
    return "Mc" + surname[2:].capitalize() if surname.startswith("Mc") and len(surname) > 3 else surname


def draw_us_given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    """Given a generator, a sex and a birth year, returns a name as common as it was that year."""
    return us_given_names()[(sex, min(birth_year, LATEST_NAME_YEAR))].draw(rng)
