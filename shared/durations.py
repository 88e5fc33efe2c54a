"""Durations written the way operators write them: ``30m``, ``6h``, ``24h``, ``90d``, ``1h30m``."""

from __future__ import annotations

import re

__all__ = ["parse_duration"]

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)\s*([smhdw])")


def parse_duration(text: str, units: str = "smhdw") -> int:
    """Given a duration such as ``30m``, ``6h``, ``90d``, ``8w`` or ``1h30m`` and the unit
    letters allowed, returns its seconds; raises ValueError when it is not one or is zero."""
    compact = text.strip().lower()
    parts = _PART.findall(compact)
    if (not compact or any(unit not in units for _, unit in parts)
            or "".join(f"{number}{unit}" for number, unit in parts) != compact.replace(" ", "")):
        raise ValueError(f"{text!r} is not a duration in {', '.join(units)} (like 30m or 6h)")
    seconds = sum(int(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds == 0:
        raise ValueError("the duration must be longer than zero")
    return seconds
