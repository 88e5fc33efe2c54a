"""Helpers that write data-sharing project files and approve them, for tests at every level."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

DEFAULT_TABLES = ("total", "by_partner", "program_count", "overlap")


def write_project(folder: Path, name: str, partners: list[str], attributes: list[str], *,
                  tables: tuple[str, ...] = DEFAULT_TABLES, extra: str = "",
                  group_tables: dict[str, list[str]] | None = None, link_scope: str = "project",
                  public: bool = False, expires: date | None = None, k: int = 11) -> Path:
    """Writes ``<folder>/<name>.toml`` with one table of each kind given (named after the kind)
    and the by_group tables given (name -> dimensions); returns its path."""
    expires = expires or date.today() + timedelta(days=365)
    lines = [f'name = "{name}"', 'title = "Test project"', 'purpose = "Testing"',
             f"partners = {partners!r}".replace("'", '"'),
             f"attributes = {attributes!r}".replace("'", '"'),
             f'link_scope = "{link_scope}"', f"public = {'true' if public else 'false'}",
             f"k = {k}", 'approvers = ["Oversight Board"]', extra,
             "[retention]", f"expires = {expires.isoformat()}"]
    for kind in tables:
        lines += ["[[tables]]", f'name = "{kind}"', f'kind = "{kind}"']
    for table, dimensions in (group_tables or {}).items():
        lines += ["[[tables]]", f'name = "{table}"', 'kind = "by_group"',
                  f"dimensions = {dimensions!r}".replace("'", '"')]
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def approved_project(home, folder: Path, name: str, partners: list[str],
                     attributes: list[str], **options) -> str:
    """Creates and approves a project (with a new approver token); returns its name."""
    from hublink.coordinator.projects import approve_project, create_project
    from hublink.coordinator.tokens import issue_token
    create_project(home, write_project(folder, name, partners, attributes, **options))
    _, token = issue_token(home.database, "approver", label="Oversight Board")
    approve_project(home, name, token)
    return name
