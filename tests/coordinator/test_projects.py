"""Data-sharing projects end to end: the project file, approval rules, publication and the
published-table API, the project-bound analyst export, purge and housekeeping."""

from __future__ import annotations

import csv
import json
import io
from datetime import date, timedelta

import pyarrow.parquet as parquet
import pytest
from sqlalchemy import func, select

from benchmarks.publish import project_toml, run_publish, seed_hub
from hublink.coordinator.errors import Conflict, Forbidden
from hublink.coordinator.outputs.export import export_linked_dataset
from hublink.coordinator.outputs.publish import publish_project, published_tables
from hublink.coordinator.projects import (approve_project, close_project, create_project,
                                          get_project, housekeeping, list_projects,
                                          purge_project)
from hublink.coordinator.projects.definition import load_definition
from hublink.coordinator.storage.models import (AuditEvent, Encoding, Link, Publication,
                                                RecordAttributes, SharingProject)
from hublink.coordinator.tokens import issue_token
from hublink.shared.errors import ConfigError
from tests.project_files import approved_project, write_project


def test_every_problem_of_a_project_file_is_reported_at_once(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "Bad Name"\npartners = ["nobody"]\nattributes = ["Race"]\n'
                    'k = 1\nsurprise = 3\npopulation_source = "elsewhere"\n'
                    '[[tables]]\nname = "t"\nkind = "pie"\n')
    with pytest.raises(ConfigError) as caught:
        load_definition(path, known_partners={"schools"})
    details = "\n".join(caught.value.details)
    for expected in ("unknown key `surprise`", "`name` must be a slug", "`title`", "`purpose`",
                     "'nobody' is not registered", "'Race' is not a valid attribute", "`k`",
                     "`population_source`", "`retention.expires`", "`approvers`", "`kind`"):
        assert expected in details
    assert len(caught.value.details) >= 11


def test_relative_files_are_checked_and_copied_into_the_home(home, tmp_path):
    seed_hub(home, 50, 3)
    (tmp_path / "zip-to-area.csv").write_text("zip,area\n21201,Downtown\n")
    (tmp_path / "areas.geojson").write_text('{"type": "FeatureCollection", "features": '
                                            '[{"type": "Feature", "properties": {"id": "Downtown"}}]}')
    path = write_project(tmp_path, "placed", ["schools", "partner-01"], ["zip"], extra=(
        '[place]\nattribute = "zip"\ncrosswalk = "zip-to-area.csv"\n'
        'boundaries = "areas.geojson"\nboundary_key = "id"'))
    info = create_project(home, path)
    assert info.status == "draft" and info.boundaries_path.read_text().startswith('{"type"')
    (tmp_path / "zip-to-area.csv").unlink()
    assert get_project(home, "placed").boundaries_path.exists()


def test_approval_needs_a_named_approver_never_an_operator(home, tmp_path):
    seed_hub(home, 50, 3)
    create_project(home, write_project(tmp_path, "see", ["schools"], ["zip"]))
    _, operator = issue_token(home.database, "operator", label="Oversight Board")
    with pytest.raises(Forbidden, match="operator"):
        approve_project(home, "see", operator)
    _, stranger = issue_token(home.database, "approver", label="Someone else")
    with pytest.raises(Forbidden, match="not among"):
        approve_project(home, "see", stranger)
    with pytest.raises(Forbidden):
        publish_project(home, "see")  # a draft publishes nothing
    _, approver = issue_token(home.database, "approver", label="Oversight Board")
    assert approve_project(home, "see", approver).status == "approved"
    with pytest.raises(Conflict):
        approve_project(home, "see", approver)
    close_project(home, "see")
    with pytest.raises(Forbidden, match="closed"):
        publish_project(home, "see")
    with home.database.session() as session:
        recorded = set(session.scalars(select(AuditEvent.action)))
    assert {"project_create", "project_approve", "project_close"} <= recorded


