"""Running unattended: the sync lock, the log file, progress bars and ``run --every``."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hublink.agent.cli import EXIT_BAD_CONFIG, EXIT_SYNC_RUNNING, EXIT_USAGE, _edge, main
from hublink.agent.config import load_config
from hublink.agent.keys import create_secret_file
from hublink.agent.lock import LOCK_FILE_NAME, SyncAlreadyRunning, sync_lock
from hublink.agent.logs import configure_logging, progress
from hublink.agent.schedule import parse_duration, run_every
from hublink.agent.settings_render import render_config
from hublink.agent.transport import CoordinatorUnreachable
from hublink.shared.errors import ConfigError

DATA = Path(__file__).parents[1] / "data"
AGENT = Path(sys.executable).with_name("hublink-agent")
# Every identifying value of tests/data/students.csv: names, dates, streets, record keys.
IDENTIFIER_VALUES = [
    "Aaliyah", "Marie", "Johnson", "José", "Jose", "García", "Garcia", "López", "Minh", "Nguyen",
    "Smith", "Darnell", "Washington", "Kayla", "Brown", "Tyrone", "Jackson", "AALIYAH", "JOHNSON",
    "NGUYEN", "03/07/2011", "11/21/2010", "02/30/2012", "06/15/2009", "12/01/2045", "2011-03-07",
    "Charles", "Eastern", "Greenmount", "Light St", "Oak Ln", "W Baltimore", "S0001", "S0002",
    "S0003", "S0004", "S0006", "S0008",
]
HOLD_LOCK = """
import sys
from pathlib import Path
from hublink.agent.lock import sync_lock
with sync_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def agent_config(tmp_path: Path) -> Path:
    shutil.copy(DATA / "students.csv", tmp_path / "students.csv")
    create_secret_file(tmp_path / "linkage.secret")
    (tmp_path / "partner.token").write_text("hlp_test\n")
    path = tmp_path / "agent.toml"
    path.write_text(render_config({
        "coordinator": {"url": "http://127.0.0.1:9", "token_file": "partner.token",
                        "timeout": 2, "retries": 0},
        "linkage": {"secret_file": "linkage.secret"},
        "source": {"path": "students.csv", "record_key": "STUDENT_ID"},
        "identifiers": {"first_name": "STU_FIRST_NM", "middle_name": "STU_MIDDLE_NM",
                        "last_name": "STU_LAST_NM", "dob": "BIRTH_DT", "dob_format": "%m/%d/%Y",
                        "sex": "GENDER_CD", "address": ["STREET_NO", "STREET"], "city": "CITY",
                        "zip": "ZIP_CD"},
        "attributes": {"race_ethnicity": "RACE_ETHNICITY", "program": "Program"},
        "agent": {"state_dir": "state"},
        "logging": {"level": "DEBUG"},
    }))
    return path


@pytest.fixture(autouse=True)
def detach_log_file():
    yield
    logger = logging.getLogger("hublink")
    for handler in [h for h in logger.handlers if getattr(h, "_hublink_agent", False)]:
        logger.removeHandler(handler)
        handler.close()


