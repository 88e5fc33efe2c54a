"""``hublink-coordinator``: command wiring only; the work lives in the modules it calls.

Exit codes: 0 success, 1 refused or failed, 2 usage error.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from hublink.coordinator.cli_home import existing_home, open_home
from hublink.coordinator.home import CoordinatorHome, resolve_home
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
@click.option("--link-scope", type=click.Choice(["partner", "hub"]), default="partner",
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
def partner() -> None:
    """Manage partners."""


@partner.command("add")
@click.argument("name")
@click.pass_context
@_edge
def partner_add(context: click.Context, name: str) -> None:
    """Register partner NAME and print its API token once, as the last line."""
    from hublink.coordinator.registry import add_partner
    _, token = add_partner(open_home(context.find_root()).database, name)
    click.echo(f"partner {name!r} registered; its API token (shown only now):")
    click.echo(token)


@partner.command("list")
@click.pass_context
@_edge
def partner_list(context: click.Context) -> None:
    """List partners: records and time of the last sync, usable tokens, disabled or not."""
    from hublink.coordinator.registry import list_partners

    def moment(value: Any) -> str:
        return f"{value:%Y-%m-%d %H:%M}" if value else "-"

    click.echo(f"{'partner':<32}  {'records':>8}  {'last sync':<16}  {'tokens':>6}  "
               f"{'created':<16}  status")
    for info in list_partners(open_home(context).database):
        state = f"disabled {moment(info.disabled_at)}" if info.disabled_at else "enabled"
        click.echo(f"{info.name:<32}  {info.records:>8}  {moment(info.last_sync_at):<16}  "
                   f"{info.active_tokens:>6}  {moment(info.created_at):<16}  {state}")


@partner.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.pass_context
@_edge
def partner_rename(context: click.Context, name: str, new_name: str) -> None:
    """Rename partner NAME to NEW_NAME; its tokens, records and link IDs stay its own."""
    from hublink.coordinator.registry import rename_partner
    rename_partner(open_home(context).database, name, new_name)
    click.echo(f"partner {name!r} is now {new_name!r}")


@partner.command("disable")
@click.argument("name")
@click.pass_context
@_edge
def partner_disable(context: click.Context, name: str) -> None:
    """Refuse every token of partner NAME from its next request on (audited); its records
    stay until it is enabled again or removed."""
    from hublink.coordinator.registry import set_partner_disabled
    changed = set_partner_disabled(open_home(context).database, name, True)
    click.echo(f"partner {name!r} {'disabled' if changed else 'was already disabled'}: its "
               "tokens are refused")


@partner.command("enable")
@click.argument("name")
@click.pass_context
@_edge
def partner_enable(context: click.Context, name: str) -> None:
    """Accept the tokens of a disabled partner NAME again (audited)."""
    from hublink.coordinator.registry import set_partner_disabled
    changed = set_partner_disabled(open_home(context).database, name, False)
    click.echo(f"partner {name!r} {'enabled' if changed else 'was not disabled'}")


@main.group()
def token() -> None:
    """Issue, list and revoke API tokens (operator, partner, analyst, viewer)."""


@token.command("issue")
@click.option("--role", type=click.Choice(["operator", "partner", "analyst", "viewer", "approver"]),
              required=True, help="operator: every endpoint; partner: its syncs, links and "
                                  "status; analyst: one project's export and tables; viewer: "
                                  "hub counts and published tables; approver: approves projects.")
@click.option("--partner", "partner_name", default=None, help="The partner (partner role only).")
@click.option("--project", "project_name", default=None,
              help="The data-sharing project (analyst role only).")
@click.option("--label", default=None, help="Who or what holds the token, e.g. 'SEE evaluation'.")
@click.option("--expires", default=None, help="Lifetime such as 12h, 90d or 8w (default: 365d "
                                              "partner, 30d analyst, 90d operator and viewer).")
@click.pass_context
@_edge
def token_issue(context: click.Context, role: str, partner_name: str | None,
                project_name: str | None, label: str | None, expires: str | None) -> None:
    """Issue a token and print it once, as the last line; only its hash is kept."""
    from hublink.coordinator.registry import get_project
    from hublink.coordinator.tokens import issue_token, parse_lifetime
    database = open_home(context.find_root()).database
    get_project(database)
    info, secret = issue_token(database, role, partner=partner_name, label=label,
                               project=project_name,
                               lifetime=parse_lifetime(expires) if expires else None)
    click.echo(f"token {info.id} ({role}{', ' + partner_name if partner_name else ''}) expires "
               f"{info.expires_at:%Y-%m-%d %H:%M} UTC; the token (shown only now):")
    click.echo(secret)


@token.command("list")
@click.pass_context
@_edge
def token_list(context: click.Context) -> None:
    """List every token's id, role, partner, label and dates; never the token itself."""
    from hublink.coordinator.registry import get_project
    from hublink.coordinator.tokens import list_tokens
    database = open_home(context.find_root()).database
    get_project(database)

    def day(moment: Any) -> str:
        return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"

    click.echo(f"{'id':>4}  {'role':<8}  {'partner':<20}  {'created':<16}  {'expires':<16}  "
               f"{'last used':<16}  {'revoked':<16}  label")
    for info in list_tokens(database):
        click.echo(f"{info.id:>4}  {info.role:<8}  {info.partner or '-':<20}  "
                   f"{day(info.created_at):<16}  {day(info.expires_at):<16}  "
                   f"{day(info.last_used_at):<16}  {day(info.revoked_at):<16}  {info.label or ''}")


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@click.pass_context
@_edge
def token_revoke(context: click.Context, token_id: int) -> None:
    """Revoke token ID at once (see `token list`); its next request gets 401."""
    from hublink.coordinator.tokens import revoke_token
    info = revoke_token(open_home(context.find_root()).database, token_id)
    click.echo(f"token {info.id} ({info.role}) revoked at {info.revoked_at:%Y-%m-%d %H:%M} UTC")


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
    database = open_home(context.find_root()).database
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
    from hublink.coordinator.registry import announce_key_rotation
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


