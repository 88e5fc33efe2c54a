"""Text made from the settings table (``agent.settings``): the example configuration that
``hublink-agent init`` writes, any configuration as TOML, and the reference
``docs/agent-config.md``. Nothing here adds a setting; every key and default comes from
``SETTINGS``.
"""

from __future__ import annotations

from typing import Any

from hublink.agent.settings import ATTRIBUTE_TABLE_KEYS, SETTINGS

__all__ = ["render_example_config", "render_config", "render_settings_markdown"]


# Shown, commented out, in the example configuration under [attributes].
ATTRIBUTE_TABLE_EXAMPLE = """# A table transforms the value so that nothing identifying leaves, for example:
# [attributes.race_spd15]
# column = "RACE_CD"
# map = "spd15"              # or a table: map = { "1" = "Black or African American" }
# extra = { "8" = "Unknown" }
# unmapped = "Unknown"       # or "error": count a problem and send null
# [attributes.age_band]
# from = "dob"
# transform = "age_band"
# reference_date = "2026-07-01"
# bands = [0, 5, 11, 14, 18, 25]
# [attributes.zip]
# from = "zip"
# transform = "zip5"
# [attributes.gender]        # from the identifiers' sex column, coarsened
# column = "GENDER_CD"
# map = "gender"             # female, male, another gender, unknown
# [attributes.hours]
# column = "HOURS"
# transform = "bucket"
# edges = [0, 10, 20, 40]"""


# Shown, commented out, in the example configuration under [enrollments].
ENROLLMENT_TABLE_EXAMPLE = """# [enrollments.start]
# column = "Start Date"
# transform = "month"""


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(key)} = {_toml_value(item)}"
                                for key, item in value.items()) + " }"
    return repr(value)


def render_example_config(values: dict[str, Any] | None = None,
                          notes: dict[str, str] | None = None) -> str:
    """Returns a commented example configuration built from ``SETTINGS``. ``values`` (dotted
    key -> value; ``"attributes"`` -> its table), as ``init --from`` guesses them, are written
    active, each after its line of ``notes``; then identifiers and attributes not guessed stay
    commented out, so the file loads with only what the source holds."""
    guided = values is not None
    values, notes = values or {}, notes or {}
    lines = ["# hublink agent configuration. Paths are relative to this file.", ""]
    section = None
    for setting in SETTINGS:
        if setting.section != section:
            section = setting.section
            lines += ([""] if len(lines) > 2 else []) + [f"[{section}]"]
        need = "required" if setting.required else "optional"
        lines.append(f"# {setting.described} ({need})")
        key = setting.section if setting.kind == "table" else setting.dotted
        if key in notes:
            lines.append(f"# {notes[key]}")
        if key in values:
            if setting.kind == "table":
                lines += [f"{_toml_key(name)} = {_toml_value(item)}"
                          for name, item in values[key].items()]
            else:
                lines.append(f"{setting.key} = {_toml_value(values[key])}")
            continue
        # Guided, a source column not found stays commented: the file then says it is required.
        active = ((setting.required and not (guided and setting.section == "source"))
                  or (setting.section == "identifiers" and not guided))
        if setting.kind == "table":
            # Guided, the example columns are not the source's; most files hold one row a youth.
            prefix = "# " if guided or setting.section == "enrollments" else ""
            lines += [f"{prefix}{name} = {_toml_value(column)}"
                      for name, column in setting.example.items()]
            lines += ATTRIBUTE_TABLE_EXAMPLE.splitlines() if setting.section == "attributes" else []
            lines += ENROLLMENT_TABLE_EXAMPLE.splitlines() if setting.section == "enrollments" else []
        elif setting.example is None:
            lines.append(f"# {setting.key} = \"...\"")
        elif (active and (setting.required or setting.default is None)
              and not (guided and setting.unless and setting.unless in values)):
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
                     f"| {example} | {setting.described} |")
    return "\n".join(lines + _attribute_reference()) + "\n"


def _attribute_reference() -> list[str]:
    from hublink.agent.deidentify.spd15 import SPD15_CODES
    from hublink.agent.deidentify.transforms import TRANSFORMS
    lines = ["", "## Attribute tables", "",
             "An attribute declared as a table, `[attributes.NAME]`, sends a transformed value.", "",
             "| key | default | example | meaning |", "|---|---|---|---|"]
    for setting in ATTRIBUTE_TABLE_KEYS:
        default = "" if setting.default is None else f"`{_toml_value(setting.default)}`"
        lines.append(f"| `{setting.dotted}` | {default} | `{_toml_value(setting.example)}` "
                     f"| {setting.help} |")
    lines += ["", "| transform | reads | requires | also takes | what leaves |",
              "|---|---|---|---|---|"]
    for transform in TRANSFORMS.values():
        required = ", ".join(f"`{key}`" for key in transform.required)
        optional = ", ".join(f"`{key}`" for key in transform.optional)
        lines.append(f"| `{transform.name}` | {transform.reads} | {required} | {optional} "
                     f"| {transform.help} |")
    lines += ["", '### The ready mapping `map = "spd15"`', "",
              "Local codes and labels recognised for each 2024 SPD 15 category (case, spaces "
              "and punctuation ignored). A cell listing several categories separated by `;`, "
              "`,` or `|` is Multiracial when they differ. Numeric codes and single letters "
              "differ between systems and are not included; nor are \"Other\" and "
              "\"Asian/Pacific Islander\", which have no SPD 15 category: declare them in "
              "`extra`.", "", "| category | codes and labels |", "|---|---|"]
    lines += [f"| {category} | {', '.join(codes)} |" for category, codes in SPD15_CODES.items()]
    return lines