@pytest.fixture
def lock_holder(tmp_path: Path):
    """A second process holding the sync lock of ``tmp_path / "state"`` until the test ends."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path / "state")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    yield holder
    holder.stdin.close()
    holder.wait(timeout=10)


# --- the sync lock ---------------------------------------------------------------------------

def test_a_second_process_cannot_take_the_lock(tmp_path, lock_holder):
    with pytest.raises(SyncAlreadyRunning, match=f"another sync .* running \\(process "
                                                 f"{lock_holder.pid}\\)"):
        with sync_lock(tmp_path / "state"):
            pytest.fail("entered a lock another process holds")


def test_the_lock_is_free_again_when_its_holder_ends_even_if_killed(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path / "state")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait(timeout=10)
    assert (tmp_path / "state" / LOCK_FILE_NAME).exists()
    with sync_lock(tmp_path / "state") as path:
        assert path.read_text().strip() == str(os.getpid())


def test_the_lock_can_be_nested_in_one_process(tmp_path):
    with sync_lock(tmp_path):
        with sync_lock(tmp_path):
            pass
        other = subprocess.run([sys.executable, "-c", HOLD_LOCK, str(tmp_path)], input="",
                               capture_output=True, text=True)
        assert other.returncode != 0 and "SyncAlreadyRunning" in other.stderr


def test_the_scheduled_sync_refuses_to_run_beside_another(agent_config, tmp_path, lock_holder):
    from hublink.agent.cli import _locked_sync
    with pytest.raises(SyncAlreadyRunning):
        _locked_sync(load_config(agent_config))


def test_another_sync_running_exits_6_with_a_clear_message():
    @click.command()
    @_edge
    def busy() -> int:
        raise SyncAlreadyRunning("another sync of this agent is running (process 42)")

    result = CliRunner().invoke(busy, [])
    assert result.exit_code == EXIT_SYNC_RUNNING == 6
    assert "error: another sync of this agent is running" in result.output


# --- the log file ------------------------------------------------------------------------------

def test_the_log_file_rotates_by_size(tmp_path):
    log_file = tmp_path / "logs" / "agent.log"
    configure_logging(log_file, "INFO", max_bytes=300, backups=2)
    logger = logging.getLogger("hublink.agent.test")
    for number in range(40):
        logger.info("line %d of the rotation test", number)
    logger.debug("not logged at INFO")
    names = sorted(path.name for path in log_file.parent.iterdir())
    assert names == ["agent.log", "agent.log.1", "agent.log.2"]
    if os.name == "posix":
        assert {path.stat().st_mode & 0o077 for path in log_file.parent.iterdir()} == {0}
    assert all(path.stat().st_size <= 300 for path in log_file.parent.iterdir())
    assert "line 39 of the rotation test" in log_file.read_text()
    assert "not logged" not in "".join(path.read_text() for path in log_file.parent.iterdir())


def test_other_libraries_do_not_write_to_the_log(tmp_path):
    log_file = tmp_path / "agent.log"
    configure_logging(log_file, "DEBUG", max_bytes=0, backups=0)
    logging.getLogger("sqlalchemy.engine").warning("SELECT ... parameters ('Aaliyah',)")
    logging.getLogger("hublink.agent.test").info("ours")
    assert log_file.read_text().count("\n") == 1 and "ours" in log_file.read_text()


@pytest.mark.parametrize("command", ["check", "preview", "sync"])
def test_a_command_logs_counts_and_codes_never_identifier_values(agent_config, command):
    result = CliRunner().invoke(main, ["--config", str(agent_config), command],
                                catch_exceptions=False)
    log_file = agent_config.parent / "state" / "hublink-agent.log"
    text = log_file.read_text(encoding="utf-8")
    assert f"{command} started" in text
    assert f"{command} finished: exit {result.exit_code}" in text
    leaked = [value for value in IDENTIFIER_VALUES if value.lower() in text.lower()]
    assert leaked == []


def test_logging_settings_are_validated(agent_config):
    text = agent_config.read_text().replace('level = "DEBUG"', 'level = "LOUD"\nbackups = -1')
    agent_config.write_text(text)
    result = CliRunner().invoke(main, ["--config", str(agent_config), "check"])
    assert result.exit_code == EXIT_BAD_CONFIG
    assert "logging.level must be one of DEBUG, INFO, WARNING, ERROR" in result.output
    assert "logging.backups must be a non-negative whole number" in result.output


def test_the_log_file_can_be_placed_elsewhere(agent_config):
    agent_config.write_text(agent_config.read_text().replace(
        "[logging]\n", '[logging]\nfile = "logs/agent.log"\nmax_bytes = 1000\n'))
    config = load_config(agent_config)
    assert config.log_file == agent_config.parent / "logs" / "agent.log"
    assert (config.log_level, config.log_max_bytes, config.log_backups) == ("DEBUG", 1000, 5)


# --- progress --------------------------------------------------------------------------------

def test_progress_draws_a_bar_only_when_asked_and_logs_the_count(tmp_path, capsys):
    log_file = tmp_path / "agent.log"
    configure_logging(log_file, "INFO", max_bytes=0, backups=0)
    with progress(30, "encoding") as advance:  # stderr is not a terminal under pytest
        advance(10)
        advance(20)
    assert capsys.readouterr().err == ""
    with progress(5, "encoding", show=True) as advance:
        advance(5)
    assert "encoding" in capsys.readouterr().err
    assert "encoding: 30 of 30 rows in" in log_file.read_text()


# --- run --every -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [
    ("30m", 1800), ("6h", 21600), ("24h", 86400), ("1d", 86400), ("90s", 90), ("1h30m", 5400),
    (" 2H ", 7200),
])
def test_durations_parse(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "24", "h", "-5m", "1.5h", "1w", "0m", "5m junk"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("every", ["10s", "often"])
def test_run_refuses_a_bad_or_too_short_interval(agent_config, every):
    result = CliRunner().invoke(main, ["--config", str(agent_config), "run", "--every", every])
    assert result.exit_code == EXIT_USAGE


def test_the_loop_goes_on_after_a_failed_sync_and_stops_on_sigterm_during_one():
    calls = []

    def sync_once() -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise CoordinatorUnreachable("cannot reach the coordinator")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        pytest.fail("SIGTERM did not interrupt the sync")

    before = signal.getsignal(signal.SIGTERM)
    outcome = run_every(0.01, sync_once)
    assert len(calls) == 2
    assert outcome == "stopped by SIGTERM during a sync; the next sync resumes it"
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_loop_stops_on_a_configuration_error():
    def sync_once() -> None:
        raise ConfigError("linkage secret file is readable by other users")

    with pytest.raises(ConfigError):
        run_every(0.01, sync_once)


@pytest.mark.skipif(os.name != "posix" or not AGENT.exists(), reason="needs POSIX signals")
def test_run_every_stops_cleanly_on_sigterm_while_waiting(agent_config):
    log_file = agent_config.parent / "state" / "hublink-agent.log"
    process = subprocess.Popen([str(AGENT), "--config", str(agent_config), "run", "--every", "24h"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while "next sync in" not in (log_file.read_text() if log_file.exists() else ""):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the first sync did not finish"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "stopped while waiting for the next sync" in stdout
    text = log_file.read_text()
    assert "scheduled sync failed (coordinator_unreachable)" in text or "synced" in text
    assert "run finished: exit 0" in text
