"""The audit log: `audit verify` finds every altered or deleted entry, on both backends."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from hublink.coordinator.cli import main
from hublink.coordinator.storage import record_event
from hublink.coordinator.storage.audit import (HEAD_MISMATCH, _entry_hash, read_head_file,
                                               verify_log)
from hublink.coordinator.storage.models import AuditEvent


@pytest.fixture
def logged(home):
    """A home whose log holds init plus five exports: six entries."""
    for rows in range(5):
        record_event(home.database, "analyst", "export", rows=rows)
    return home


def _verify(home) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--home", str(home.path), "audit", "verify"])
    return result.exit_code, result.output


def _entry_ids(home) -> list[int]:
    with home.database.session() as session:
        return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def _execute(home, statement) -> None:
    with home.database.engine.begin() as connection:
        connection.execute(statement)


def test_an_intact_log_verifies(logged):
    code, output = _verify(logged)
    assert code == 0, output
    assert output.splitlines()[0] == "audit log intact: 6 entries"
    assert read_head_file(logged.path / "audit-head.json").entry == _entry_ids(logged)[-1]


def test_an_altered_detail_is_detected(logged):
    third = _entry_ids(logged)[2]
    _execute(logged, update(AuditEvent).where(AuditEvent.id == third)
             .values(detail=json.dumps({"rows": 0, "note": "nothing to see"})))
    code, output = _verify(logged)
    assert code == 1
    assert f"entry {third}: its content was altered" in output
    assert "audit log damaged: 1 problems in 6 entries" in output


def test_an_alteration_with_recomputed_hashes_is_detected_by_the_head_file(logged):
    ids = _entry_ids(logged)
    _execute(logged, update(AuditEvent).where(AuditEvent.id == ids[1]).values(actor="someone"))
    previous = None
    with logged.database.session() as session:  # rewrite the chain from there, as an attacker
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            if previous is not None:
                event.previous_hash = previous
            event.hash = _entry_hash(event.previous_hash, event.at, event.actor, event.action,
                                     event.detail)
            previous = event.hash
    code, output = _verify(logged)
    assert code == 1
    assert "the head file names entry" in output and "the chain was rewritten" in output


def test_a_deleted_middle_entry_is_detected(logged):
    ids = _entry_ids(logged)
    _execute(logged, delete(AuditEvent).where(AuditEvent.id == ids[3]))
    code, output = _verify(logged)
    assert code == 1
    assert f"entry {ids[4]}: does not follow entry {ids[2]}" in output


def test_a_deleted_first_entry_is_detected(logged):
    ids = _entry_ids(logged)
    _execute(logged, delete(AuditEvent).where(AuditEvent.id == ids[0]))
    code, output = _verify(logged)
    assert code == 1
    assert f"entry {ids[1]}: does not follow the start of the log" in output


def test_a_deleted_last_entry_is_detected_and_stays_detected(logged):
    ids = _entry_ids(logged)
    _execute(logged, delete(AuditEvent).where(AuditEvent.id == ids[-1]))
    code, output = _verify(logged)
    assert code == 1
    assert f"entry {ids[-1]} (the last one appended) is missing" in output
    # A later append does not paper over the deletion: it records the disagreement first.
    record_event(logged.database, "analyst", "export", rows=9)
    result = verify_log(logged.database)
    assert len(result.problems) == 1 and "disagreed" in result.problems[0]
    with logged.database.session() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == [HEAD_MISMATCH, "export"]


def test_a_missing_head_file_is_reported(logged):
    (logged.path / "audit-head.json").unlink()
    code, output = _verify(logged)
    assert code == 1
    assert "head file" in output and "missing" in output


def test_verify_before_init_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("HUBLINK_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "nothing"), "audit", "verify"])
    assert result.exit_code == 1
    assert "not initialised" in result.output


def test_concurrent_appends_keep_one_valid_chain(home):
    threads_count, per_thread = 8, 12
    before = verify_log(home.database).entries
    errors: list[BaseException] = []

    def append(number: int) -> None:
        try:
            for index in range(per_thread):
                record_event(home.database, f"partner:{number}", "token_use", index=index)
        except BaseException as error:  # collected: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=append, args=(number,)) for number in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify_log(home.database)
    assert result.problems == []
    assert result.entries == before + threads_count * per_thread
    assert read_head_file(home.path / "audit-head.json") == result.head


def test_the_hash_does_not_depend_on_the_time_zone_it_is_read_in():
    at = datetime(2025, 7, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    elsewhere = at.astimezone(timezone(timedelta(hours=-4)))
    naive = at.replace(tzinfo=None)
    hashes = {_entry_hash("0" * 64, moment, "a", "b", "{}") for moment in (at, elsewhere, naive)}
    assert len(hashes) == 1
