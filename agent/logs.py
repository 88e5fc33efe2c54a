"""The agent's log file and progress bars.

Logs go to a rotating file (``[logging]`` in the configuration; by default
``hublink-agent.log`` in the state folder) so that an unattended nightly sync leaves a record
partner IT can read the next morning. Only the ``hublink`` loggers write there: third-party
loggers (SQLAlchemy, urllib3, pandas) are not attached, because some of them can log SQL
parameters or result rows. What the agent logs is counts, row numbers, problem codes, timings
and error messages, never identifier values.

Progress bars (tqdm, on stderr) are shown only when stderr is a terminal, that is when a person
runs the agent; under a scheduler nothing but the log and the final summary is written.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LOGGER_NAME", "DEFAULT_LOG_FILE_NAME", "LEVELS", "configure_logging",
           "interactive", "progress"]

LOGGER_NAME = "hublink"
DEFAULT_LOG_FILE_NAME = "hublink-agent.log"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"

log = logging.getLogger(__name__)
# Until configure_logging runs, records are dropped rather than printed by logging's fallback.
logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates the log file (and each new one after a rotation) readable by its owner only."""

    def _open(self):  # type: ignore[no-untyped-def]
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(descriptor, "a", encoding=self.encoding, errors=self.errors)


def configure_logging(file: Path, level: str, max_bytes: int, backups: int) -> logging.Handler:
    """Given the log file, a level name and the rotation limits, sends the ``hublink`` loggers
    to that file (rotated at ``max_bytes``, keeping ``backups`` old files; 0 never rotates;
    created readable by its owner only) and returns the handler. Calling it again replaces the previous handler."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in [h for h in logger.handlers if getattr(h, "_hublink_agent", False)]:
        logger.removeHandler(handler)
        handler.close()
    file.parent.mkdir(parents=True, exist_ok=True)
    handler = _PrivateRotatingFileHandler(file, maxBytes=max_bytes, backupCount=backups,
                                          encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler._hublink_agent = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler


def interactive() -> bool:
    """Returns whether a person is watching: stderr is a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress(total: int | None, description: str,
             show: bool | None = None) -> Iterator[Callable[[int], None]]:
    """Given the number of rows to expect (None if unknown) and a short description (never an
    identifier value), yields ``advance(rows)`` to call as rows finish, e.g.
    ``encode_rows(..., progress=advance)``. A bar is drawn on stderr when ``show`` is true
    (default: when stderr is a terminal); the count and seconds are logged at the end."""
    bar = None
    if interactive() if show is None else show:
        from tqdm import tqdm
        bar = tqdm(total=total, desc=description, unit=" rows", unit_scale=True, file=sys.stderr,
                   dynamic_ncols=True)
    done = 0
    started = time.perf_counter()

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if bar is not None:
            bar.update(rows)

    try:
        yield advance
    finally:
        if bar is not None:
            bar.close()
        log.info("%s: %d of %s rows in %.1fs", description, done,
                 "?" if total is None else total, time.perf_counter() - started)
