"""The command line as people type it: --config anywhere, usage errors, a URL without scheme."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hublink.agent.cli import EXIT_BAD_CONFIG, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, main
from hublink.agent.keys import create_secret_file
from hublink.agent.settings_render import render_config

DATA = Path(__file__).parents[1] / "data"


def write_config(folder: Path, url: str = "http://127.0.0.1:9") -> Path:
    shutil.copy(DATA / "students.csv", folder / "students.csv")
    create_secret_file(folder / "linkage.secret")
    (folder / "partner.token").write_text("hlp_test\n")
    path = folder / "agent.toml"
    path.write_text(render_config({
        "coordinator": {"url": url, "token_file": "partner.token", "timeout": 2, "retries": 0},
        "linkage": {"secret_file": "linkage.secret"},
        "source": {"path": "students.csv", "record_key": "STUDENT_ID"},
        "identifiers": {"first_name": "STU_FIRST_NM", "last_name": "STU_LAST_NM",
                        "dob": "BIRTH_DT", "dob_format": "%m/%d/%Y"},
    }))
    return path


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize("where", ["before", "after", "environment"])
def test_config_before_or_after_the_command_or_from_the_environment(tmp_path, where):
    config = str(write_config(tmp_path))
    arguments = {"before": ["--config", config, "status"], "after": ["status", "--config", config],
                 "environment": ["status"]}[where]
    result = run(*arguments, env={"HUBLINK_AGENT_CONFIG": config} if where == "environment"
                 else {"HUBLINK_AGENT_CONFIG": ""})
    assert result.exit_code == EXIT_OK, result.output
    assert "no sync has run yet" in result.output


def test_config_after_the_command_wins_over_the_environment(tmp_path):
    config = str(write_config(tmp_path))
    result = run("sync", "--config", config, env={"HUBLINK_AGENT_CONFIG": str(tmp_path / "nope")})
    assert result.exit_code == EXIT_UNREACHABLE
    assert "GET /api/v1/partner-view failed 1 time(s)" in result.output


def test_a_command_without_configuration_is_a_usage_error(tmp_path):
    result = run("check", env={"HUBLINK_AGENT_CONFIG": ""})
    assert result.exit_code == EXIT_USAGE
    assert "--config FILE (before or after the command)" in result.output
    assert "HUBLINK_AGENT_CONFIG" in result.output


@pytest.mark.parametrize("arguments", [["no-such-command"], ["sync", "--no-such-option"],
                                       ["links"], ["sync", "extra"]])
def test_usage_errors_exit_2(tmp_path, arguments):
    config = str(write_config(tmp_path))
    assert run("--config", config, *arguments).exit_code == EXIT_USAGE


@pytest.mark.parametrize("url, fix", [
    ("hub.example.org", '"https://hub.example.org"'),
    ("hub.example.org:8700/", '"https://hub.example.org:8700"'),
    ("ftp://hub.example.org", "http:// or https://"),
    ("https://", "with a host"),
])
def test_a_url_without_a_scheme_is_a_configuration_error_with_the_fix(tmp_path, url, fix):
    result = run("--config", str(write_config(tmp_path, url)), "sync")
    assert result.exit_code == EXIT_BAD_CONFIG
    assert "coordinator.url" in result.output and fix in result.output
