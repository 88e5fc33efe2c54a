"""``hublink-coordinator match ...``, ``runs``, ``worker`` and ``link-history``: command wiring only.

Defaults and the settings' validation come from the code that owns them: ``MatchSettings``
(checked before a run is queued, so a bad value is a usage error, never a queued run bound to
fail) and ``jobs.queue``'s lease and poll defaults. The matching engine is imported only by the
commands that use it: it would slow every command's start.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from hublink.coordinator.cli_home import open_home
from hublink.coordinator.jobs.queue import DEFAULT_LEASE_SECONDS, DEFAULT_POLL_SECONDS

__all__ = ["register"]

_SCHEDULER_HELP = "Address of a Dask scheduler (a cluster); default: worker processes on this machine."


def _client(scheduler: str | None) -> Any:
    if not scheduler:
        return None
    from dask.distributed import Client
    return Client(scheduler)


def _chosen_settings(threshold: float | None, within_threshold: float | None,
                     merge_threshold: float | None) -> Any:
    """Returns the match settings of the options given; a usage error names every problem."""
    from hublink.coordinator.matching import InvalidMatchInput, MatchSettings
    chosen = {"threshold": threshold, "within_threshold": within_threshold,
              "merge_threshold": merge_threshold}
    try:
        return MatchSettings.from_dict({key: value for key, value in chosen.items()
                                        if value is not None})
    except InvalidMatchInput as error:
        raise click.UsageError(str(error)) from None


def progress_text(run: Any) -> str:
    """Returns a running run's stage and comparisons, as its progress record left them."""
    if run.status != "running":
        return ""
    total = f" of {run.comparisons_total:,}" if run.comparisons_total else ""
    return f" {run.stage or '-'}: {run.comparisons_done:,}{total} comparisons"


def register(main: click.Group, edge) -> None:  # type: ignore[no-untyped-def]
    """Adds the match-run commands to the ``main`` group, each wrapped by ``edge``."""

    @main.group(invoke_without_command=True)
    @click.option("--threshold", type=float, default=None,
                  help="Dice threshold for links across partners (default: estimated for each "
                       "run from its own similarities; see `match review`).")
    @click.option("--within-threshold", type=float, default=None,
                  help="Dice threshold for duplicates within one partner (default: estimated "
                       "for each run).")
    @click.option("--merge-threshold", type=float, default=None,
                  help="Share of agreeing pairs the solver needs to join a record to a group (default: "
                       "the solver's DEFAULT_MERGE_THRESHOLD; two groups of several records need "
                       "at least GROUP_MERGE_THRESHOLD; see docs/linkage-schema.md).")
    @click.option("--scheduler", default=None, envvar="HUBLINK_DASK_SCHEDULER", help=_SCHEDULER_HELP)
    @click.option("--queue-only", is_flag=True,
                  help="Only queue the run for a `worker`; print its id and return.")
    @click.option("--full", is_flag=True,
                  help="Match every record again; by default a run re-links only the records "
                       "that changes since the last run touched, when that gives the same result.")
    @click.pass_context
    @edge
    def match(context: click.Context, threshold: float | None, within_threshold: float | None,
              merge_threshold: float | None, scheduler: str | None, queue_only: bool,
              full: bool) -> None:
        """Queue a match run (every partner's current records, across and within partners),
        run it here unless a worker took it first, and wait for the result. A run re-links only
        what changed since the last run (incremental) unless --full is given or that is not
        possible."""
        if context.invoked_subcommand is not None:
            return
        from hublink.coordinator.jobs.queue import enqueue_run
        from hublink.coordinator.jobs.worker import run_or_wait
        from hublink.coordinator.registry import get_project
        settings = _chosen_settings(threshold, within_threshold, merge_threshold)
        home = open_home(context)
        get_project(home.database)
        run_id = enqueue_run(home.database, settings, full=full)
        if queue_only:
            click.echo(f"queued match run {run_id}")
            return
        run = run_or_wait(home, run_id, client=_client(scheduler))
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
    @edge
    def match_cancel(context: click.Context, run: int) -> None:
        """Cancel match run RUN: a queued run never starts; a running one stops at its next
        checkpoint. The current links stay as they are."""
        from hublink.coordinator.jobs.queue import request_cancel
        status = request_cancel(open_home(context).database, run)
        click.echo(f"match run {run}: {status}")

    @match.command("review")
    @click.argument("run", type=int)
    @click.pass_context
    @edge
    def match_review(context: click.Context, run: int) -> None:
        """Review the thresholds of match run RUN: how each stage's threshold was chosen and
        why, similarity histograms as counts, estimated matches and look-alikes, records near
        the threshold. Counts only: no pair's or record's score."""
        from hublink.coordinator.jobs.queue import get_run
        from hublink.coordinator.matching.review import review_lines
        found = get_run(open_home(context).database, run)
        if not found.review:
            click.echo(f"error: match run {run} has no review ({found.status})", err=True)
            sys.exit(1)
        click.echo(f"match run {run} ({found.status}, {found.record_count:,} records, "
                   f"{found.entity_count:,} entities)")
        click.echo("\n".join(review_lines(found.review)))

    @main.command()
    @click.option("--limit", type=int, default=20, show_default=True)
    @click.pass_context
    @edge
    def runs(context: click.Context, limit: int) -> None:
        """List the newest match runs with their status and progress."""
        from hublink.coordinator.jobs.queue import list_runs
        for run in list_runs(open_home(context).database, limit):
            figures = (f" {run.mode or 'full'} {run.record_count} records, {run.entity_count} "
                       f"entities, {run.seconds:.1f}s" if run.status == "succeeded" else "")
            click.echo(f"run {run.id:>5} {run.status:<10} attempts {run.attempts}"
                       f"{progress_text(run)}{figures}" + (f" error {run.error}" if run.error else ""))

    @main.command()
    @click.option("--once", is_flag=True, help="Take at most one queued run, then exit.")
    @click.option("--poll-seconds", type=float, default=DEFAULT_POLL_SECONDS, show_default=True,
                  help="How often an idle worker looks for queued runs.")
    @click.option("--lease-seconds", type=float, default=DEFAULT_LEASE_SECONDS, show_default=True,
                  help="How long a run stays this worker's without a heartbeat; a run whose "
                       "worker died is retried after this.")
    @click.option("--scheduler", default=None, envvar="HUBLINK_DASK_SCHEDULER", help=_SCHEDULER_HELP)
    @click.pass_context
    @edge
    def worker(context: click.Context, once: bool, poll_seconds: float, lease_seconds: float,
               scheduler: str | None) -> None:
        """Run queued match runs from the database; safe with several workers. Exit 1 with
        --once when the run taken did not succeed."""
        from hublink.coordinator.jobs.worker import run_next, serve_queue
        from hublink.coordinator.registry import get_project
        home = open_home(context)
        get_project(home.database)
        client = _client(scheduler)

        def report(outcome: Any) -> None:
            click.echo(f"match run {outcome.run_id}: {outcome.status}"
                       + (f" ({outcome.error})" if outcome.error else ""),
                       err=outcome.error is not None)

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

    @main.command("link-history")
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.pass_context
    @edge
    def link_history(context: click.Context, out: Path) -> None:
        """Write the merges and splits of entities between runs, for analysts following youth
        over years: match_run,at,kind,from_link_id,to_link_id,records (hub-wide link IDs)."""
        from hublink.coordinator.jobs.history import export_link_history
        from hublink.coordinator.registry import get_project
        home = open_home(context)
        get_project(home.database)
        rows = export_link_history(home, out)
        click.echo(f"wrote {rows} rows to {out}")