def test_publication_is_served_as_json_and_csv_by_role(client, home, tmp_path):
    names = seed_hub(home, 400, 4)
    approved_project(home, tmp_path, "open", names, ["zip", "race_ethnicity", "program"],
                     public=True, group_tables={"youth_by_zip": ["zip"]})
    approved_project(home, tmp_path, "closed-door", names[:2], ["zip"])
    create_project(home, write_project(tmp_path, "draft-door", names[:2], ["zip"], public=True))
    publish_project(home, "open")
    publish_project(home, "closed-door")
    listed = client.get("/api/v1/projects").get_json()["projects"]
    assert [project["name"] for project in listed] == ["open"]  # no token: public only
    table = client.get("/api/v1/projects/open/tables/youth_by_zip").get_json()
    assert table["kind"] == "by_group" and table["dimensions"] == ["zip"] and table["k"] == 11
    for row in table["rows"]:
        assert row["youth"].get("suppressed") or row["youth"]["value"] >= 11 \
            or row["youth"]["value"] == 0
    assert table == published_tables(home, "open")[-1]
    text = client.get("/api/v1/projects/open/tables/youth_by_zip?format=csv").get_data(as_text=True)
    assert next(csv.reader(io.StringIO(text))) == ["zip", "youth", "youth_suppressed"]
    _, viewer = issue_token(home.database, "viewer")
    _, analyst = issue_token(home.database, "analyst", project="open")
    assert client.get("/api/v1/projects/closed-door/tables",
                      headers={"Authorization": f"Bearer {viewer}"}).status_code == 200
    # whoever may not read it cannot tell a private project from an absent one
    for headers in ({}, {"Authorization": f"Bearer {analyst}"}):
        answers = [client.get(f"/api/v1/projects/{name}/tables", headers=headers)
                   for name in ("closed-door", "draft-door", "no-such-door")]
        assert [answer.status_code for answer in answers] == [404, 404, 404]
        for name, answer in zip(("closed-door", "draft-door"), answers):
            assert answer.get_json() == json.loads(
                answers[-1].get_data(as_text=True).replace("no-such-door", name))
    for table in published_tables(home, "open"):
        assert "similarity" not in str(table) and "pseudonym" not in str(table)


def test_the_analyst_export_holds_only_the_projects_partners_and_attributes(home, tmp_path):
    names = seed_hub(home, 300, 4)
    approved_project(home, tmp_path, "narrow", names[:2], ["zip"])
    out = tmp_path / "narrow.parquet"
    rows = export_linked_dataset(home, out, "narrow", file_format="parquet")
    table = parquet.read_table(out)
    assert table.column_names == ["link_id", "partner", "zip"] and table.num_rows == rows
    assert set(table.column("partner").to_pylist()) <= set(names[:2])
    with home.database.session() as session:
        hub_ids = set(session.scalars(select(Link.link_id)))
    assert not hub_ids & set(table.column("link_id").to_pylist())  # project-scoped IDs


def test_purge_leaves_nothing_of_the_project_and_keeps_what_others_need(home, tmp_path):
    names = seed_hub(home, 300, 4)
    approved_project(home, tmp_path, "gone", names, ["zip"], group_tables={"z": ["zip"]})
    approved_project(home, tmp_path, "stays", names[:1], ["zip"])
    publish_project(home, "gone")
    spool = home.spool
    with home.database.session() as session:
        from hublink.coordinator.storage.models import Partner, Sync
        partner_id = session.scalars(select(Partner.id).where(Partner.name == names[-1])).one()
        session.add(Sync(id="00000000-0000-4000-8000-000000000001", partner_id=partner_id,
                         mode="full", schema_id="x", fingerprint="0" * 64, clk_bytes=128,
                         attribute_names=[], status="open"))
    spool.write("00000000-0000-4000-8000-000000000001", 0, b"chunk")
    add_encodings(home, partner_id)
    counts = purge_project(home, "gone")
    assert counts["partners"] == 3 and counts["publications"] == 1
    assert not (home.path / "outputs" / "gone").exists()
    assert not (home.path / "projects" / "gone").exists()
    assert not list((home.path / "spool").glob("*/*"))
    with home.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Publication)) == 0
        kept = set(session.scalars(select(RecordAttributes.partner_id).distinct()))
        row = session.scalars(select(SharingProject).where(SharingProject.name == "gone")).one()
        assert row.status == "purged" and set(row.definition) == {"name", "purged_because"}
        assert session.scalar(select(func.count()).select_from(Encoding)
                              .where(Encoding.partner_id == partner_id)) == 0
        destruction = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "project_purge")).one()
    assert len(kept) == 1  # only the roster, which "stays" needs
    assert '"records"' not in destruction.detail and "gone" in destruction.detail
    assert get_project(home, "gone").status == "purged"


