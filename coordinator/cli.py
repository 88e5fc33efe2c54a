"""``hublink-coordinator``: command wiring only; the work lives in the modules it calls.

This module holds the group, the home, key and audit commands; the others come by command group
from ``cli_partners`` (partners, tokens), ``cli_match`` (match runs, workers) and
``cli_projects`` (projects, publication, housekeeping).

Exit codes: 0 success, 1 refused or failed, 2 usage error.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from hublink.coordinator import cli_match, cli_partners, cli_projects
from hublink.coordinator.cli_home import existing_home, open_home
from hublink.coordinator.home import CoordinatorHome, resolve_home
from hublink.coordinator.outputs.export import EXPORT_FORMATS
from hublink.coordinator.registry import LINK_SCOPES
from hublink.shared.errors import HublinkError


def _edge(command: Callable[..., None]) -> Callable[..., None]:
    """Turns domain errors into one line on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except HublinkError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="State folder (default: $HUBLINK_HOME or ./hublink-home).")
@click.pass_context
def main(context: click.Context, home: Path | None) -> None:
    """Hub coordinator: receives encodings, matches, serves link IDs and outputs."""
    context.ensure_object(dict)
    context.obj["home"] = resolve_home(home)


@main.command()
@click.option("--link-scope", type=click.Choice(LINK_SCOPES), default=LINK_SCOPES[0],
              show_default=True,
              help="partner: each partner sees its own pseudonymous link IDs; hub: all share one.")
@click.pass_context
@_edge
def init(context: click.Context, link_scope: str) -> None:
    """Create the database, the linkage project and (if absent) attributes.toml, the
    declarations of the attributes the hub accepts; safe to re-run after every upgrade."""
    from hublink.coordinator.attribute_declarations import (DECLARATIONS_FILE,
                                                            load_declarations,
                                                            write_declarations)
    from hublink.coordinator.registry import init_project
    home = CoordinatorHome(context.obj["home"])
    init_project(home.database, link_scope)
    wrote = write_declarations(home.path)
    declared = load_declarations(home.path)
    home.restrict_permissions()
    click.echo(f"initialised {home.path} (link scope: {link_scope})")
    click.echo(f"{'wrote' if wrote else 'kept'} {home.path / DECLARATIONS_FILE}: "
               f"{len(declared)} declared attributes ({', '.join(sorted(declared))})")


@main.group()
def audit() -> None:
    """Check the hash-chained audit log."""


@audit.command("verify")
@click.pass_context
@_edge
def audit_verify(context: click.Context) -> None:
    """Walk the audit log's hash chain; exit 1 and list every problem if an entry was altered
    or deleted. Keep the printed head hash elsewhere: it also exposes a rewrite of the log."""
    from hublink.coordinator.registry import get_project
    from hublink.coordinator.storage.audit import verify_log
    database = open_home(context).database
    get_project(database)
    result = verify_log(database)
    if result.problems:
        for problem in result.problems:
            click.echo(f"problem: {problem}")
        click.echo(f"audit log damaged: {len(result.problems)} problems in {result.entries} "
                   f"entries")
        sys.exit(1)
    click.echo(f"audit log intact: {result.entries} entries")
    if result.head is not None:
        click.echo(f"head: entry {result.head.entry}, hash {result.head.hash}")


@main.command("rotate-data-key")
@click.pass_context
@_edge
def rotate_data_key_command(context: click.Context) -> None:
    """Seal every stored CLK, attribute set and spooled chunk under a new data key."""
    from hublink.coordinator.storage.rekey import rotate_data_key
    counts = rotate_data_key(open_home(context))
    click.echo(f"data key {counts['key']} is current: re-sealed {counts['encodings']} encodings, "
               f"{counts['attributes']} attribute sets and {counts['spooled_chunks']} spooled "
               "chunks; older keys were retired")


@main.command("rotate-key")
@click.option("--fingerprint", required=True,
              help="The new secret's fingerprint, from the key custodian's `hublink-agent fingerprint`.")
@click.pass_context
@_edge
def rotate_key(context: click.Context, fingerprint: str) -> None:
    """Accept syncs under a new linkage secret; matching resumes once every partner re-synced."""
    from hublink.coordinator.linkage_secret import announce_key_rotation
    announce_key_rotation(open_home(context).database, fingerprint.strip().lower())
    click.echo("key rotation announced: each partner's next sync re-encodes everything under the "
               "new secret; `match` refuses mixed secrets until all have synced")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=int)
@click.pass_context
@_edge
def serve(context: click.Context, host: str, port: int) -> None:
    """Serve the HTTP API."""
    from werkzeug.serving import run_simple

    from hublink.coordinator.api.security import PathOnlyRequestHandler
    from hublink.coordinator.app import create_app, home_of
    from hublink.coordinator.registry import get_project
    app = create_app({"HOME": str(existing_home(context))})
    get_project(home_of(app).database)
    click.echo(f"serving {context.obj['home']} on http://{host}:{port}")
    run_simple(host, port, app, threaded=True, request_handler=PathOnlyRequestHandler)


@main.command()
@click.option("--project", "project_name", required=True,
              help="The approved data-sharing project whose partners and attributes it holds.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "file_format", type=click.Choice(EXPORT_FORMATS), default=EXPORT_FORMATS[0],
              show_default=True)
@click.pass_context
@_edge
def export(context: click.Context, project_name: str, out: Path, file_format: str) -> None:
    """Write a project's linked de-identified dataset, one row per enrollment (or record).

    Columns: link_id,partner,<the project's attributes>.
    """
    from hublink.coordinator.outputs.export import export_linked_dataset
    rows = export_linked_dataset(open_home(context), out, project_name, file_format=file_format)
    click.echo(f"wrote {rows} rows to {out}")


@main.command()
@click.pass_context
@_edge
def status(context: click.Context) -> None:
    """Show partners, the last sync of each, and the last match."""
    from hublink.coordinator.status import hub_status
    state = hub_status(open_home(context))
    click.echo(f"link scope: {state['link_scope']}; schema: {state['schema_id'] or '-'}")
    for item in state["partners"]:
        click.echo(f"  {item['name']:<32} records {item['records']:>8}  "
                   f"last sync {item['last_sync'] or 'never'}")
    run = state["last_match"]
    click.echo("last match: never" if run is None else
               f"last match: run {run['id']} {run['status']} at {run['finished_at']}: "
               f"{run['records']} records, {run['entities']} entities, {run['seconds']}s")
    for active in state.get("active_matches", []):
        total = f" of {active['comparisons_total']:,}" if active["comparisons_total"] else ""
        click.echo(f"match run {active['id']} {active['status']}: {active['stage'] or '-'}, "
                   f"{active['comparisons_done']:,}{total} comparisons")


@main.command()
@click.argument("project")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for PROJECT-report.html and PROJECT-report.pdf.")
@click.pass_context
@_edge
def report(context: click.Context, project: str, out: Path) -> None:
    """Write the printable report of public PROJECT as HTML and PDF (PDF by headless Chromium)."""
    from hublink.coordinator.app import create_app
    from hublink.coordinator.web.report import write_report
    app = create_app({"HOME": str(existing_home(context))})
    html_path, pdf_path = write_report(app, project, out)
    click.echo(f"wrote {html_path}")
    click.echo(f"wrote {pdf_path}")


for _commands in (cli_partners, cli_match, cli_projects):
    _commands.register(main, _edge)
