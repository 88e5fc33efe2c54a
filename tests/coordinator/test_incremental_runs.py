"""Match runs that re-link only what changed: same links as a full run, history of merges and
splits, and the analyst export of that history."""

from __future__ import annotations

import csv
import random
import uuid
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from hublink.coordinator.cli import main
from hublink.coordinator.matching import MatchSettings, PartnerClks
from hublink.coordinator.jobs.match_run import run_match
from hublink.coordinator.jobs.queue import get_run
from hublink.coordinator.storage.models import Encoding, Link, LinkHistory, MatchRun, Partner, Sync, utc_now
from hublink.coordinator.storage.sealed_records import seal_clk

CLK_BYTES = 128


def _commit(home, partner_id: int, upserts: dict[str, bytes], deletes: tuple[str, ...] = ()) -> None:
    """Applies a committed sync of the partner, as the coordinator's commit does."""
    with home.database.session() as session:
        latest = session.scalar(select(Sync.committed_at).order_by(Sync.committed_at.desc()).limit(1))
        session.add(Sync(id=str(uuid.uuid4()), partner_id=partner_id, mode="delta", schema_id="s",
                         fingerprint="f" * 64, clk_bytes=CLK_BYTES, attribute_names=[], status="committed",
                         committed_at=(latest or utc_now()) + timedelta(seconds=1)))
        for pseudonym in (*deletes, *upserts):
            session.execute(delete(Encoding).where(Encoding.partner_id == partner_id,
                                                   Encoding.pseudonym == pseudonym))
        session.add_all(Encoding(partner_id=partner_id, pseudonym=pseudonym,
                                 clk=seal_clk(home.sealer, partner_id, pseudonym, clk))
                        for pseudonym, clk in upserts.items())


def _links(home) -> dict[tuple[int, str], str]:
    with home.database.session() as session:
        return {(partner, pseudonym): link for partner, pseudonym, link in
                session.execute(select(Link.partner_id, Link.pseudonym, Link.link_id))}


def _partner_links(home) -> dict[tuple[int, str], str]:
    with home.database.session() as session:
        return {(partner, pseudonym): link for partner, pseudonym, link in
                session.execute(select(Link.partner_id, Link.pseudonym, Link.partner_link_id))}


def _partition(links: dict) -> set[frozenset]:
    groups: dict[str, set] = {}
    for record, link_id in links.items():
        groups.setdefault(link_id, set()).add(record)
    return {frozenset(group) for group in groups.values()}


@pytest.fixture
def clks(realistic_population) -> list[bytes]:
    _, packed = realistic_population
    return [packed[index:index + CLK_BYTES] for index in range(0, len(packed), CLK_BYTES)]


@pytest.fixture
def hub(home, clks):
    with home.database.session() as session:
        session.add_all(Partner(name=f"partner-{number}") for number in range(3))
    for partner in (1, 2, 3):
        _commit(home, partner, {f"r{index:05d}": clks[index] for index in range(1_500) if index % 3 == partner - 1})
    return home


def test_an_incremental_run_gives_the_links_of_a_full_run(hub, clks):
    first = run_match(hub)
    assert (first.mode, first.changed_records) == ("full", None)
    before = _links(hub)
    _commit(hub, 2, {**{f"r{index:05d}": clks[1_500 + index] for index in range(1, 31, 3)},  # changed
                     **{f"r{index:05d}": clks[index] for index in range(1_531, 1_600)}},     # added
            deletes=tuple(f"r{index:05d}" for index in range(31, 61, 3)))
    second = run_match(hub)
    assert (second.mode, second.changed_records) == ("incremental", 10 + 69 + 10)
    incremental, partner_incremental = _links(hub), _partner_links(hub)
    assert all(partner_incremental.values())
    assert get_run(hub.database, second.run_id).mode == "incremental"
    untouched = {record for record in before if record[0] != 2}
    assert sum(incremental[record] == before[record] for record in untouched) > 0.9 * len(untouched)

    # The incremental run carried the first run's estimated thresholds (jobs.carried_thresholds);
    # a full run equals it when it links with the same ones.
    stages = {stage["stage"]: stage["threshold"] for stage in get_run(hub.database, first.run_id).review["stages"]}
    assert get_run(hub.database, second.run_id).review["carried_from_run"] == first.run_id
    third = run_match(hub, MatchSettings(threshold=stages["across"], within_threshold=stages["within"]), full=True)
    assert third.mode == "full" and third.entity_count == second.entity_count
    assert _links(hub) == incremental  # same entities, so every entity kept its link ID
    assert _partner_links(hub) == partner_incremental
    assert _partition(incremental) == _partition(_links(hub))


