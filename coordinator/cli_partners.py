"""``hublink-coordinator partner ...`` and ``token ...``: command wiring only.

The roles and token lifetimes offered are ``tokens.ROLES`` and ``tokens.DEFAULT_LIFETIMES``:
a role added there appears here and in docs/cli.md without another edit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click

from hublink.coordinator.cli_home import open_home
from hublink.coordinator.tokens import DEFAULT_LIFETIMES, ROLES

__all__ = ["register"]

_ROLE_HELP = {"operator": "every endpoint", "partner": "its syncs, links and status",
              "analyst": "one project's export and tables",
              "viewer": "hub counts and published tables", "approver": "approves projects"}


def _lifetime_text(lifetime: timedelta) -> str:
    days = lifetime.days
    return f"{days // 7}w" if days % 7 == 0 else f"{days}d"


def _moment(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


def _defaults_help() -> str:
    by_lifetime: dict[str, list[str]] = {}
    for role in ROLES:
        by_lifetime.setdefault(_lifetime_text(DEFAULT_LIFETIMES[role]), []).append(role)
    return ", ".join(f"{text} {' and '.join(roles)}" for text, roles in by_lifetime.items())


def register(main: click.Group, edge) -> None:  # type: ignore[no-untyped-def]
    """Adds the partner and token commands to the ``main`` group, each wrapped by ``edge``."""

    @main.group()
    def partner() -> None:
        """Manage partners."""

    @partner.command("add")
    @click.argument("name")
    @click.pass_context
    @edge
    def partner_add(context: click.Context, name: str) -> None:
        """Register partner NAME and print its API token once, as the last line."""
        from hublink.coordinator.registry import add_partner
        _, token = add_partner(open_home(context).database, name)
        click.echo(f"partner {name!r} registered; its API token (shown only now):")
        click.echo(token)

    @partner.command("list")
    @click.pass_context
    @edge
    def partner_list(context: click.Context) -> None:
        """List partners: records and time of the last sync, usable tokens, disabled or not."""
        from hublink.coordinator.registry import list_partners
        click.echo(f"{'partner':<32}  {'records':>8}  {'last sync':<16}  {'tokens':>6}  "
                   f"{'created':<16}  status")
        for info in list_partners(open_home(context).database):
            state = f"disabled {_moment(info.disabled_at)}" if info.disabled_at else "enabled"
            click.echo(f"{info.name:<32}  {info.records:>8}  {_moment(info.last_sync_at):<16}  "
                       f"{info.active_tokens:>6}  {_moment(info.created_at):<16}  {state}")

    @partner.command("rename")
    @click.argument("name")
    @click.argument("new_name")
    @click.pass_context
    @edge
    def partner_rename(context: click.Context, name: str, new_name: str) -> None:
        """Rename partner NAME to NEW_NAME; its tokens, records and link IDs stay its own."""
        from hublink.coordinator.registry import rename_partner
        rename_partner(open_home(context).database, name, new_name)
        click.echo(f"partner {name!r} is now {new_name!r}")

    @partner.command("disable")
    @click.argument("name")
    @click.pass_context
    @edge
    def partner_disable(context: click.Context, name: str) -> None:
        """Refuse every token of partner NAME, and operators acting for it, from its next
        request on (audited); its records stay until it is enabled again or removed."""
        from hublink.coordinator.registry import set_partner_disabled
        changed = set_partner_disabled(open_home(context).database, name, True)
        click.echo(f"partner {name!r} {'disabled' if changed else 'was already disabled'}: its "
                   "tokens are refused")

    @partner.command("enable")
    @click.argument("name")
    @click.pass_context
    @edge
    def partner_enable(context: click.Context, name: str) -> None:
        """Accept the tokens of a disabled partner NAME again (audited)."""
        from hublink.coordinator.registry import set_partner_disabled
        changed = set_partner_disabled(open_home(context).database, name, False)
        click.echo(f"partner {name!r} {'enabled' if changed else 'was not disabled'}")

    @main.group(help=f"Issue, list and revoke API tokens ({', '.join(ROLES)}).")
    def token() -> None:
        pass

    @token.command("issue")
    @click.option("--role", type=click.Choice(ROLES), required=True,
                  help="; ".join(f"{role}: {_ROLE_HELP.get(role, role)}" for role in ROLES) + ".")
    @click.option("--partner", "partner_name", default=None,
                  help="The partner (partner role only).")
    @click.option("--project", "project_name", default=None,
                  help="The data-sharing project (analyst role only).")
    @click.option("--label", default=None,
                  help="Who or what holds the token, e.g. 'SEE evaluation'.")
    @click.option("--expires", default=None,
                  help=f"Lifetime such as 12h, 90d or 8w (default: {_defaults_help()}).")
    @click.pass_context
    @edge
    def token_issue(context: click.Context, role: str, partner_name: str | None,
                    project_name: str | None, label: str | None, expires: str | None) -> None:
        """Issue a token and print it once, as the last line; only its hash is kept."""
        from hublink.coordinator.registry import get_project
        from hublink.coordinator.tokens import issue_token, parse_lifetime
        database = open_home(context).database
        get_project(database)
        info, secret = issue_token(database, role, partner=partner_name, label=label,
                                   project=project_name,
                                   lifetime=parse_lifetime(expires) if expires else None)
        click.echo(f"token {info.id} ({role}{', ' + partner_name if partner_name else ''}) "
                   f"expires {info.expires_at:%Y-%m-%d %H:%M} UTC; the token (shown only now):")
        click.echo(secret)

    @token.command("list")
    @click.pass_context
    @edge
    def token_list(context: click.Context) -> None:
        """List every token's id, role, partner, label and dates; never the token itself."""
        from hublink.coordinator.registry import get_project
        from hublink.coordinator.tokens import list_tokens
        database = open_home(context).database
        get_project(database)
        click.echo(f"{'id':>4}  {'role':<8}  {'partner':<20}  {'created':<16}  "
                   f"{'expires':<16}  {'last used':<16}  {'revoked':<16}  label")
        for info in list_tokens(database):
            click.echo(f"{info.id:>4}  {info.role:<8}  {info.partner or '-':<20}  "
                       f"{_moment(info.created_at):<16}  {_moment(info.expires_at):<16}  "
                       f"{_moment(info.last_used_at):<16}  {_moment(info.revoked_at):<16}  "
                       f"{info.label or ''}")

    @token.command("revoke")
    @click.argument("token_id", metavar="ID", type=int)
    @click.pass_context
    @edge
    def token_revoke(context: click.Context, token_id: int) -> None:
        """Revoke token ID at once (see `token list`); its next request gets 401."""
        from hublink.coordinator.tokens import revoke_token
        info = revoke_token(open_home(context).database, token_id)
        click.echo(f"token {info.id} ({info.role}) revoked at {info.revoked_at:%Y-%m-%d %H:%M} UTC")
