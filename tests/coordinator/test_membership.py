"""Outputs and status answers do not let a partner test membership; legacy plain values are
refused; the export lists only current attributes."""

import csv

import pytest
from sqlalchemy import select

from hublink.coordinator.jobs.match_run import run_match
from hublink.coordinator.matching import assign_link_ids
from hublink.coordinator.outputs.export import export_linked_dataset
from hublink.coordinator.outputs.link_ids import assign_partner_link_ids
from hublink.coordinator.registry import add_partner
from hublink.coordinator.storage.models import RecordAttributes
from hublink.coordinator.storage.rekey import rotate_data_key
from hublink.coordinator.storage.sealing import SealingError
from tests.project_files import approved_project
from tests.helpers import make_chunk, make_start

A1, A2, B1, B2 = (1, "a1"), (1, "a2"), (2, "b1"), (2, "b2")


def run(groups, previous_hub, previous_partner):
    hub = assign_link_ids(groups, previous_hub)
    return hub, assign_partner_link_ids(hub, previous_partner)


def test_a_partner_id_does_not_change_when_another_partners_records_join():
    hub1, partner1 = run([[A1], [B1, B2]], {}, {})
    hub2, partner2 = run([[A1, B1, B2]], hub1, partner1)  # A1's youth is known to partner 2
    assert hub2[A1] != hub1[A1]  # the hub-wide entity kept partner 2's ID...
    assert partner2[A1] == partner1[A1]  # ...but partner 1 sees nothing change
    hub3, partner3 = run([[A1], [B1, B2]], hub2, partner2)  # and when they part again
    assert partner3[A1] == partner1[A1]


def test_a_partner_id_changes_only_through_the_partners_own_records():
    hub1, partner1 = run([[A1], [A2], [B1]], {}, {})
    hub2, partner2 = run([[A1, A2, B1]], hub1, partner1)  # its own two records merge
    assert partner2[A1] == partner2[A2]
    assert partner2[A1] in (partner1[A1], partner1[A2])
    assert partner2[B1] == partner1[B1]
    assert len({partner2[A1], partner2[B1]}) == 2  # partners never share an ID


def sync(client, auth, records, names=("program",), seed=0):
    start = make_start(attribute_names=names)
    client.post("/api/v1/syncs", json=start.to_wire(), headers=auth)
    chunk = make_chunk(records, seed=seed)
    chunk.attributes = {name: ["camp"] * records for name in names}
    assert client.put(f"/api/v1/syncs/{start.sync_id}/chunks/0", json=chunk.to_wire(),
                      headers=auth).status_code == 200
    response = client.post(f"/api/v1/syncs/{start.sync_id}/commit", headers=auth,
                           json={"format": "hublink.sync/1", "chunk_count": 1,
                                 "record_count": records})
    assert response.status_code == 200, response.get_json()
    return response


def test_partner_status_holds_only_the_partners_own_figures(client, auth, home):
    _, other = add_partner(home.database, "rec-centers")
    sync(client, auth, 3)
    sync(client, {"Authorization": f"Bearer {other}"}, 5, seed=1)
    run_match(home)
    status = client.get("/api/v1/status", headers=auth).get_json()
    assert status["last_match"]["your_records_linked"] == 3
    text = str(status)
    assert "entities" not in text and "'records': 8" not in text


def test_the_export_header_lists_only_current_attributes(client, auth, home, tmp_path):
    from hublink.coordinator.attribute_declarations import write_declarations
    from tests.helpers import TEST_DECLARATIONS
    write_declarations(home.path, TEST_DECLARATIONS + '\n[attributes.club]\ntype = "category"\n'
                       'values = ["camp"]\n', replace=True)
    sync(client, auth, 3, names=("program", "club"))
    sync(client, auth, 3, names=("program",), seed=1)
    run_match(home)
    approved_project(home, tmp_path, "current", ["school-district"], ["program"])
    export_linked_dataset(home, tmp_path / "export.csv", "current")
    with open(tmp_path / "export.csv", newline="") as handle:
        assert next(csv.reader(handle)) == ["link_id", "partner", "program"]
        assert all(len(row) == 3 for row in csv.reader(handle))


def test_unsealed_legacy_values_are_refused_until_the_migration_seals_them(client, auth, home,
                                                                           tmp_path):
    sync(client, auth, 2)
    run_match(home)
    with home.database.session() as session:
        for row in session.scalars(select(RecordAttributes)):
            row.attributes = {"program": "camp"}  # as written before encryption at rest
    approved_project(home, tmp_path, "legacy", ["school-district"], ["program"])
    with pytest.raises(SealingError, match="rotate-data-key"):
        export_linked_dataset(home, tmp_path / "export.csv", "legacy")
    assert rotate_data_key(home)["attributes"] == 2
    assert export_linked_dataset(home, tmp_path / "export.csv", "legacy") == 2