def add_encodings(home, partner_id: int) -> None:
    with home.database.session() as session:
        pseudonyms = list(session.scalars(select(Link.pseudonym)
                                          .where(Link.partner_id == partner_id)))
        session.add_all(Encoding(partner_id=partner_id, pseudonym=pseudonym, clk=b"\0" * 128)
                        for pseudonym in pseudonyms)
    assert pseudonyms


def test_encodings_are_deleted_after_each_run_when_the_project_says_so(home, tmp_path):
    from hublink.coordinator.storage.models import Partner, Sync
    names = seed_hub(home, 200, 3)
    approved_project(home, tmp_path, "brief", names, ["zip"],
                     extra="", tables=("total",))
    with home.database.session() as session:
        row = session.scalars(select(SharingProject).where(SharingProject.name == "brief")).one()
        row.definition = {**row.definition, "retention": {**row.definition["retention"],
                                                          "delete_encodings_after_run": True}}
        ids = list(session.scalars(select(Partner.id)))
        session.add(Sync(id="00000000-0000-4000-8000-000000000002", partner_id=ids[0],
                         mode="full", schema_id="x", fingerprint="0" * 64, clk_bytes=128,
                         attribute_names=[], status="committed"))
    for partner_id in ids:
        add_encodings(home, partner_id)
    publish_project(home, "brief")
    with home.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Encoding)) == 0
        assert session.get(Sync, "00000000-0000-4000-8000-000000000002").status == "purged"
        assert session.scalar(select(func.count()).select_from(RecordAttributes)) == 200


def test_housekeeping_purges_expired_projects(home, tmp_path):
    seed_hub(home, 50, 2)
    approved_project(home, tmp_path, "short", ["schools"], ["zip"])
    with home.database.session() as session:
        row = session.scalars(select(SharingProject)).one()
        row.expires = date.today() - timedelta(days=1)
    assert [info.status for info in list_projects(home)] == ["expired"]
    with pytest.raises(Forbidden, match="expired"):
        publish_project(home, "short")
    assert housekeeping(home) == ["short"] and housekeeping(home) == []


def test_the_publish_benchmark_runs_at_a_small_size(tmp_path, monkeypatch):
    monkeypatch.delenv("HUBLINK_DATABASE_URL", raising=False)
    figures = run_publish(tmp_path, records=2_000, partners=6)
    assert figures["tables"] == 9 and figures["narrowest_interval"] >= 11
    assert project_toml(tmp_path, ["schools"]).exists()


def test_the_quality_report_command_prints_counts_only(home, tmp_path):
    from click.testing import CliRunner

    from hublink.coordinator.cli import main
    seed_hub(home, 400, 4)
    result = CliRunner().invoke(main, ["--home", str(home.path), "quality-report"])
    assert result.exit_code == 0, result.output
    assert "race_ethnicity:" in result.output and "partner:" in result.output
    assert "entity sizes" in result.output
    with home.database.session() as session:
        pseudonyms = list(session.scalars(select(Link.pseudonym).limit(20)))
    assert not any(pseudonym in result.output for pseudonym in pseudonyms)
