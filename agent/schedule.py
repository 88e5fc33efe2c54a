"""``run --every``: a sync loop for containers, which have no scheduler of their own.

On a server or a desktop the platform's scheduler starts ``sync`` (``deploy/agent/``: systemd
timer, cron, Windows Task Scheduler); this loop exists only where there is none. It runs a sync
at once and then every interval, measured from the start of each sync. SIGTERM or SIGINT stop
it cleanly: while waiting, at once; during a sync, by unwinding the sync like Ctrl-C does (its
lock is released, and the next sync resumes an interrupted upload).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from hublink.shared import durations
from hublink.shared.errors import ConfigError, HublinkError

__all__ = ["MINIMUM_INTERVAL_SECONDS", "parse_duration", "StopRequested", "run_every"]

MINIMUM_INTERVAL_SECONDS = 60

log = logging.getLogger(__name__)


def parse_duration(text: str) -> int:
    """Given an interval such as ``30m``, ``6h``, ``24h`` or ``1d``, returns its seconds;
    raises ValueError otherwise (weeks are no sync interval)."""
    return durations.parse_duration(text, units="smhd")


class StopRequested(BaseException):
    """SIGTERM or SIGINT arrived during a sync: unwinds it (a BaseException, like
    KeyboardInterrupt, so that no ``except Exception`` in the sync swallows it)."""


def run_every(interval_seconds: float, sync_once: Callable[[], None],
              signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)) -> str:
    """Given the interval and a function that runs one sync, runs it now and then every
    interval until one of ``signals`` arrives, and returns how the loop stopped.

    A failed sync (coordinator unreachable or refusing, bad data, another sync running) is
    logged and the loop goes on; a configuration error is raised (ConfigError), because only
    a person can fix it. Must be called from the main thread (signal handlers)."""
    stop = threading.Event()
    syncing = False

    def handle(signal_number: int, _frame: object) -> None:
        stop.set()
        if syncing:
            raise StopRequested(signal.Signals(signal_number).name)

    previous = {number: signal.signal(number, handle) for number in signals}
    try:
        while not stop.is_set():
            started = time.monotonic()
            log.info("scheduled sync starting (every %ds)", interval_seconds)
            try:
                syncing = True
                sync_once()
            except ConfigError:
                raise
            except HublinkError as error:
                log.error("scheduled sync failed (%s): %s", error.code, error.message)
            finally:
                syncing = False
            remaining = max(0.0, interval_seconds - (time.monotonic() - started))
            log.info("next sync in %ds", remaining)
            stop.wait(remaining)
        log.info("stopped by a signal while waiting")
        return "stopped while waiting for the next sync"
    except StopRequested as request:
        log.warning("stopped by %s during a sync; the next sync resumes it", request)
        return f"stopped by {request} during a sync; the next sync resumes it"
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