@main.group(invoke_without_command=True)
@click.option("--threshold", type=float, default=None,
              help="Dice threshold for links across partners (default: estimated for each run "
                   "from its own similarities; see `match review`).")
@click.option("--within-threshold", type=float, default=None,
              help="Dice threshold for duplicates within one partner (default: estimated "
                   "for each run).")
@click.option("--merge-threshold", type=float, default=None,
              help="Share of agreeing pairs the solver needs to merge two groups (default: 0.8).")
@click.option("--scheduler", default=None, envvar="HUBLINK_DASK_SCHEDULER",
              help="Address of a Dask scheduler (a cluster); default: worker processes on this machine.")
@click.option("--queue-only", is_flag=True,
              help="Only queue the run for a `worker`; print its id and return.")
@click.option("--full", is_flag=True,
              help="Match every record again; by default a run re-links only the records that "
                   "changes since the last run touched, when that gives the same result.")
@click.pass_context
@_edge
def match(context: click.Context, threshold: float | None, within_threshold: float | None,
          merge_threshold: float | None, scheduler: str | None, queue_only: bool, full: bool) -> None:
    """Queue a match run (every partner's current records, across and within partners), run it
    here unless a worker took it first, and wait for the result. A run re-links only what
    changed since the last run (incremental) unless --full is given or that is not possible."""
    if context.invoked_subcommand is not None:
        return
    from hublink.coordinator.jobs.queue import enqueue_run
    from hublink.coordinator.jobs.worker import run_or_wait
    from hublink.coordinator.registry import get_project
    chosen = {"threshold": threshold, "within_threshold": within_threshold,
              "merge_threshold": merge_threshold}
    home = open_home(context)
    get_project(home.database)
    run_id = enqueue_run(home.database, {key: value for key, value in chosen.items()
                                         if value is not None}, full=full)
    if queue_only:
        click.echo(f"queued match run {run_id}")
        return
    client = None
    if scheduler:
        from dask.distributed import Client
        client = Client(scheduler)
    run = run_or_wait(home, run_id, client=client)
    if run.status != "succeeded":
        click.echo(f"error: match run {run_id} {run.status}"
                   + (f" ({run.error})" if run.error else ""), err=True)
        sys.exit(1)
    changed = (f", {run.changed_records} records added, changed or deleted"
               if run.mode == "incremental" else "")
    click.echo(f"matched {run.record_count} records into {run.entity_count} entities "
               f"in {run.seconds:.1f} seconds (run {run_id}, {run.mode}{changed})")


@match.command("cancel")
@click.argument("run", type=int)
@click.pass_context
@_edge
def match_cancel(context: click.Context, run: int) -> None:
    """Cancel match run RUN: a queued run never starts; a running one stops at its next
    checkpoint. The current links stay as they are."""
    from hublink.coordinator.jobs.queue import request_cancel
    status = request_cancel(open_home(context.find_root()).database, run)
    click.echo(f"match run {run}: {status}")


