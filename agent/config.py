"""Load and validate the agent's TOML configuration against ``settings.SETTINGS``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hublink.agent.settings import IDENTIFIER_KEYS, SETTINGS, Setting
from hublink.shared.attributes import RESERVED_ATTRIBUTE_NAMES, ATTRIBUTE_NAME_PATTERN
from hublink.shared.errors import ConfigError

__all__ = ["AgentConfig", "load_config"]


@dataclass(frozen=True)
class AgentConfig:
    """A validated configuration; every path is absolute."""

    config_path: Path
    coordinator_url: str
    token_file: Path
    timeout: float
    retries: int
    secret_file: Path
    source_path: Path
    record_key: str
    sheet: str | None
    encoding: str
    identifiers: dict[str, Any]
    attributes: dict[str, str] = field(default_factory=dict)
    state_dir: Path = Path(".hublink-agent")

    @property
    def source_columns(self) -> list[str]:
        """Returns every source column the configuration names, record key first."""
        columns = [self.record_key]
        for key, value in self.identifiers.items():
            if key == "dob_format":
                continue
            columns += value if isinstance(value, list) else [value]
        columns += list(self.attributes.values())
        return list(dict.fromkeys(columns))


def _check_kind(setting: Setting, value: Any) -> str | None:
    if setting.kind in ("str", "path"):
        return None if isinstance(value, str) and value.strip() else "must be a non-empty string"
    if setting.kind in ("float", "int"):
        number = int if setting.kind == "int" else (int, float)
        ok = isinstance(value, number) and not isinstance(value, bool) and value >= 0
        return None if ok else f"must be a non-negative {'whole ' if setting.kind == 'int' else ''}number"
    if setting.kind == "columns":
        if isinstance(value, str) and value.strip():
            return None
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return None
        return "must be a column name or a list of column names"
    if setting.kind == "table":
        return None if isinstance(value, dict) else "must be a table"
    return None


def _collect(document: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    by_section: dict[str, dict[str, Setting]] = {}
    for setting in SETTINGS:
        by_section.setdefault(setting.section, {})[setting.key] = setting
    for section, content in document.items():
        if section not in by_section:
            problems.append(f"[{section}] is not a known section")
        elif not isinstance(content, dict):
            problems.append(f"[{section}] must be a table")
    for section, settings in by_section.items():
        content = document.get(section, {})
        if not isinstance(content, dict):
            continue
        if "*" in settings:
            setting = settings["*"]
            values[section] = content
            continue
        for key in content:
            if key not in settings:
                problems.append(f"{section}.{key} is not a known setting")
        for key, setting in settings.items():
            if key not in content:
                if setting.required:
                    problems.append(f"{setting.dotted} is required: {setting.help}")
                values[setting.dotted] = setting.default
                continue
            problem = _check_kind(setting, content[key])
            if problem:
                problems.append(f"{setting.dotted} {problem}")
            values[setting.dotted] = content[key]
    return values


def _check_identifiers(identifiers: dict[str, Any], attributes: dict[str, Any],
                       record_key: Any, problems: list[str]) -> None:
    has_parts = identifiers.get("first_name") or identifiers.get("last_name")
    if not has_parts and not identifiers.get("full_name"):
        problems.append("identifiers: name one of first_name/last_name, or full_name")
    if has_parts and identifiers.get("full_name"):
        problems.append("identifiers: use either full_name or first_name/last_name, not both")
    if identifiers.get("dob") and not identifiers.get("dob_format"):
        problems.append('identifiers.dob_format is required with dob (for example "%m/%d/%Y")')
    identifying = {record_key} | {
        column for key, value in identifiers.items() if key != "dob_format"
        for column in (value if isinstance(value, list) else [value])}
    for name, column in attributes.items():
        if not ATTRIBUTE_NAME_PATTERN.match(name) or name in RESERVED_ATTRIBUTE_NAMES:
            problems.append(f"attributes.{name}: names are lower-case letters, digits and "
                            "underscores (not link_id or partner)")
        if not isinstance(column, str) or not column:
            problems.append(f"attributes.{name} must name a source column")
        elif column in identifying:
            problems.append(f"attributes.{name} names column {column!r}, which is an identifier "
                            "or the record key: it would leave the building in the clear")


def load_config(path: str | Path) -> AgentConfig:
    """Given a TOML file, returns the validated configuration; raises ConfigError listing
    every problem at once."""
    config_path = Path(path).resolve()
    try:
        document = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file {config_path} does not exist "
                          "(`hublink-agent init` writes an example)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"configuration file {config_path} is not valid TOML: {error}") from None
    problems: list[str] = []
    values = _collect(document, problems)
    identifiers = {key: values[f"identifiers.{key}"] for key in IDENTIFIER_KEYS
                   if values.get(f"identifiers.{key}")}
    attributes = values.get("attributes") or {}
    _check_identifiers(identifiers, attributes, values.get("source.record_key"), problems)
    if problems:
        raise ConfigError(f"{config_path.name} has {len(problems)} problem(s)", details=problems)

    base = config_path.parent

    def resolve(key: str) -> Path:
        return (base / values[key]).resolve()

    return AgentConfig(
        config_path=config_path,
        coordinator_url=values["coordinator.url"].rstrip("/"),
        token_file=resolve("coordinator.token_file"),
        timeout=float(values["coordinator.timeout"]),
        retries=int(values["coordinator.retries"]),
        secret_file=resolve("linkage.secret_file"),
        source_path=resolve("source.path"),
        record_key=values["source.record_key"],
        sheet=values["source.sheet"],
        encoding=values["source.encoding"],
        identifiers=identifiers,
        attributes=dict(attributes),
        state_dir=resolve("agent.state_dir"),
    )
