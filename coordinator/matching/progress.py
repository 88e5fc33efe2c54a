"""A match run's progress as data: the record the engine emits and the run row stores.

The engine, its comparison tasks and the incremental re-linking report :class:`Progress` records
to a callback; ``jobs.lease`` keeps the latest fields and writes them to the run's ``stage``,
``comparisons_done`` and ``comparisons_total`` columns, which ``runs``, ``status`` and the
console read. The message is for people (logs) only: nothing parses it, so rewording one cannot
stop the figures from updating.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["STAGES", "Progress", "ProgressCallback", "compared"]

STAGES = ("queued", "loading", "comparing", "relinking", "solving", "writing", "done")
"""Every stage a run row may show, in the order a run passes them."""


@dataclass(frozen=True)
class Progress:
    """One step of a run. ``done`` and ``total`` count comparisons; None leaves the stored
    figure as it was (``total`` is known only for all-pairs matching). ``str()`` is the message."""

    stage: str
    done: int | None = None
    total: int | None = None
    message: str = ""

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"unknown match stage {self.stage!r} (known: {', '.join(STAGES)})")

    def __str__(self) -> str:
        return self.message or self.stage


ProgressCallback = Callable[[Progress], None]


def compared(comparisons: int) -> Progress:
    """Returns the record of ``comparisons`` pairs compared so far."""
    return Progress("comparing", comparisons, None, f"compared {comparisons:,} pairs")
