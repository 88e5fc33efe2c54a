"""``hublink-coordinator project ...``, ``publish`` and ``housekeeping``: command wiring only."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from hublink.coordinator.cli_home import open_home
from hublink.coordinator.outputs.quality import DEFAULT_GAP

__all__ = ["register"]


def _show(info) -> str:  # type: ignore[no-untyped-def]
    return (f"{info.name:<24} {info.status:<9} expires {info.expires}  k={info.k}  "
            f"{'public' if info.public else 'viewers'}  {len(info.partners)} partners  "
            f"{info.title}")


def register(main: click.Group, edge) -> None:  # type: ignore[no-untyped-def]
    """Adds the project commands to the ``main`` group, each wrapped by ``edge``."""

    @main.group()
    def project() -> None:
        """Data-sharing projects: create, approve, list, show, close, purge."""

    @project.command("create")
    @click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
    @click.pass_context
    @edge
    def project_create(context: click.Context, file: Path) -> None:
        """Load project FILE (TOML) as a draft; every problem in it is listed at once."""
        from hublink.coordinator.projects import create_project
        info = create_project(open_home(context), file)
        click.echo(f"project {info.name!r} created as a draft; an approver must now run "
                   f"`hublink-coordinator project approve {info.name}`")

    @project.command("approve")
    @click.argument("name")
    @click.option("--token-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                  default=None, help="File holding an approver token (or $HUBLINK_TOKEN).")
    @click.pass_context
    @edge
    def project_approve(context: click.Context, name: str, token_file: Path | None) -> None:
        """Approve project NAME with an approver token named among its approvers."""
        from hublink.coordinator.projects import approve_project
        token = token_file.read_text().strip() if token_file else os.environ.get("HUBLINK_TOKEN")
        info = approve_project(open_home(context), name, token)
        click.echo(f"project {info.name!r} approved by {info.approved_by}")

    @project.command("list")
    @click.pass_context
    @edge
    def project_list(context: click.Context) -> None:
        """List every project with its status and expiry."""
        from hublink.coordinator.projects import list_projects
        for info in list_projects(open_home(context)):
            click.echo(_show(info))

    @project.command("show")
    @click.argument("name")
    @click.pass_context
    @edge
    def project_show(context: click.Context, name: str) -> None:
        """Show project NAME: purpose, partners, attributes, tables, approval."""
        from hublink.coordinator.projects import get_project
        info = get_project(open_home(context), name)
        click.echo(_show(info))
        click.echo(f"purpose: {info.purpose}")
        click.echo(f"partners: {', '.join(info.partners)}")
        click.echo(f"attributes: {', '.join(info.attributes)}")
        click.echo(f"tables: {', '.join(info.tables)}")
        click.echo(f"created by {info.created_by}; approved by {info.approved_by or '-'}")

    @project.command("close")
    @click.argument("name")
    @click.pass_context
    @edge
    def project_close(context: click.Context, name: str) -> None:
        """Close project NAME: no more exports or publications; its analyst tokens are revoked."""
        from hublink.coordinator.projects import close_project
        close_project(open_home(context), name)
        click.echo(f"project {name!r} closed")

    @project.command("purge")
    @click.argument("name")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.pass_context
    @edge
    def project_purge(context: click.Context, name: str, yes: bool) -> None:
        """Destroy project NAME's outputs, files, tokens, and the records no other live
        project needs; writes a destruction record to the audit log."""
        from hublink.coordinator.projects import purge_project
        if not yes:
            click.confirm(f"destroy everything of project {name!r}?", abort=True)
        counts = purge_project(open_home(context), name)
        click.echo(f"project {name!r} purged: " + ", ".join(f"{value} {key}"
                                                          for key, value in counts.items()))

    @main.command()
    @click.argument("name")
    @click.pass_context
    @edge
    def publish(context: click.Context, name: str) -> None:
        """Publish project NAME's tables from the last match run, after disclosure control
        (refused, with the reason, when a hidden count cannot be protected)."""
        from hublink.coordinator.outputs.publish import publish_project
        prepared = publish_project(open_home(context), name)
        hidden = ", ".join(f"{count} {reason}" for reason, count in sorted(prepared.suppressed.items()))
        click.echo(f"published {len(prepared.tables)} tables of {name!r}; hidden counts: "
                   f"{hidden or 'none'}")

    @main.command("published")
    @click.argument("name")
    @click.option("--table", default=None, help="One table (default: every table).")
    @click.pass_context
    @edge
    def published(context: click.Context, name: str, table: str | None) -> None:
        """Print project NAME's latest published tables as JSON (what the API serves)."""
        from hublink.coordinator.outputs.publish import published_tables
        tables = [t for t in published_tables(open_home(context), name)
                  if table is None or t["table"] == table]
        click.echo(json.dumps(tables, indent=1))

    @main.command("quality-report")
    @click.option("--gap", type=float, default=DEFAULT_GAP, show_default=True,
                  envvar="HUBLINK_EQUITY_GAP",
                  help="Warn when groups' match rates differ by more than this "
                       "(also HUBLINK_EQUITY_GAP).")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @click.pass_context
    @edge
    def quality_report_command(context: click.Context, gap: float, as_json: bool) -> None:
        """Linkage quality and equity of the last match run (operator only): match rates by
        race/ethnicity, gender, age band and partner, entity sizes, warnings; counts only."""
        from hublink.coordinator.outputs.quality import quality_report
        report = quality_report(open_home(context), gap)
        if as_json:
            click.echo(json.dumps(report, indent=1))
            return
        click.echo(f"match run {report['run_id']}: {report['records']} records, "
                   f"{report['entities']} entities; entity sizes "
                   + ", ".join(f"{size}: {count}" for size, count in report["entity_sizes"].items()))
        for title, groups in [*report["by_attribute"].items(), ("partner", report["by_partner"])]:
            click.echo(f"{title}:")
            for group, figures in groups.items():
                click.echo(f"  {group:<32} {figures['records']:>8} records "
                           f"{figures['match_rate']:>7.1%} linked to another partner")
        near = report["records_near_threshold"]
        if near is None:
            click.echo("records near the threshold: the run kept no threshold review")
        else:
            for stage, count in near["stages"].items():
                click.echo(f"records with a best-match pair within {near['near']} of the "
                           f"{stage} threshold: {count}")
        click.echo(f"warning gap between groups' match rates: {report['gap']:.1%}")
        for warning in report["warnings"]:
            click.echo(f"warning: {warning}")

    @main.command()
    @click.pass_context
    @edge
    def housekeeping(context: click.Context) -> None:
        """Purge every project whose expiry date has passed (run it daily from a timer)."""
        from hublink.coordinator.projects import housekeeping as run_housekeeping
        purged = run_housekeeping(open_home(context))
        click.echo(f"purged {len(purged)} expired projects" + (f": {', '.join(purged)}"
                                                               if purged else ""))
