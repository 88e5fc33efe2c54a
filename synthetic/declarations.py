"""The attribute declarations of a hub whose partners send the synthetic files: every value
the generator's partners write in their attribute columns is declared (``attributes.toml``)."""

from __future__ import annotations

import json

from hublink.synthetic.names import AIAN, ASIAN, BLACK, HISPANIC, MENA, MULTIRACIAL, NHPI, WHITE
from hublink.synthetic.partner_specs import DEFAULT_PARTNERS, real_world_partners
from hublink.synthetic.places import ZIP_AREAS

__all__ = ["synthetic_declarations"]


def _category(name: str, values: set[str]) -> str:
    listed = json.dumps(sorted(value for value in values if value), ensure_ascii=False)
    return f'[attributes.{name}]\ntype = "category"\nvalues = {listed}\n'


def synthetic_declarations() -> str:
    """Returns the text of an attributes.toml declaring the synthetic partners' attributes:
    race_ethnicity, program, neighbourhood and (for real-world files' enrollments) site as
    categories, start as a month, age_band as age bands."""
    races = {AIAN, ASIAN, BLACK, HISPANIC, MENA, MULTIRACIAL, NHPI, WHITE}
    programs: set[str] = set()
    for spec in DEFAULT_PARTNERS:
        races |= set(spec.race_labels.values()) | {spec.unknown_race_label}
        programs |= set(spec.programs)
    neighbourhoods = {name for area in ZIP_AREAS for name in area.neighbourhoods}
    return "\n".join([
        "# Declarations for the synthetic partners (demo, tests, benchmarks).",
        _category("race_ethnicity", races), _category("program", programs),
        _category("neighbourhood", neighbourhoods),
        _category("site", {site for spec in real_world_partners() for site in spec.sites}),
        '[attributes.start]\ntype = "month"\n',
        '[attributes.age_band]\ntype = "age_band"\n'])