def test_a_full_run_makes_parts_only_for_partners_whose_records_changed(hub, clks, monkeypatch):
    from hublink.coordinator.outputs import link_ids
    run_match(hub)
    made: list[int] = []
    partner_parts = link_ids.partner_parts

    def spied(dataset, pseudonyms, settings, carried=None):
        made.append(dataset.partner_id)
        return partner_parts(dataset, pseudonyms, settings, carried)

    monkeypatch.setattr(link_ids, "partner_parts", spied)
    # partner 2 replaces all its records by three times as many: too many changes for an
    # incremental run
    _commit(hub, 2, {f"n{index:05d}": clks[index % len(clks)] for index in range(500, 2_000)},
            deletes=tuple(f"r{index:05d}" for index in range(1, 1_500, 3)))
    changed = run_match(hub)
    assert changed.mode == "full" and made == [2]
    kept = _partner_links(hub)
    made.clear()
    assert run_match(hub, full=True).mode == "full" and sorted(made) == [1, 2, 3]
    assert _partner_links(hub) == kept  # what making every part again gives


def test_a_changed_partners_parts_keep_their_thresholds_until_a_full_run(hub, clks, monkeypatch):
    """A few changed records must not re-estimate a partner's own thresholds past a pair of its
    records they have nothing to do with (the pipeline test's unaffected pair that split)."""
    from hublink.coordinator.outputs import link_ids
    first = run_match(hub)
    made_with = get_run(hub.database, first.run_id).review["partner_thresholds"]
    assert sorted(made_with) == ["1", "2", "3"]
    assert all(0.0 < across <= 1.0 and 0.0 < within <= 1.0 for across, within in made_with.values())
    # what the incremental run carries is what it uses: make partner 2's look strict
    with hub.database.session() as session:
        run = session.get(MatchRun, first.run_id)
        run.review = {**run.review, "partner_thresholds": {**made_with, "2": [0.999, 0.999]}}
    carried: dict[int, object] = {}
    partner_parts = link_ids.partner_parts

    def spied(dataset, pseudonyms, settings, carried_thresholds=None):
        carried[dataset.partner_id] = carried_thresholds
        return partner_parts(dataset, pseudonyms, settings, carried_thresholds)

    monkeypatch.setattr(link_ids, "partner_parts", spied)
    changes = {f"r{index:05d}": clks[1_500 + index] for index in range(1, 31, 3)}
    _commit(hub, 2, changes)
    second = run_match(hub)
    assert second.mode == "incremental" and carried == {2: (0.999, 0.999)}
    assert get_run(hub.database, second.run_id).review["partner_thresholds"] == \
        {**made_with, "2": [0.999, 0.999]}
    records = dict(sorted({**{f"r{index:05d}": clks[index] for index in range(1, 1_500, 3)}, **changes}.items()))
    strict = partner_parts(PartnerClks(partner_id=2, clks=b"".join(records.values()), clk_bytes=CLK_BYTES),
                           list(records), MatchSettings(threshold=0.999, within_threshold=0.999))[0]
    partner_two = {key: link for key, link in _partner_links(hub).items() if key[0] == 2}
    assert _partition(partner_two) == {frozenset(part) for part in strict}

    carried.clear()
    third = run_match(hub, full=True)
    assert carried == {1: None, 2: None, 3: None}  # a full run estimates each partner's afresh
    afresh = partner_parts(PartnerClks(partner_id=2, clks=b"".join(records.values()), clk_bytes=CLK_BYTES),
                           list(records), MatchSettings())[1]
    assert get_run(hub.database, third.run_id).review["partner_thresholds"]["2"] == list(afresh)
    assert list(afresh) != [0.999, 0.999]


def test_a_run_with_nothing_changed_keeps_every_link(hub):
    run_match(hub)
    before = _links(hub)
    summary = run_match(hub)
    assert (summary.mode, summary.changed_records, summary.comparisons) == ("incremental", 0, 0)
    assert _links(hub) == before


def test_different_settings_or_a_lost_state_mean_a_full_run(hub):
    run_match(hub)
    assert run_match(hub, MatchSettings(threshold=0.9)).mode == "full"
    for path in (hub.path / "match-state").iterdir():
        path.write_bytes(b"damaged")
    assert run_match(hub, MatchSettings(threshold=0.9)).mode == "full"
    assert run_match(hub, MatchSettings(threshold=0.9)).mode == "incremental"


