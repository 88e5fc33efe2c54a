"""Regenerate the reference pages that must not drift from the code: `make docs`."""

from __future__ import annotations

from pathlib import Path

import click

from hublink.agent.cli import main as agent_main
from hublink.agent.settings_render import render_settings_markdown
from hublink.coordinator.cli import main as coordinator_main

DOCS = Path(__file__).resolve().parent


def _command_help(command: click.Command, path: list[str],
                  parent: click.Context | None = None) -> list[str]:
    context = click.Context(command, info_name=path[-1], parent=parent, terminal_width=100,
                            max_content_width=100, **command.context_settings)
    lines = [f"## `{' '.join(path)}`", "", "```", command.get_help(context), "```", ""]
    if isinstance(command, click.Group):
        for name in command.list_commands(context):
            lines += _command_help(command.get_command(context, name), [*path, name], context)
    return lines


def render_cli_reference() -> str:
    """Returns docs/cli.md: the help of every command of both programs."""
    lines = ["# Command-line reference", "",
             "Generated from the programs by `make docs`; do not edit by hand.", ""]
    lines += _command_help(agent_main, ["hublink-agent"])
    lines += _command_help(coordinator_main, ["hublink-coordinator"])
    return "\n".join(lines)


PAGES = {"agent-config.md": render_settings_markdown, "cli.md": render_cli_reference}

if __name__ == "__main__":
    for name, render in PAGES.items():
        (DOCS / name).write_text(render())
        print(f"wrote docs/{name}")
