"""The agent's declared configuration schema: one table drives validation, docs and `init`.

Each setting has a section, a key, a kind, whether it is required, a default, a help text and
an example. ``config.load_config`` validates a TOML file against this table and reports every
problem in one pass; ``docs/agent-config.md`` and ``hublink-agent init`` are generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Setting", "SETTINGS", "IDENTIFIER_KEYS", "render_example_config", "render_config",
           "render_settings_markdown"]


@dataclass(frozen=True)
class Setting:
    """One configuration key: ``kind`` is one of str, path, float, int, columns, table."""

    section: str
    key: str
    kind: str
    help: str
    example: Any = None
    required: bool = False
    default: Any = None

    @property
    def dotted(self) -> str:
        return f"{self.section}.{self.key}"


SETTINGS: tuple[Setting, ...] = (
    Setting("coordinator", "url", "str", "Base URL of the hub's coordinator.",
            "https://hub.example.org", required=True),
    Setting("coordinator", "token_file", "path",
            "File holding this partner's API token (printed once by `partner add`).",
            "partner.token", required=True),
    Setting("coordinator", "timeout", "float", "Seconds to wait for the coordinator per request.",
            60.0, default=60.0),
    Setting("coordinator", "retries", "int",
            "Retries, with exponential backoff, after a connection error or a 5xx answer.",
            5, default=5),
    Setting("linkage", "secret_file", "path",
            "The linkage secret shared by all partners, from the key custodian. Never sent anywhere.",
            "linkage.secret", required=True),
    Setting("source", "path", "path", "The source file: .csv or .xlsx.", "students.csv",
            required=True),
    Setting("source", "record_key", "str",
            "Column holding this partner's own record key; it leaves only as a keyed pseudonym.",
            "STUDENT_ID", required=True),
    Setting("source", "sheet", "str", "Worksheet of an .xlsx source (default: the first).",
            "Sheet1"),
    Setting("source", "encoding", "str", "Text encoding of a .csv source.", "utf-8-sig",
            default="utf-8-sig"),
    Setting("identifiers", "first_name", "str", "Column with the given name.", "STU_FIRST_NM"),
    Setting("identifiers", "middle_name", "str", "Column with the middle name.", "STU_MIDDLE_NM"),
    Setting("identifiers", "last_name", "str", "Column with the family name.", "STU_LAST_NM"),
    Setting("identifiers", "full_name", "str",
            'Column with the whole name, "Last, First" or "First Last", instead of first/last.',
            None),
    Setting("identifiers", "dob", "str", "Column with the date of birth.", "BIRTH_DT"),
    Setting("identifiers", "dob_format", "str",
            "strptime format of the date of birth (required with dob).", "%m/%d/%Y"),
    Setting("identifiers", "sex", "str", "Column with sex: F/M/Female/Male/U/Unknown/blank.",
            "GENDER_CD"),
    Setting("identifiers", "address", "columns",
            "Column, or list of columns joined with spaces, holding the street address.",
            ["STREET_NO", "STREET"]),
    Setting("identifiers", "city", "str", "Column with the city.", "CITY"),
    Setting("identifiers", "zip", "str", "Column with the ZIP code.", "ZIP_CD"),
    Setting("attributes", "*", "table",
            "De-identified attributes sent with the encodings: name = source column.",
            {"race_ethnicity": "RACE_ETHNICITY", "program": "Program"}, default={}),
    Setting("agent", "state_dir", "path",
            "Folder for the agent's own state (pseudonym key). Default: .hublink-agent beside "
            "the config file.", ".hublink-agent", default=".hublink-agent"),
)

IDENTIFIER_KEYS: tuple[str, ...] = tuple(s.key for s in SETTINGS if s.section == "identifiers")


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return repr(value)


def render_example_config() -> str:
    """Returns a commented example configuration built from ``SETTINGS``."""
    lines = ["# hublink agent configuration. Paths are relative to this file.", ""]
    section = None
    for setting in SETTINGS:
        if setting.section != section:
            section = setting.section
            lines += ([""] if len(lines) > 2 else []) + [f"[{section}]"]
        need = "required" if setting.required else "optional"
        lines.append(f"# {setting.help} ({need})")
        if setting.kind == "table":
            lines += [f"{name} = {_toml_value(column)}" for name, column in setting.example.items()]
        elif setting.example is None:
            lines.append(f"# {setting.key} = \"...\"")
        elif setting.required or setting.section == "identifiers":
            lines.append(f"{setting.key} = {_toml_value(setting.example)}")
        else:
            lines.append(f"# {setting.key} = {_toml_value(setting.example)}")
    return "\n".join(lines) + "\n"


def render_config(sections: dict[str, dict[str, Any]]) -> str:
    """Given ``{section: {key: value}}`` with string, number or list values, returns TOML."""
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{_toml_key(key)} = {_toml_value(value)}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else _toml_value(key)


def render_settings_markdown() -> str:
    """Returns the configuration reference (``docs/agent-config.md``) built from ``SETTINGS``."""
    lines = ["# Agent configuration reference", "",
             "Generated from `agent/settings.py` by `make docs`; do not edit by hand.", "",
             "| key | required | default | example | meaning |", "|---|---|---|---|---|"]
    for setting in SETTINGS:
        default = "" if setting.default in (None, {}) else f"`{_toml_value(setting.default)}`"
        example = "" if setting.example is None else f"`{_toml_value(setting.example)}`"
        if setting.kind == "table":
            example = "<br>".join(f"`{name} = {_toml_value(column)}`"
                                  for name, column in setting.example.items())
        lines.append(f"| `{setting.dotted}` | {'yes' if setting.required else 'no'} | {default} "
                     f"| {example} | {setting.help} |")
    return "\n".join(lines) + "\n"
