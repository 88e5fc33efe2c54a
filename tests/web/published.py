"""Hand-built published tables of exactly the published-table contract's shape, and the
publications interface over them, for the page tests that need no publishing run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hublink.coordinator.errors import NotFound

BOUNDARIES = Path(__file__).resolve().parents[2] / "demo" / "zip-boundaries.geojson"
PUBLISHED_AT = "2026-12-02T12:00:00+00:00"


@dataclass
class ProjectInfo:
    name: str
    title: str
    purpose: str
    public: bool = True
    k: int = 11
    status: str = "approved"
    expires: str = "2027-08-31"
    partners: list[str] = field(default_factory=lambda: ["City Schools", "Summer Jobs"])
    attributes: list[str] = field(default_factory=lambda: ["zip", "race_ethnicity"])
    boundaries_path: Path | None = BOUNDARIES
    boundary_key: str = "zip"


def _count(value: int | None, reason: str | None = None) -> dict[str, Any]:
    return {"value": value} if reason is None else {"value": None, "suppressed": reason}


def _table(name: str, kind: str, title: str, dimensions: list[str], measures: list[str],
           rows: list[dict[str, Any]], total: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"project": "see-2026", "table": name, "kind": kind, "title": title,
            "description": f"{title}, counted once each.", "run_id": 7,
            "published_at": PUBLISHED_AT, "k": 11, "dimensions": dimensions,
            "measures": measures, "rows": rows, "total": total or {},
            "notes": ["Counts from 1 to 10 are shown as 'fewer than 11'."]}


def see_tables() -> list[dict[str, Any]]:
    """Returns a summer-engagement project's tables: total, programs, by ZIP, by program and
    ZIP, program counts and an overlap."""
    zips = {"21201": 412, "21202": None, "21205": None, "21213": 530, "21217": 611, "21224": 388}
    by_zip = []
    for code, youth in zips.items():
        if code == "21202":
            by_zip.append({"zip": code, "youth": _count(None, "primary"),
                           "rate": {"value": None, "suppressed": "primary"}})
        elif code == "21205":
            by_zip.append({"zip": code, "youth": _count(None, "complementary"),
                           "rate": {"value": None, "suppressed": "complementary"}})
        else:
            by_zip.append({"zip": code, "youth": _count(youth),
                           "rate": {"value": round(youth / 1783, 3), "numerator": youth,
                                    "denominator": 1783}})
    programs = {"Summer Jobs": 2100, "Rec Camps": 1650, "Library Reads": 1040}
    program_zip = [{"program": program, "zip": code, "youth": _count(youth // (index + 2))}
                   for index, program in enumerate(programs)
                   for code, youth in zips.items() if youth is not None]
    return [
        _table("youth_total", "total", "Young people who took part", [],
               ["youth", "participations"],
               [{"youth": _count(4210), "participations": _count(5302)}],
               {"youth": _count(4210), "participations": _count(5302)}),
        _table("youth_by_program", "by_program", "Young people by program", ["program"],
               ["youth"], [{"program": p, "youth": _count(v)} for p, v in programs.items()],
               {"youth": _count(4210)}),
        _table("youth_by_zip", "by_group", "Young people by ZIP code", ["zip"],
               ["youth", "rate"], by_zip, {"youth": _count(4210)}),
        _table("youth_by_program_zip", "by_program", "Young people by program and ZIP code",
               ["program", "zip"], ["youth"], program_zip),
        _table("program_count", "program_count", "How many programs each young person joined",
               ["programs"], ["youth"],
               [{"programs": "1", "youth": _count(3598)}, {"programs": "2", "youth": _count(540)},
                {"programs": "3+", "youth": _count(72)}], {"youth": _count(4210)}),
        _table("partner_overlap", "overlap", "Young people served by both partners",
               ["partner_a", "partner_b"], ["youth"],
               [{"partner_a": "City Schools", "partner_b": "Summer Jobs", "youth": _count(1204)},
                {"partner_a": "Summer Jobs", "partner_b": "City Schools", "youth": _count(1204)}]),
    ]


class StaticPublications:
    """The publications interface over fixed projects and tables."""

    def __init__(self, projects: list[ProjectInfo], tables: dict[str, list[dict[str, Any]]]):
        self._projects = {project.name: project for project in projects}
        self._tables = tables

    def projects(self) -> list[ProjectInfo]:
        return list(self._projects.values())

    def project(self, name: str) -> ProjectInfo:
        if name not in self._projects:
            raise NotFound(f"no project named {name!r}")
        return self._projects[name]

    def tables(self, name: str) -> list[dict[str, Any]]:
        return self._tables.get(name, [])

    def boundary_key(self, name: str) -> str:
        return self._projects[name].boundary_key


def see_publications() -> StaticPublications:
    """Returns a public approved project with tables, a private one and a draft one."""
    public = ProjectInfo("see-2026", "Summer Engagement 2026",
                         "How many young people took part in summer programs, and where.")
    private = ProjectInfo("private-2026", "Private evaluation", "Internal.", public=False)
    draft = ProjectInfo("draft-2026", "Draft project", "Not approved yet.", status="draft")
    return StaticPublications([public, private, draft],
                              {"see-2026": see_tables(), "private-2026": see_tables(),
                               "draft-2026": see_tables()})
