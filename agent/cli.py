"""``hublink-agent``: command wiring only; the work lives in the modules it calls.

Exit codes: 0 success, 1 bad data, 2 usage error, 3 bad configuration,
4 coordinator unreachable, 5 refused by the coordinator.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from hublink.agent.config import AgentConfig, load_config
from hublink.agent.keys import create_secret_file
from hublink.agent.links import fetch_links
from hublink.agent.report import check_report, preview_report
from hublink.agent.settings import render_example_config
from hublink.agent.sync import load_prepared, run_sync
from hublink.agent.transport import CoordinatorRefused, CoordinatorUnreachable
from hublink.shared.errors import ConfigError, HublinkError, SourceError
from hublink.shared.linkage_schema import load_linkage_schema

EXIT_OK, EXIT_BAD_DATA, EXIT_USAGE, EXIT_BAD_CONFIG, EXIT_UNREACHABLE, EXIT_REFUSED = range(6)
_EXIT_CODES: tuple[tuple[type[HublinkError], int], ...] = (
    (ConfigError, EXIT_BAD_CONFIG), (SourceError, EXIT_BAD_DATA),
    (CoordinatorUnreachable, EXIT_UNREACHABLE), (CoordinatorRefused, EXIT_REFUSED),
)


def _edge(command: Callable[..., int | None]) -> Callable[..., None]:
    """Turns domain errors into a message on stderr and a documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = command(*args, **kwargs) or EXIT_OK
        except HublinkError as error:
            click.echo(f"error: {error}", err=True)
            code = next((exit_code for kind, exit_code in _EXIT_CODES
                         if isinstance(error, kind)), EXIT_BAD_DATA)
        sys.exit(code)

    return wrapper


def _config(context: click.Context) -> AgentConfig:
    path = context.obj["config_path"]
    if path is None:
        raise ConfigError("--config FILE is required for this command")
    return load_config(path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              envvar="HUBLINK_AGENT_CONFIG", help="The agent's TOML configuration file.")
@click.pass_context
def main(context: click.Context, config_path: Path | None) -> None:
    """Partner agent: encode identifiers on site and sync encodings to the hub."""
    context.ensure_object(dict)
    context.obj["config_path"] = config_path


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="hublink-agent.toml")
@_edge
def init(path: Path) -> int:
    """Write a commented example configuration to PATH."""
    if path.exists():
        raise ConfigError(f"{path} already exists; refusing to overwrite it")
    path.write_text(render_example_config(), encoding="utf-8")
    click.echo(f"wrote {path}; edit it, then run: hublink-agent --config {path} check")
    return EXIT_OK


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the new secret (created readable by you only).")
@_edge
def keygen(out: Path) -> int:
    """Create a new 256-bit linkage secret (key custodian only)."""
    create_secret_file(out)
    click.echo(f"wrote a new linkage secret to {out}; hand it to partners out of band, "
               "never to the coordinator")
    return EXIT_OK


@main.command()
@click.pass_context
@_edge
def check(context: click.Context) -> int:
    """Report every problem in the source; uploads nothing. Exit 1 on problems."""
    config = _config(context)
    from hublink.agent.readers import read_source
    from hublink.agent.prepare import prepare_source
    frame = read_source(config)
    text, problems = check_report(config, frame, prepare_source(config, frame))
    click.echo(text)
    click.echo(f"\n{problems} problem(s) found" if problems else "\nno problems found")
    return EXIT_BAD_DATA if problems else EXIT_OK


@main.command()
@click.pass_context
@_edge
def preview(context: click.Context) -> int:
    """Show exactly what `sync` would send; sends nothing."""
    config = _config(context)
    click.echo(preview_report(config, load_prepared(config), load_linkage_schema().clk_bytes))
    return EXIT_OK


@main.command()
@click.pass_context
@_edge
def sync(context: click.Context) -> int:
    """Read, normalise, encode and upload the current record set."""
    summary = run_sync(_config(context))
    for line in summary.lines():
        click.echo(line)
    return EXIT_OK


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV to write: record_key,link_id.")
@click.pass_context
@_edge
def links(context: click.Context, out: Path) -> int:
    """Fetch this partner's link IDs and write them beside the local record keys."""
    summary = fetch_links(_config(context), out)
    click.echo(f"wrote {summary.written} links ({summary.distinct_link_ids} distinct link IDs) "
               f"to {out}; {summary.without_link} current records have no link ID yet "
               f"(sync, then wait for the next match run)")
    return EXIT_OK
