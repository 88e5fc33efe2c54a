"""Match runs as queued jobs: claiming, leases, progress, cancel and recovery, on both backends."""

from __future__ import annotations

import random
import time
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hublink.coordinator.cli import main
from hublink.coordinator.errors import Conflict
from hublink.coordinator.jobs.lease import RunLease
from hublink.coordinator.jobs.match_run import execute_run, run_match
from hublink.coordinator.jobs.queue import (RunCancelled, RunLost, Superseded, claim_run,
                                            enqueue_run, get_run, list_runs, recover_expired_runs,
                                            request_cancel)
from hublink.coordinator.jobs.worker import run_next
from hublink.coordinator.matching import BlockingSettings, InvalidMatchInput, MatchSettings
from hublink.coordinator.matching.progress import Progress
from hublink.coordinator.storage.models import Encoding, Link, Partner, Sync, utc_now
from hublink.coordinator.storage.sealed_records import seal_clk

CLK_BYTES = 128


def seed(home, partners: int = 2, records: int = 40, seed: int = 1) -> None:
    """Stores ``records`` random current CLKs for each of ``partners`` partners."""
    generator = random.Random(seed)
    with home.database.session() as session:
        for number in range(partners):
            partner = Partner(name=f"partner-{number}")
            session.add(partner)
            session.flush()
            session.add(Sync(id=str(uuid.uuid4()), partner_id=partner.id, mode="full",
                             schema_id="s", fingerprint="f" * 64, clk_bytes=CLK_BYTES,
                             attribute_names=[], status="committed", committed_at=utc_now()))
            session.add_all(Encoding(partner_id=partner.id, pseudonym=f"{number}-{index:06d}",
                                     clk=seal_clk(home.sealer, partner.id,
                                                  f"{number}-{index:06d}",
                                                  generator.randbytes(CLK_BYTES)))
                            for index in range(records))


def links(home) -> dict[tuple[int, str], str]:
    with home.database.session() as session:
        return {(p, s): link for p, s, link in
                session.execute(select(Link.partner_id, Link.pseudonym, Link.link_id))}


@pytest.fixture
def seeded(home):
    seed(home)
    return home


def test_run_match_queues_and_runs_in_process(seeded):
    summary = run_match(seeded)
    run = get_run(seeded.database, summary.run_id)
    assert (run.status, run.attempts, run.stage, run.worker) == ("succeeded", 1, "done", None)
    assert run.record_count == 80 and run.comparisons_done == run.comparisons > 0
    assert run.comparisons_total == run.comparisons
    assert len(links(seeded)) == 80


def test_a_worker_takes_the_oldest_queued_run(seeded):
    first, second = enqueue_run(seeded.database), enqueue_run(seeded.database, MatchSettings(threshold=0.9))
    assert get_run(seeded.database, first).status == "queued"
    assert run_next(seeded, name="w1").run_id == first
    outcome = run_next(seeded, name="w1")
    assert (outcome.run_id, outcome.status) == (second, "succeeded")
    assert get_run(seeded.database, second).settings == {"threshold": 0.9}
    assert run_next(seeded) is None


def test_two_workers_never_claim_the_same_run(seeded):
    runs = {enqueue_run(seeded.database) for _ in range(3)}
    claimed = [claim_run(seeded.database, f"w{number}", 60) for number in range(4)]
    assert {claim.run_id for claim in claimed[:3]} == runs and claimed[3] is None
    assert [get_run(seeded.database, run).worker for run in sorted(runs)] == ["w0", "w1", "w2"]


def test_a_cancelled_queued_run_never_starts(seeded):
    run_match(seeded)
    before = links(seeded)
    run_id = enqueue_run(seeded.database)
    assert request_cancel(seeded.database, run_id) == "cancelled"
    assert run_next(seeded) is None
    assert get_run(seeded.database, run_id).status == "cancelled" and links(seeded) == before
    with pytest.raises(Conflict):
        request_cancel(seeded.database, run_id)


def test_a_running_run_stops_at_a_checkpoint_and_keeps_the_links(seeded):
    run_match(seeded)
    before = links(seeded)
    run_id = enqueue_run(seeded.database)
    claimed = claim_run(seeded.database, "w1", 60)
    assert request_cancel(seeded.database, run_id) == "cancelling"
    with pytest.raises(RunCancelled):
        with RunLease(seeded.database, run_id, "w1", 60) as lease:
            execute_run(seeded, claimed, lease)
    assert get_run(seeded.database, run_id).status == "cancelled"
    assert links(seeded) == before


def test_a_run_whose_worker_died_is_retried_then_failed(seeded):
    run_match(seeded)
    before = links(seeded)
    run_id = enqueue_run(seeded.database)
    claim_run(seeded.database, "dead-1", 0.01)  # claimed, then the worker "dies"
    time.sleep(0.05)
    assert recover_expired_runs(seeded.database) == [(run_id, "queued")]
    claim_run(seeded.database, "dead-2", 0.01)
    time.sleep(0.05)
    assert run_next(seeded) is None  # the second death used the last attempt
    run = get_run(seeded.database, run_id)
    assert (run.status, run.attempts, run.error) == ("failed", 2, "WorkerLost")
    assert links(seeded) == before


