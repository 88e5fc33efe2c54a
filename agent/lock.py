"""One sync at a time: an exclusive lock on a file in the agent's state folder.

The lock is an operating-system lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows)
on ``sync.lock``, so it is released when the process ends however it ends (killed, crashed, the
machine rebooted): a stale lock file never blocks the next night's sync. The file holds the
process ID of the holder, for the message the second sync prints (on Windows the locked
file cannot be read by others, so the message there names no process).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hublink.shared.errors import HublinkError

__all__ = ["SyncAlreadyRunning", "sync_lock", "LOCK_FILE_NAME"]

LOCK_FILE_NAME = "sync.lock"


class SyncAlreadyRunning(HublinkError):
    """Another sync of the same agent (same state folder) holds the lock."""

    code = "sync_running"


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        os.lseek(descriptor, 0, os.SEEK_SET)
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except OSError:
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


# Lock files this process holds: a nested sync_lock on the same folder (the CLI and the sync
# both taking it) must not lock the process out of its own sync.
_held: set[Path] = set()


@contextmanager
def sync_lock(state_dir: Path) -> Iterator[Path]:
    """Given the agent's state folder, holds its sync lock for the ``with`` block and yields
    the lock file's path; raises SyncAlreadyRunning at once if another process holds it.
    Nesting it in one process is allowed (the inner block does nothing)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = (state_dir / LOCK_FILE_NAME).resolve()
    if path in _held:
        yield path
        return
    # Opened without truncation: the holder's process ID must survive our failed attempt.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try_lock(descriptor):
            raise SyncAlreadyRunning(
                f"another sync of this agent is running{_holder(path)}; this one stops without "
                f"changing anything. If no sync is running, the lock ({path}) is held by a "
                "stuck process: end it, then retry")
        try:
            os.ftruncate(descriptor, 0)
            os.lseek(descriptor, 0, os.SEEK_SET)
            os.write(descriptor, f"{os.getpid()}\n".encode("ascii"))
            _held.add(path)
            yield path
        finally:
            _held.discard(path)
            _unlock(descriptor)
    finally:
        os.close(descriptor)
