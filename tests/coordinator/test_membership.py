"""Outputs and status answers do not let a partner test membership; legacy plain values are
refused; the export lists only current attributes."""

import csv

import pytest
from sqlalchemy import select

from hublink.coordinator.jobs.match_run import run_match
from hublink.coordinator.matching import MatchSettings, PartnerClks, match_partners
from hublink.coordinator.outputs.export import export_linked_dataset
from hublink.coordinator.outputs.link_ids import assign_partner_link_ids, partner_parts
from hublink.coordinator.registry import add_partner
from hublink.coordinator.storage.models import RecordAttributes
from hublink.coordinator.storage.rekey import rotate_data_key
from hublink.coordinator.storage.sealing import SealingError
from tests.crafted_clks import chain, dice, random_clks
from tests.project_files import approved_project
from tests.helpers import make_chunk, make_start

CLK_BYTES = 128
BRIDGE = chain(4, CLK_BYTES, seed=3)  # A1 ~ B1 ~ B2 ~ A2: one youth, two records at each partner
TWINS = chain(2, CLK_BYTES, seed=4, step=0.05)  # two records of one youth at partner 1 alone


def partner(partner_id: int, clks: list[bytes]) -> tuple[PartnerClks, list[str]]:
    return (PartnerClks(partner_id=partner_id, clks=b"".join(clks), clk_bytes=CLK_BYTES),
            [f"{partner_id}-{index:03d}" for index in range(len(clks))])


def ids_of(parts, previous=None):
    return assign_partner_link_ids(parts, previous or {})


A_CLKS = [BRIDGE[0], BRIDGE[3], *TWINS, *random_clks(30, CLK_BYTES, seed=5)]
A, A_NAMES = partner(1, A_CLKS)


def test_a_partners_parts_hold_its_own_evidence_only():
    assert dice(BRIDGE[0], BRIDGE[3]) < 0.8 < min(dice(BRIDGE[0], BRIDGE[1]), dice(BRIDGE[2], BRIDGE[3]))
    b, _ = partner(2, [BRIDGE[1], BRIDGE[2], *random_clks(30, CLK_BYTES, seed=6)])
    hub = match_partners([A, b]).groups
    assert any({(0, 0), (0, 1)} <= set(group) for group in hub)  # the hub joins A1 and A2 through B
    parts = {frozenset(part) for part in partner_parts(A, A_NAMES, MatchSettings())[0]}
    assert frozenset({(1, "1-000")}) in parts and frozenset({(1, "1-001")}) in parts
    assert frozenset({(1, "1-002"), (1, "1-003")}) in parts  # its own duplicates still merge
    assert sum(len(part) for part in parts) == len(A_NAMES)


def test_a_partners_ids_do_not_depend_on_other_partners_records():
    first = ids_of(partner_parts(A, A_NAMES, MatchSettings())[0])
    for b_clks in ([], [BRIDGE[1], BRIDGE[2]], [BRIDGE[1]] * 3 + random_clks(60, CLK_BYTES, seed=7)):
        b, b_names = partner(2, b_clks)
        previous = {**first, **{(2, name): f"b-{name}" for name in b_names}}
        parts = partner_parts(A, A_NAMES, MatchSettings())[0]
        if b_clks:
            parts += partner_parts(b, b_names, MatchSettings())[0]
        again = ids_of(parts, previous)
        assert {key: again[key] for key in first} == first
        assert set(again[(2, name)] for name in b_names).isdisjoint(first.values())


def test_a_partner_id_changes_only_through_the_partners_own_records():
    first = ids_of(partner_parts(A, A_NAMES, MatchSettings())[0])
    a1_again = chain(2, CLK_BYTES, seed=8, step=0.05)
    clks = [a1_again[0], *A_CLKS[1:3], random_clks(1, CLK_BYTES, seed=9)[0], *A_CLKS[4:], a1_again[1]]
    changed, names = partner(1, clks)  # record 0 gains a duplicate (1-034); 1-003 leaves its twin
    second = ids_of(partner_parts(changed, names, MatchSettings())[0], first)
    assert second[(1, "1-000")] == second[(1, "1-034")] == first[(1, "1-000")]
    assert second[(1, "1-002")] == first[(1, "1-002")] != second[(1, "1-003")]
    unchanged = [key for key in first if key[1] not in ("1-000", "1-003")]
    assert {key: second[key] for key in unchanged} == {key: first[key] for key in unchanged}


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
