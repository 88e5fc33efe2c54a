"""Enrollments at the coordinator: stored sealed with their record, replaced by a delta,
re-sealed by a data-key rotation, and one analyst-export row each."""

from __future__ import annotations

import base64
import csv
import dataclasses
import json

import pytest
from sqlalchemy import select

from hublink.coordinator.home import CoordinatorHome
from hublink.coordinator.jobs.match_run import run_match
from hublink.coordinator.outputs.export import export_linked_dataset
from hublink.coordinator.registry import add_partner
from hublink.coordinator.storage.models import RecordAttributes
from hublink.coordinator.storage.rekey import rotate_data_key
from hublink.coordinator.storage.sealed_records import open_enrollments
from hublink.coordinator.storage.sealing import SealingError
from tests.helpers import make_chunk, make_start, sync
from tests.project_files import approved_project

NAMES = ("site", "start")


def enrollment_start(mode: str = "full", base: str | None = None):
    return dataclasses.replace(make_start(mode, base), enrollment_names=NAMES)


def chunk_with_enrollments(records: int, seed: int = 0, pseudonyms=None):
    chunk = make_chunk(records, seed=seed, pseudonyms=pseudonyms)
    chunk.enrollments = [[{"site": f"Site {number}", "start": "2026-06"}
                          for number in range(index % 3)] for index in range(len(chunk.pseudonyms))]
    return chunk


def stored_enrollments(home: CoordinatorHome) -> dict[str, list[dict]]:
    with home.database.session() as session:
        rows = session.execute(select(RecordAttributes.partner_id, RecordAttributes.pseudonym,
                                      RecordAttributes.enrollments)).all()
    return {pseudonym: open_enrollments(home.sealer, partner, pseudonym, stored)
            for partner, pseudonym, stored in rows}


def test_enrollments_are_stored_sealed_with_their_record(client, home, auth):
    chunk = chunk_with_enrollments(6)
    assert sync(client, auth, [chunk], start=enrollment_start()).status_code == 200
    with home.database.session() as session:
        raw = session.execute(select(RecordAttributes.partner_id, RecordAttributes.pseudonym,
                                     RecordAttributes.enrollments)).all()
    assert "Site 1" not in json.dumps([stored for _, _, stored in raw])
    assert {pseudonym for _, pseudonym, stored in raw if stored is None} == {
        chunk.pseudonyms[index] for index in (0, 3)}
    assert stored_enrollments(home) == dict(zip(chunk.pseudonyms, chunk.enrollments))
    partner_id, _, moved = next(row for row in raw if row.enrollments is not None)
    with pytest.raises(SealingError):
        open_enrollments(home.sealer, partner_id, chunk.pseudonyms[0], moved)


def test_a_delta_replaces_a_records_enrollments(client, home, auth):
    chunk = chunk_with_enrollments(3)
    first = enrollment_start()
    sync(client, auth, [chunk], start=first)
    changed = chunk_with_enrollments(1, pseudonyms=[chunk.pseudonyms[0]])
    changed.enrollments = [[{"site": "Site 9", "start": None}]]
    answer = sync(client, auth, [changed], start=enrollment_start("delta", first.sync_id),
                  record_count=3)
    assert answer.get_json()["changed"] == 1
    assert stored_enrollments(home)[chunk.pseudonyms[0]] == [{"site": "Site 9", "start": None}]


def test_a_delta_with_other_enrollment_names_needs_a_full_sync(client, auth):
    first = enrollment_start()
    sync(client, auth, [chunk_with_enrollments(2)], start=first)
    answer = client.post("/api/v1/syncs", headers=auth,
                         json=make_start("delta", first.sync_id).to_wire())
    assert answer.status_code == 409 and answer.get_json()["error"]["details"] == [
        "attributes_changed"]


def test_rotation_re_seals_enrollments(client, home, auth):
    chunk = chunk_with_enrollments(5)
    sync(client, auth, [chunk], start=enrollment_start())
    rotate_data_key(home)
    fresh = CoordinatorHome(home.path)
    with fresh.database.session() as session:
        sealed = [stored for stored in session.scalars(select(RecordAttributes.enrollments))
                  if stored is not None]
    assert {fresh.sealer.key_of(base64.b64decode(stored["sealed"])) for stored in sealed} == {2}
    assert stored_enrollments(fresh) == dict(zip(chunk.pseudonyms, chunk.enrollments))


def test_export_has_one_row_per_enrollment(client, home, auth, tmp_path):
    chunk = chunk_with_enrollments(6)
    chunk.attributes = {"program": ["=HYPERLINK(1)"] + ["camp"] * 5}
    sync(client, auth, [chunk], start=enrollment_start())
    _, other_token = add_partner(home.database, "summer-jobs")
    sync(client, {"Authorization": f"Bearer {other_token}"}, [make_chunk(2, seed=5)])
    run_match(home)
    approved_project(home, tmp_path, "enrolled", ["school-district", "summer-jobs"],
                     ["program", "site", "start"])
    out = tmp_path / "export.csv"
    rows = export_linked_dataset(home, out, "enrolled")
    with open(out, newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == ["link_id", "partner", "program", "site", "start"]
    # 6 records with 0, 1, 2, 0, 1, 2 enrollments (2 rows without, 6 with) and 2 others
    assert rows == len(table) == 10
    district = [row for row in table if row["partner"] == "school-district"]
    assert sorted(row["site"] for row in district) == ["", ""] + ["Site 0"] * 4 + ["Site 1"] * 2
    assert len({row["link_id"] for row in district}) == 6
    assert {row["start"] for row in district if row["site"]} == {"2026-06"}
    other = [row for row in table if row["partner"] == "summer-jobs"]
    assert len(other) == 2 and {row["site"] for row in other} == {""}
    assert "'=HYPERLINK(1)" in {row["program"] for row in district}
    link_ids = [row["link_id"] for row in table]
    groups = [link_id for index, link_id in enumerate(link_ids)
              if index == 0 or link_ids[index - 1] != link_id]
    assert len(groups) == len(set(link_ids)), "a record's rows stay together"


def test_enrollments_are_the_participations_a_publication_counts(client, home, auth, tmp_path):
    from hublink.coordinator.outputs.publish import publish_project
    chunk = make_chunk(24, seed=2)
    chunk.enrollments = [[{"program": "camp", "start": "2026-06"},
                          {"program": "arts", "start": "2026-07"}]] * 24
    chunk.attributes = {"site": ["Site 1"] * 24}
    sync(client, auth, [chunk], start=dataclasses.replace(
        make_start(attribute_names=("site",)), enrollment_names=("program", "start")))
    run_match(home)
    approved_project(home, tmp_path, "enrolled", ["school-district"], ["program"],
                     tables=("total", "by_program", "by_period", "program_count"))
    tables = {table["table"]: table for table in publish_project(home, "enrolled").tables}
    assert tables["total"]["total"]["participations"] == {"value": 48}
    programs = {row["program"]: row["youth"] for row in tables["by_program"]["rows"]}
    assert programs == {"school-district: arts": {"value": 24},
                        "school-district: camp": {"value": 24}}
    periods = {row["period"]: row["youth"] for row in tables["by_period"]["rows"]}
    assert periods == {"2026-06": {"value": 24}, "2026-07": {"value": 24}}
    counts = {row["programs"]: row["youth"] for row in tables["program_count"]["rows"]}
    assert counts["2"] == {"value": 24}
