"""The hub's attribute declarations: ``<home>/attributes.toml``, the allow-list of attributes.

Every attribute a partner sends must be declared here with a type (see
``shared.attribute_types``); a sync naming anything else, or a value its type refuses, is
refused with a message naming the attribute. ``init`` writes the default file below (mode
0600) when there is none; a home without the file uses the same defaults. The file is read
again whenever it changes, so the operator edits it without restarting the server.
"""

from __future__ import annotations

import os
import threading
import tomllib
from pathlib import Path

from hublink.shared.attribute_types import AttributeDeclaration, parse_declarations
from hublink.shared.errors import HublinkError

__all__ = ["DECLARATIONS_FILE", "DEFAULT_DECLARATIONS", "DeclarationsInvalid",
           "load_declarations", "parse_declarations_text", "write_declarations",
           "declarations_as_wire"]

DECLARATIONS_FILE = "attributes.toml"

DEFAULT_DECLARATIONS = '''\
# The attributes this hub accepts beside the encodings: anything not declared here is refused.
# Each [attributes.NAME] has a type: category (with its values), integer (minimum, maximum),
# month (YYYY-MM), year, zip5, zip3 or age_band (optionally its values). A missing value is
# always accepted. Names that say they hold an identifier (first_name, birth_date, street...)
# cannot be declared. The coordinator reads this file again whenever it changes.

[attributes.gender]
type = "category"
values = ["female", "male", "another gender", "unknown"]
help = "Gender, coarsened"

[attributes.race_ethnicity]
type = "category"
values = ["American Indian or Alaska Native", "Asian", "Black or African American",
          "Hispanic or Latino", "Middle Eastern or North African",
          "Native Hawaiian or Pacific Islander", "White", "Multiracial", "Unknown"]
help = "SPD 15 categories, as the agent's map = \\"spd15\\" produces them"

[attributes.age_band]
type = "age_band"
help = "Age in bands of whole years, from the agent's age_band transform"

[attributes.zip5]
type = "zip5"

[attributes.zip3]
type = "zip3"

[attributes.start_month]
type = "month"
help = "Month the youth started, from the agent's month transform"

[attributes.birth_year]
type = "year"
minimum = 1990
maximum = 2030

# Hub-specific vocabularies: declare the hub's own programs and sites, for example
# [attributes.program]
# type = "category"
# values = ["Summer Jobs", "Summer Learning", "Rec Center"]
'''


class DeclarationsInvalid(HublinkError):
    """The hub's attributes.toml cannot be used: the operator must fix it."""

    code = "attribute_declarations_invalid"
    http_status = 503


def parse_declarations_text(text: str, source: str = DECLARATIONS_FILE
                            ) -> dict[str, AttributeDeclaration]:
    """Given the text of an attributes.toml, returns its declarations; raises
    DeclarationsInvalid listing every problem."""
    try:
        content = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DeclarationsInvalid(f"{source} is not valid TOML: {error}") from None
    unknown = sorted(set(content) - {"attributes"})
    tables = content.get("attributes", {})
    if not isinstance(tables, dict):
        raise DeclarationsInvalid(f"{source}: [attributes] must be a table")
    declarations, problems = parse_declarations(tables)
    problems += [f"unknown top-level key {key!r}" for key in unknown]
    if problems:
        raise DeclarationsInvalid(f"{source} has problems: fix them and retry",
                                  details=problems)
    return declarations


_cache: dict[Path, tuple[tuple[int, int, int], dict[str, AttributeDeclaration]]] = {}
_cache_lock = threading.Lock()
_DEFAULTS = parse_declarations_text(DEFAULT_DECLARATIONS, "the default declarations")


def load_declarations(home: Path) -> dict[str, AttributeDeclaration]:
    """Returns the declarations of a coordinator home (the defaults without a file), read
    again only when the file changed; raises DeclarationsInvalid."""
    path = home / DECLARATIONS_FILE
    try:
        status = path.stat()
    except FileNotFoundError:
        return _DEFAULTS
    stamp = (status.st_ino, status.st_mtime_ns, status.st_size)
    with _cache_lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    declarations = parse_declarations_text(path.read_text(encoding="utf-8"), str(path))
    with _cache_lock:
        _cache[path] = (stamp, declarations)
    return declarations


def write_declarations(home: Path, text: str = DEFAULT_DECLARATIONS,
                       replace: bool = False) -> bool:
    """Writes ``text`` (checked first) as the home's attributes.toml, mode 0600, unless one
    exists and ``replace`` is false; returns whether it wrote. Raises DeclarationsInvalid."""
    parse_declarations_text(text)
    path = home / DECLARATIONS_FILE
    if path.exists() and not replace:
        return False
    home.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)
    return True


def declarations_as_wire(declarations: dict[str, AttributeDeclaration]) -> dict:
    """Returns the declarations as JSON for ``GET /api/v1/attributes``."""
    return {"attributes": {name: {"type": item.type, "values": list(item.values),
                                  "minimum": item.minimum, "maximum": item.maximum,
                                  "help": item.help}
                           for name, item in sorted(declarations.items())}}
