"""Rules for the de-identified attributes that travel with the encodings."""

from __future__ import annotations

import re

from hublink.shared.errors import InvalidPackage

__all__ = ["ATTRIBUTE_NAME_PATTERN", "MAX_ATTRIBUTE_VALUE_LENGTH", "validate_attribute_name",
           "RESERVED_ATTRIBUTE_NAMES"]

ATTRIBUTE_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_ATTRIBUTE_VALUE_LENGTH = 64
# Column names the analyst export already uses for its own fields.
RESERVED_ATTRIBUTE_NAMES = frozenset({"link_id", "partner"})


def validate_attribute_name(name: str) -> None:
    """Given an attribute name, returns nothing; raises InvalidPackage when it is unusable."""
    if not ATTRIBUTE_NAME_PATTERN.fullmatch(name):
        raise InvalidPackage(
            f"attribute name {name!r} must be lower-case letters, digits and underscores, "
            "starting with a letter, at most 40 characters")
    if name in RESERVED_ATTRIBUTE_NAMES:
        raise InvalidPackage(f"attribute name {name!r} is reserved")