def test_splits_and_merges_are_recorded_and_exported(hub, clks, tmp_path):
    run_match(hub)
    links = _links(hub)
    # a record of partner 2 linked to one of partner 1: its CLK becomes nobody's, then returns
    pair = next(((record, other) for record, link_id in links.items() if record[0] == 2
                 for other, other_id in links.items() if other[0] == 1 and other_id == link_id))
    record, other = pair
    original = clks[int(record[1][1:])]
    _commit(hub, 2, {record[1]: random.Random(5).randbytes(CLK_BYTES)})
    assert run_match(hub).mode == "incremental"
    split_id = _links(hub)[record]
    assert split_id != links[record] and _links(hub)[other] == links[other]
    _commit(hub, 2, {record[1]: original})
    assert run_match(hub).mode == "incremental"
    # two parts of one record each merge: the smaller ID string is kept (matching.link_ids)
    kept, absorbed = sorted((links[record], split_id))
    assert _links(hub)[record] == _links(hub)[other] == kept
    with hub.database.session() as session:
        moves = [(row.kind, row.from_link_id, row.to_link_id, row.records)
                 for row in session.scalars(select(LinkHistory).order_by(LinkHistory.id))]
    assert ("split", links[record], split_id, 1) in moves
    assert ("merged", absorbed, kept, 1) in moves

    out = tmp_path / "history.csv"
    result = CliRunner().invoke(main, ["--home", str(hub.path), "link-history", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["match_run", "at", "kind", "from_link_id", "to_link_id", "records"]
    assert {(row["kind"], row["from_link_id"], row["to_link_id"]) for row in rows} >= {
        ("split", links[record], split_id), ("merged", absorbed, kept)}


def test_match_full_on_the_command_line(hub):
    runner = CliRunner()
    assert runner.invoke(main, ["--home", str(hub.path), "match"]).exit_code == 0
    result = runner.invoke(main, ["--home", str(hub.path), "match"])
    assert result.exit_code == 0 and "incremental, 0 records added, changed or deleted" in result.output
    result = runner.invoke(main, ["--home", str(hub.path), "match", "--full"])
    assert result.exit_code == 0 and "(run 3, full)" in result.output


def _state_files(home) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (home.path / "match-state").iterdir()}


def test_a_nightly_run_reseals_only_the_changed_partners_records(hub, clks, monkeypatch):
    first = run_match(hub)
    before = _state_files(hub)
    assert sorted(name.split("-")[0] for name in before) == ["records"] * 3 + ["run"]
    _commit(hub, 2, {"r00001": clks[1_501], "r00004": clks[4]})  # one changed, one the same CLK sealed again
    opened = []
    real_open = hub.sealer.open
    monkeypatch.setattr(hub.sealer, "open", lambda value, context, *rest: opened.append(context) or
                        real_open(value, context, *rest))
    second = run_match(hub)
    assert (second.mode, second.changed_records) == ("incremental", 1)
    # of partner 2's 500 records only the two whose stored bytes changed were unsealed
    assert sorted(context for context in opened if context.startswith(b"encodings:")) == \
        [b"encodings:2:r00001", b"encodings:2:r00004"]
    after = _state_files(hub)
    assert f"run-{first.run_id}.sealed" not in after and f"run-{second.run_id}.sealed" in after
    kept = {name for name in before if name.startswith("records-")} & set(after)
    assert {name.split("-")[1] for name in kept} == {"1", "3"}  # the same files, not written again
    assert all(after[name] == before[name] for name in kept)
    assert len([name for name in after if name.startswith("records-2-")]) == 1
    assert all(b"r00001" not in content and clks[1_501] not in content for content in after.values())


def test_a_missing_records_file_means_a_full_run(hub, clks):
    run_match(hub)
    next(path for path in (hub.path / "match-state").iterdir() if path.name.startswith("records-3-")).unlink()
    _commit(hub, 2, {"r00001": clks[1_501]})
    assert run_match(hub).mode == "full"
    assert run_match(hub).mode == "incremental"


def test_a_purge_deletes_the_partners_records_from_the_match_state(hub, clks, tmp_path):
    from hublink.coordinator.projects.purge import purge_project
    from tests.project_files import approved_project

    run_match(hub)
    approved_project(hub, tmp_path, "gone", ["partner-1"], ["zip"])
    purge_project(hub, "gone")
    left = {path.name for path in (hub.path / "match-state").iterdir()}
    assert sorted(name.split("-")[1] for name in left) == ["1", "3"]  # no run file, nothing of partner 2
    assert all(name.startswith("records-") for name in left)
    summary = run_match(hub)
    assert summary.mode == "full" and summary.record_count == 1_000
    assert run_match(hub).mode == "incremental"


def test_encodings_deleted_after_a_run_leave_no_copy_in_the_match_state(hub, tmp_path):
    from hublink.coordinator.projects.purge import release_encodings
    from hublink.coordinator.storage.models import SharingProject
    from tests.project_files import approved_project

    run_match(hub)
    approved_project(hub, tmp_path, "brief", ["partner-2"], ["zip"])
    with hub.database.session() as session:
        row = session.scalars(select(SharingProject).where(SharingProject.name == "brief")).one()
        row.definition = {**row.definition, "retention": {**row.definition["retention"],
                                                          "delete_encodings_after_run": True}}
    assert release_encodings(hub, "brief") == 500
    left = {path.name for path in (hub.path / "match-state").iterdir()}
    assert sorted(name.split("-")[1] for name in left) == ["1", "2"]  # partner 3's records are gone
