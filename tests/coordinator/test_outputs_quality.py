"""The quality and equity report of a real match run: records near the threshold come from the
run's own review (counts only), the gap is configurable, and nothing identifying is printed."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from hublink.coordinator.cli import main
from hublink.coordinator.jobs.match_run import run_match
from hublink.coordinator.jobs.queue import get_run
from hublink.coordinator.outputs.quality import quality_report
from hublink.coordinator.storage.models import Encoding, RecordAttributes
from hublink.coordinator.storage.sealed_records import seal_attributes
from tests.coordinator.test_jobs import seed


def _with_attributes(home) -> None:
    with home.database.session() as session:
        keys = list(session.execute(select(Encoding.partner_id, Encoding.pseudonym)))
        session.add_all(RecordAttributes(
            partner_id=partner_id, pseudonym=pseudonym,
            attributes=seal_attributes(home.sealer, partner_id, pseudonym,
                                       {"race_ethnicity": ("A", "B")[index % 2],
                                        "gender": "F", "age_band": "14-17"}))
            for index, (partner_id, pseudonym) in enumerate(keys))


def test_the_report_gives_the_runs_records_near_the_threshold(home):
    seed(home, records=60)
    _with_attributes(home)
    summary = run_match(home)
    review = get_run(home.database, summary.run_id).review
    report = quality_report(home)
    assert report["run_id"] == summary.run_id and report["records"] == 120
    expected = {stage["stage"]: stage["records_near_threshold"] for stage in review["stages"]}
    assert report["records_near_threshold"] == {"near": review["near"], "stages": expected}
    assert set(expected) == {"across", "within"}
    assert set(report["by_attribute"]) == {"race_ethnicity", "gender", "age_band"}
    assert set(report["by_attribute"]["race_ethnicity"]) == {"A", "B"}
    result = CliRunner().invoke(main, ["--home", str(home.path), "quality-report"],
                                env={"HUBLINK_EQUITY_GAP": "0.25"})
    assert result.exit_code == 0, result.output
    for stage, count in expected.items():
        assert f"of the {stage} threshold: {count}" in result.output
    assert "match rates: 25.0%" in result.output
    printed = CliRunner().invoke(main, ["--home", str(home.path), "quality-report", "--json",
                                        "--gap", "0.1"])
    assert json.loads(printed.output)["gap"] == 0.1
    with home.database.session() as session:
        pseudonyms = list(session.scalars(select(Encoding.pseudonym)))
    assert not any(pseudonym in result.output + printed.output for pseudonym in pseudonyms)


def test_a_run_without_a_review_says_so(home):
    from benchmarks.publish import seed_hub
    seed_hub(home, 200, 3)
    report = quality_report(home)
    assert report["records"] == 200 and report["records_near_threshold"] is None
    result = CliRunner().invoke(main, ["--home", str(home.path), "quality-report"])
    assert "the run kept no threshold review" in result.output