def test_a_recovered_run_succeeds_on_its_second_attempt(seeded):
    run_id = enqueue_run(seeded.database)
    claim_run(seeded.database, "dead", 0.01)
    time.sleep(0.05)
    outcome = run_next(seeded, name="alive")
    assert (outcome.run_id, outcome.status) == (run_id, "succeeded")
    assert get_run(seeded.database, run_id).attempts == 2


def test_a_worker_that_lost_its_lease_never_writes_links(seeded):
    run_match(seeded)
    before = links(seeded)
    run_id = enqueue_run(seeded.database)
    slow = claim_run(seeded.database, "slow", 0.01)
    time.sleep(0.05)
    recover_expired_runs(seeded.database)
    claim_run(seeded.database, "other", 60)
    lease = RunLease(seeded.database, run_id, "slow", 60)
    lease.renew()
    with pytest.raises(RunLost):
        execute_run(seeded, slow, lease)
    assert get_run(seeded.database, run_id).worker == "other" and links(seeded) == before


def test_the_engine_reports_progress_records_and_the_lease_stores_their_fields(seeded):
    steps = []
    summary = run_match(seeded, progress=steps.append)
    assert all(isinstance(step, Progress) for step in steps) and str(steps[0]).startswith("matching 80")
    assert (steps[0].stage, steps[0].done, steps[0].total) == ("comparing", 0, 80 * 79 // 2)
    assert [step.done for step in steps if step.stage == "solving" and step.done is not None] == [
        summary.comparisons]
    run_id = enqueue_run(seeded.database)
    claim_run(seeded.database, "w1", 60)
    lease = RunLease(seeded.database, run_id, "w1", 60)
    lease.report(Progress("comparing", 5, 10, "a message reworded at will"))
    lease.report(Progress("solving", message="no counts: the ones kept stay"))
    lease.renew()
    run = get_run(seeded.database, run_id)
    assert (run.stage, run.comparisons_done, run.comparisons_total) == ("solving", 5, 10)
    with pytest.raises(ValueError):
        Progress("thinking")


def test_match_settings_round_trip_and_report_every_problem():
    settings = MatchSettings(threshold=0.9, blocking=BlockingSettings(tables=50))
    assert settings.to_dict() == {"threshold": 0.9, "blocking": {"tables": 50}}
    assert MatchSettings.from_dict(settings.to_dict()) == settings
    assert MatchSettings.from_dict({}) == MatchSettings()
    with pytest.raises(InvalidMatchInput) as raised:
        MatchSettings.from_dict({"threshold": 5, "thresold": 0.9, "merge_threshold": "high",
                                 "blocking": {"tables": 0.5}})
    assert len(raised.value.details) == 4
    with pytest.raises(InvalidMatchInput) as raised:
        MatchSettings.from_dict({"threshold": 5, "merge_threshold": -1})
    assert [line.split()[0] for line in raised.value.details] == ["threshold", "merge_threshold"]


def test_settings_a_run_would_fail_on_are_refused_before_queueing(seeded):
    with pytest.raises(InvalidMatchInput):
        enqueue_run(seeded.database, MatchSettings(threshold=5))
    result = CliRunner().invoke(main, ["--home", str(seeded.path), "match", "--threshold", "5",
                                       "--queue-only"])
    assert result.exit_code == 2 and "threshold must be in (0, 1] (got 5.0)" in result.output
    assert list_runs(seeded.database, 10) == []


def test_cli_queue_list_work_and_cancel(seeded):
    runner = CliRunner()
    home = ["--home", str(seeded.path)]
    queued = runner.invoke(main, [*home, "match", "--queue-only"])
    assert queued.exit_code == 0 and "queued match run 1" in queued.output
    assert "queued" in runner.invoke(main, [*home, "runs"]).output
    assert "match run 1 queued" in runner.invoke(main, [*home, "status"]).output
    worked = runner.invoke(main, [*home, "worker", "--once"])
    assert worked.exit_code == 0 and "match run 1: succeeded" in worked.output
    assert "no queued match run" in runner.invoke(main, [*home, "worker", "--once"]).output
    runner.invoke(main, [*home, "match", "--queue-only"])
    cancelled = runner.invoke(main, [*home, "match", "cancel", "2"])
    assert cancelled.exit_code == 0 and "match run 2: cancelled" in cancelled.output
    again = runner.invoke(main, [*home, "match", "cancel", "2"])
    assert again.exit_code == 1 and "already finished" in again.output
    matched = runner.invoke(main, [*home, "match"])
    assert matched.exit_code == 0 and "matched 80 records" in matched.output
    listing = runner.invoke(main, [*home, "runs"]).output.splitlines()
    assert [line.split()[2] for line in listing] == ["succeeded", "cancelled", "succeeded"]


def test_a_run_that_started_earlier_never_overwrites_a_later_one(seeded):
    first, second = enqueue_run(seeded.database), enqueue_run(seeded.database)
    early = claim_run(seeded.database, "w1", 60)
    late = claim_run(seeded.database, "w2", 60)
    with RunLease(seeded.database, second, "w2", 60) as lease:
        execute_run(seeded, late, lease)
    after = links(seeded)
    with pytest.raises(Superseded):
        with RunLease(seeded.database, first, "w1", 60) as lease:
            execute_run(seeded, early, lease)
    run = get_run(seeded.database, first)
    assert (run.status, run.error) == ("failed", "Superseded") and links(seeded) == after