@match.command("review")
@click.argument("run", type=int)
@click.pass_context
@_edge
def match_review(context: click.Context, run: int) -> None:
    """Review the thresholds of match run RUN: how each stage's threshold was chosen and why,
    similarity histograms as counts, estimated matches and look-alikes, records near the
    threshold. Counts only: no pair's or record's score."""
    from hublink.coordinator.jobs.queue import get_run
    from hublink.coordinator.matching.review import review_lines
    found = get_run(open_home(context.find_root()).database, run)
    if not found.review:
        click.echo(f"error: match run {run} has no review ({found.status})", err=True)
        sys.exit(1)
    click.echo(f"match run {run} ({found.status}, {found.record_count:,} records, "
               f"{found.entity_count:,} entities)")
    click.echo("\n".join(review_lines(found.review)))


def _progress(run: Any) -> str:
    if run.status != "running":
        return ""
    total = f" of {run.comparisons_total:,}" if run.comparisons_total else ""
    return f" {run.stage or '-'}: {run.comparisons_done:,}{total} comparisons"


@main.command()
@click.option("--limit", type=int, default=20, show_default=True)
@click.pass_context
@_edge
def runs(context: click.Context, limit: int) -> None:
    """List the newest match runs with their status and progress."""
    from hublink.coordinator.jobs.queue import list_runs
    for run in list_runs(open_home(context).database, limit):
        figures = (f" {run.mode or 'full'} {run.record_count} records, {run.entity_count} entities, "
                   f"{run.seconds:.1f}s" if run.status == "succeeded" else "")
        click.echo(f"run {run.id:>5} {run.status:<10} attempts {run.attempts}"
                   f"{_progress(run)}{figures}" + (f" error {run.error}" if run.error else ""))


@main.command()
@click.option("--once", is_flag=True, help="Take at most one queued run, then exit.")
@click.option("--poll-seconds", type=float, default=5.0, show_default=True,
              help="How often an idle worker looks for queued runs.")
@click.option("--lease-seconds", type=float, default=60.0, show_default=True,
              help="How long a run stays this worker's without a heartbeat; a run whose "
                   "worker died is retried after this.")
@click.option("--scheduler", default=None, envvar="HUBLINK_DASK_SCHEDULER",
              help="Address of a Dask scheduler (a cluster); default: worker processes on this machine.")
@click.pass_context
@_edge
def worker(context: click.Context, once: bool, poll_seconds: float, lease_seconds: float,
           scheduler: str | None) -> None:
    """Run queued match runs from the database; safe with several workers. Exit 1 with --once
    when the run taken did not succeed."""
    from hublink.coordinator.jobs.worker import run_next, serve_queue
    from hublink.coordinator.registry import get_project
    home = open_home(context)
    get_project(home.database)
    client = None
    if scheduler:
        from dask.distributed import Client
        client = Client(scheduler)

    def report(outcome: Any) -> None:
        click.echo(f"match run {outcome.run_id}: {outcome.status}"
                   + (f" ({outcome.error})" if outcome.error else ""), err=outcome.error is not None)

    if not once:
        click.echo(f"worker on {home.path}: waiting for match runs")
        serve_queue(home, lease_seconds, poll_seconds, client, report)
        return
    outcome = run_next(home, lease_seconds, client)
    if outcome is None:
        click.echo("no queued match run")
        return
    report(outcome)
    if outcome.status != "succeeded":
        sys.exit(1)


@main.command()
@click.option("--project", "project_name", required=True,
              help="The approved data-sharing project whose partners and attributes it holds.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "file_format", type=click.Choice(["csv", "parquet"]), default="csv",
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


@main.command("link-history")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
@_edge
def link_history(context: click.Context, out: Path) -> None:
    """Write the merges and splits of entities between runs, for analysts following youth over
    years: match_run,at,kind,from_link_id,to_link_id,records (hub-wide link IDs)."""
    from hublink.coordinator.jobs.history import export_link_history
    from hublink.coordinator.registry import get_project
    home = open_home(context)
    get_project(home.database)
    rows = export_link_history(home, out)
    click.echo(f"wrote {rows} rows to {out}")


from hublink.coordinator.cli_projects import register as _register_projects  # noqa: E402

_register_projects(main, _edge)


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
    app = create_app({"HOME": str(context.obj["home"])})
    html_path, pdf_path = write_report(app, project, out)
    click.echo(f"wrote {html_path}")
    click.echo(f"wrote {pdf_path}")
