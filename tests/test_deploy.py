"""Static checks of the agent's scheduler definitions in deploy/agent/ and their install notes."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AGENT_DEPLOY = ROOT / "deploy" / "agent"
SERVICE = AGENT_DEPLOY / "hublink-agent-sync.service"
TIMER = AGENT_DEPLOY / "hublink-agent-sync.timer"
CRON = AGENT_DEPLOY / "hublink-agent.cron"
TASK = AGENT_DEPLOY / "hublink-agent-task.xml"
TASK_NAMESPACE = {"task": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


def read_unit(path: Path) -> configparser.ConfigParser:
    """Parses a systemd unit as systemd reads it: case-sensitive keys, repeatable keys, no
    interpolation, ``#`` and ``;`` comments."""
    parser = configparser.ConfigParser(strict=False, interpolation=None,
                                       comment_prefixes=("#", ";"), empty_lines_in_values=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


def runs_sync(command: str) -> bool:
    """Returns whether a command line runs ``hublink-agent --config FILE sync``."""
    words = shlex.split(command, posix=True)
    program = next((index for index, word in enumerate(words)
                    if re.search(r"hublink-agent(\.exe)?$", word)), None)
    return (program is not None and "--config" in words[program:]
            and words[-1] == "sync")


def test_service_runs_one_sync_as_an_unprivileged_user():
    unit = read_unit(SERVICE)
    service = unit["Service"]
    assert service["Type"] == "oneshot"
    assert runs_sync(service["ExecStart"])
    assert service["User"] and service["User"] != "root"
    assert service["TimeoutStartSec"]
    state = "/var/lib/" + service["StateDirectory"]
    assert state in service["ReadWritePaths"].split()
    assert service["ProtectSystem"] == "strict"
    assert "network-online.target" in unit["Unit"]["After"]


def test_timer_starts_the_service_nightly_and_catches_up():
    timer = read_unit(TIMER)
    assert timer["Timer"]["Unit"] == SERVICE.name
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d", timer["Timer"]["OnCalendar"])
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # verify checks that ExecStart exists; the agent is not installed under /opt here.
    executable = shutil.which("true") or "/bin/true"
    text = SERVICE.read_text().replace("/opt/hublink-agent/bin/hublink-agent", executable)
    (tmp_path / SERVICE.name).write_text(text)
    shutil.copy(TIMER, tmp_path / TIMER.name)
    result = subprocess.run([analyze, "verify", str(tmp_path / SERVICE.name),
                             str(tmp_path / TIMER.name)], capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0 and "Failed to " in result.stderr and "bus" in result.stderr.lower():
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr


def test_cron_line_runs_sync_nightly():
    lines = [line for line in CRON.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")
             and not re.match(r"^[A-Z_]+=", line)]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert len(fields) == 6
    for field in fields[:5]:
        assert re.fullmatch(r"[\d*/,\-]+", field), field
    assert "%" not in fields[5], "cron turns % into a newline"
    command = fields[5].split(">")[0]
    assert runs_sync(command)


def task_element(root: ElementTree.Element, path: str) -> ElementTree.Element:
    element = root.find(path, TASK_NAMESPACE)
    assert element is not None, f"{path} missing from {TASK.name}"
    return element


def test_task_scheduler_definition_runs_sync_daily_unattended():
    text = TASK.read_bytes()
    assert text.isascii(), "keep the task XML ASCII: its encoding then cannot matter"
    root = ElementTree.fromstring(text)
    assert root.tag == "{%s}Task" % TASK_NAMESPACE["task"]
    assert root.get("version") == "1.2"
    trigger = task_element(root, "task:Triggers/task:CalendarTrigger")
    assert task_element(trigger, "task:ScheduleByDay/task:DaysInterval").text == "1"
    assert task_element(trigger, "task:StartBoundary").text
    # calendarTriggerType is a sequence: the order of its children matters.
    order = ["Enabled", "StartBoundary", "EndBoundary", "Repetition", "ExecutionTimeLimit",
             "RandomDelay", "ScheduleByDay"]
    children = [child.tag.split("}")[1] for child in trigger]
    assert children == [name for name in order if name in children]
    # Run whether the user is logged on or not.
    assert task_element(root, "task:Principals/task:Principal/task:LogonType").text in (
        "Password", "S4U")
    settings = task_element(root, "task:Settings")
    assert task_element(settings, "task:MultipleInstancesPolicy").text == "IgnoreNew"
    limit = task_element(settings, "task:ExecutionTimeLimit").text
    assert re.fullmatch(r"PT[1-9]\d*H", limit), limit
    assert task_element(settings, "task:StartWhenAvailable").text == "true"
    exec_action = task_element(root, "task:Actions/task:Exec")
    command = task_element(exec_action, "task:Command").text
    arguments = task_element(exec_action, "task:Arguments").text
    assert runs_sync(f'"{command}" {arguments}'.replace("\\", "/"))


def test_install_notes_cover_every_scheduler():
    notes = (ROOT / "docs" / "agent-install.md").read_text()
    for path in (SERVICE, TIMER, CRON, TASK):
        assert path.name in notes
    for needed in ("schtasks /Create /XML", "icacls", "systemctl enable --now",
                   "crontab", "run --every"):
        assert needed in notes
