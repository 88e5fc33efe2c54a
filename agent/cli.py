"""``hublink-agent``: command wiring only; the work lives in the modules it calls.

Exit codes: 0 success, 1 bad data, 2 usage error, 3 bad configuration,
4 coordinator unreachable, 5 refused by the coordinator, 6 another sync of this agent is
running (nothing was changed).
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from hublink.agent.config import AgentConfig, load_config
from hublink.agent.keys import create_secret_file
from hublink.agent.links import fetch_links
from hublink.agent.lock import SyncAlreadyRunning, sync_lock
from hublink.agent.logs import configure_logging, progress
from hublink.agent.report import check_source, preview_report
from hublink.agent.settings_render import render_example_config
from hublink.agent.status import describe_status
from hublink.agent.sync_plan import load_prepared
from hublink.agent.transport import CoordinatorRefused, CoordinatorUnreachable
from hublink.shared.errors import ConfigError, HublinkError, SourceError
from hublink.shared.linkage_schema import load_linkage_schema

EXIT_OK, EXIT_BAD_DATA, EXIT_USAGE, EXIT_BAD_CONFIG, EXIT_UNREACHABLE, EXIT_REFUSED = range(6)
EXIT_SYNC_RUNNING = 6
_EXIT_CODES: tuple[tuple[type[HublinkError], int], ...] = (
    (ConfigError, EXIT_BAD_CONFIG), (SourceError, EXIT_BAD_DATA),
    (CoordinatorUnreachable, EXIT_UNREACHABLE), (CoordinatorRefused, EXIT_REFUSED),
    (SyncAlreadyRunning, EXIT_SYNC_RUNNING),
)
log = logging.getLogger(__name__)


def _edge(command: Callable[..., int | None]) -> Callable[..., None]:
    """Turns domain errors into a message on stderr and a documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        try:
            code = command(*args, **kwargs) or EXIT_OK
        except click.ClickException:
            raise  # a usage error: click prints it and exits 2
        except HublinkError as error:
            click.echo(f"error: {error}", err=True)
            code = next((exit_code for kind, exit_code in _EXIT_CODES
                         if isinstance(error, kind)), EXIT_BAD_DATA)
            log.error("%s failed (%s, %d detail(s)): %s", command.__name__, error.code,
                      len(error.details), error.message)
        except Exception as error:
            # Only the type: a third-party message may quote a source value.
            log.critical("%s crashed: %s (traceback on stderr)", command.__name__,
                         type(error).__name__)
            raise
        log.info("%s finished: exit %d after %.1fs", command.__name__, code,
                 time.perf_counter() - started)
        sys.exit(code)

    return wrapper


def _config(context: click.Context) -> AgentConfig:
    path = context.find_root().obj["config_path"]
    if path is None:
        raise click.UsageError("this command needs the configuration: --config FILE (before "
                               "or after the command) or the HUBLINK_AGENT_CONFIG variable",
                               context)
    config = load_config(path)
    if config.log_file is not None:
        configure_logging(config.log_file, config.log_level, config.log_max_bytes,
                          config.log_backups)
    log.info("%s started (configuration %s)", context.info_name, config.config_path)
    return config


def _locked_sync(config: AgentConfig, **options: Any) -> list[str]:
    """Runs one sync under the sync lock, with a progress bar for a person watching, and
    returns its summary lines. The one place the CLI's scheduled syncs call the sync."""
    from hublink.agent import sync as sync_module
    with sync_lock(config.state_dir), progress(None, "encoding") as advance:
        summary = sync_module.run_sync(config, progress=advance, **options)
    lines = summary.lines()
    for line in lines:
        log.info("%s", line)
    return lines


def _remember_config(context: click.Context, _parameter: click.Parameter,
                     value: Path | None) -> None:
    if value is not None:
        context.find_root().ensure_object(dict)["config_path"] = value


