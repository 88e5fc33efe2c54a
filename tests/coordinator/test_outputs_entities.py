"""The columnar entities and counts against a plain per-youth reference, on random records:
the array version must give every quantity and conflict count the reference gives."""

from collections import Counter, defaultdict
from datetime import date
from itertools import combinations
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hublink.coordinator.outputs.entities import MULTIPLE, UNKNOWN, ProjectRecord, build_entities
from hublink.coordinator.outputs.tables import compute_aggregates
from hublink.coordinator.projects.definition import parse_definition

PARTNERS = ["s", "a", "b"]
TABLES = [{"name": "youth", "kind": "total"}, {"name": "partners", "kind": "by_partner"},
          {"name": "programs", "kind": "by_program"}, {"name": "periods", "kind": "by_period"},
          {"name": "program_count", "kind": "program_count"}, {"name": "overlap", "kind": "overlap"},
          {"name": "by_zip", "kind": "by_group", "dimensions": ["zip", "race"]},
          {"name": "missing", "kind": "missing_by_group", "dimensions": ["zip"]}]
VALUE = st.sampled_from([None, "", "1", "2", "unknown"])
ENROLLMENT = st.fixed_dictionaries({"program": st.sampled_from([None, "camp", "arts"]),
                                    "start": st.sampled_from([None, "", "2026-06-01", "2026-07"])})
RECORD = st.builds(lambda partner, link, zip_code, race, program, enrollments: ProjectRecord(
    partner, "", f"L{link}", {"zip": zip_code, "race": race, "program": program},
    tuple(enrollments)), st.sampled_from(PARTNERS), st.integers(0, 5), VALUE, VALUE,
    st.sampled_from([None, "", "camp"]), st.lists(ENROLLMENT, max_size=2))


def reference_value(pairs, source):
    """The documented rule, one youth at a time."""
    present = [(partner, value) for partner, value in pairs if value not in (None, "")]
    if len({value for _, value in present}) <= 1:
        return (present[0][1] if present else UNKNOWN), None
    chosen = [value for partner, value in present if partner == source]
    how = "population_source" if chosen else "most_frequent"
    ranked = Counter(chosen or [value for _, value in present]).most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return MULTIPLE, "multiple"
    return ranked[0][0], how


def reference(records):
    youth, quantities, conflicts = defaultdict(list), Counter(), Counter()
    for record in records:
        youth[record.link_id].append(record)
    for members in youth.values():
        values = {}
        for name in ("zip", "race", "program"):
            values[name], how = reference_value([(m.partner, m.attributes[name]) for m in members],
                                                "s")
            conflicts[(name, how)] += how is not None
        labels = defaultdict(set)
        for m in members:
            if m.enrollments:
                for e in m.enrollments:
                    label = f"{m.partner}: {e['program']}" if e["program"] else m.partner
                    labels[label].add((e["start"] or "")[:7] or UNKNOWN)
            elif m.attributes["program"]:
                labels[f"{m.partner}: {m.attributes['program']}"].add(UNKNOWN)
            elif m.partner != "s":
                labels[m.partner].add(UNKNOWN)
        served = sorted({label.split(": ")[0] for label in labels})
        in_population = any(m.partner == "s" for m in members)
        if not labels:
            quantities["missing|total"] += in_population
            quantities[f"missing|zip|{values['zip']}"] += in_population
            continue
        quantities["youth|total"] += 1
        quantities["participations|total"] += len(labels)
        quantities[f"programs|{len(labels) if len(labels) < 3 else '3+'}"] += 1
        quantities[f"youth|zip+race|{values['zip']}|{values['race']}"] += 1
        for label in labels:
            quantities[f"program|{label}"] += 1
        for period in set().union(*labels.values()):
            quantities[f"period|{period}"] += 1
        for partner in served:
            quantities[f"partner|{partner}"] += 1
        for first, second in combinations(served, 2):
            quantities[f"overlap|{first}|{second}"] += 1
    return {name: count for name, count in quantities.items() if count}, conflicts


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(st.lists(RECORD, max_size=14))
def test_columnar_counts_equal_the_per_youth_reference(records):
    definition = parse_definition(
        {"name": "t", "title": "T", "purpose": "P", "partners": PARTNERS,
         "attributes": ["zip", "race", "program"], "population_source": "s", "k": 2,
         "retention": {"expires": date(2099, 1, 1)}, "approvers": ["board"],
         "tables": TABLES}, Path("."))
    entities, conflicts = build_entities(records, ["zip", "race", "program"],
                                         population_source="s", program_attribute="program")
    found = {name: quantity.value for name, quantity in
             compute_aggregates(definition, entities).quantities.items() if quantity.value}
    expected, expected_conflicts = reference(records)
    assert found == expected
    for (name, how), count in expected_conflicts.items():
        if how is not None:
            counter = {"population_source": conflicts.by_population_source,
                       "most_frequent": conflicts.by_most_frequent,
                       "multiple": conflicts.multiple}[how]
            assert counter[name] == count, (name, how)