def _config_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--config`` after the command name too: ``hublink-agent sync --config FILE``."""
    return click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
                        expose_value=False, callback=_remember_config,
                        help="The agent's TOML configuration file (also accepted before the "
                             "command, or from HUBLINK_AGENT_CONFIG).")(command)


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
@click.option("--from", "source", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A source file (.csv, .xlsx, .xls): map the columns its header names and report "
                   "the date forms of its first rows (read by the default \"auto\").")
@click.option("--sheet", default=None, help="The worksheet of an .xlsx or .xls --from file.")
@click.option("--enrollments", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --from: a file of enrollments kept apart from the roster, keyed by its "
                   "record key ([enrollment_file]).")
@click.option("--enrollments-sheet", default=None,
              help="The worksheet of an .xlsx or .xls --enrollments file.")
@_edge
def init(path: Path, source: Path | None, sheet: str | None, enrollments: Path | None,
         enrollments_sheet: str | None) -> int:
    """Write a commented configuration to PATH: an example, or guessed from a source file."""
    if path.exists():
        raise ConfigError(f"{path} already exists; refusing to overwrite it")
    if (enrollments or enrollments_sheet) and source is None:
        raise ConfigError("--enrollments and --enrollments-sheet need --from (the roster)")
    guess = None
    if source is not None:
        from hublink.agent.init_from import guess_config
        guess = guess_config(source, sheet, path.parent, enrollments, enrollments_sheet)
    path.write_text(guess.render() if guess else render_example_config(), encoding="utf-8")
    click.echo(f"wrote {path}")
    if guess is not None:
        click.echo("guessed (check each):")
        click.echo("\n".join(f"  {line}" for line in guess.guessed) or "  nothing")
        click.echo("left to declare:")
        click.echo("\n".join(f"  {line}" for line in guess.left))
    click.echo(f"edit it, then run: hublink-agent --config {path} check\n"
               "To sync every night, schedule `sync` with the platform's scheduler "
               "(docs/agent-install.md).")
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
@click.option("--secret-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Secret to fingerprint (default: the configured linkage.secret_file).")
@_config_option
@click.pass_context
@_edge
def fingerprint(context: click.Context, secret_file: Path | None) -> int:
    """Print the fingerprint of a linkage secret, for the coordinator operator."""
    from hublink.agent.keys import read_linkage_secret
    from hublink.shared.linkage_schema import schema_fingerprint
    path = secret_file or _config(context).secret_file
    click.echo(schema_fingerprint(load_linkage_schema(), read_linkage_secret(path)))
    return EXIT_OK


@main.command()
@_config_option
@click.pass_context
@_edge
def check(context: click.Context) -> int:
    """Report every problem in the source; uploads nothing. Exit 1 on problems."""
    text, problems = check_source(_config(context))
    click.echo(text)
    click.echo(f"\n{problems} problem(s) found" if problems else "\nno problems found")
    return EXIT_BAD_DATA if problems else EXIT_OK


@main.command()
@_config_option
@click.pass_context
@_edge
def preview(context: click.Context) -> int:
    """Show exactly what `sync` would send; sends nothing."""
    config = _config(context)
    click.echo(preview_report(config, load_prepared(config), load_linkage_schema().clk_bytes))
    return EXIT_OK


@main.command()
@click.option("--full", is_flag=True, help="Resend every record, not only the changes.")
@_config_option
@click.pass_context
@_edge
def sync(context: click.Context, full: bool) -> int:
    """Send added, changed and deleted records to the coordinator (resumes a killed sync)."""
    for line in _locked_sync(_config(context), full=full):
        click.echo(line)
    return EXIT_OK


@main.command()
@_config_option
@click.pass_context
@_edge
def status(context: click.Context) -> int:
    """Show the last sync: time, counts and outcome."""
    for line in describe_status(_config(context)):
        click.echo(line)
    return EXIT_OK


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV to write: record_key,link_id.")
@_config_option
@click.pass_context
@_edge
def links(context: click.Context, out: Path) -> int:
    """Fetch this partner's link IDs and write them beside the local record keys."""
    summary = fetch_links(_config(context), out)
    click.echo(f"wrote {summary.written} links ({summary.distinct_link_ids} distinct link IDs) "
               f"to {out}; {summary.without_link} current records have no link ID yet "
               f"(sync, then wait for the next match run)")
    return EXIT_OK


class _Duration(click.ParamType):
    name = "DURATION"

    def convert(self, value: Any, parameter: click.Parameter | None,
                context: click.Context | None) -> int:
        from hublink.agent.schedule import MINIMUM_INTERVAL_SECONDS, parse_duration
        if isinstance(value, int):
            return value
        try:
            seconds = parse_duration(value)
        except ValueError as error:
            self.fail(str(error), parameter, context)
        if seconds < MINIMUM_INTERVAL_SECONDS:
            self.fail(f"{value!r} is shorter than {MINIMUM_INTERVAL_SECONDS} seconds",
                      parameter, context)
        return seconds


@main.command()
@click.option("--every", "interval", type=_Duration(), required=True,
              help="Time from the start of one sync to the next: 30m, 6h, 24h, 1d.")
@_config_option
@click.pass_context
@_edge
def run(context: click.Context, interval: int) -> int:
    """Containers only: sync now, then every DURATION, until SIGTERM.

    Elsewhere let the platform's scheduler start `sync` (systemd timer, cron, Windows Task
    Scheduler: see docs/agent-install.md). A failed sync is logged and retried at the next
    interval; a configuration error stops the loop with exit 3.
    """
    from hublink.agent.schedule import run_every
    config = _config(context)

    def sync_once() -> None:
        for line in _locked_sync(config):
            click.echo(line)

    click.echo(run_every(interval, sync_once))
    return EXIT_OK
