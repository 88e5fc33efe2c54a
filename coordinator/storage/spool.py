"""The spool: chunks of open syncs wait here as files, sealed, until their sync is committed."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from hublink.coordinator.storage.sealed_records import spool_context
from hublink.coordinator.storage.sealing import Sealer

__all__ = ["ChunkSpool"]


class ChunkSpool:
    """Files ``<root>/<sync id>/<chunk number>.json``, each written whole or not at all."""

    def __init__(self, root: Path, sealer: Sealer) -> None:
        self.root = root
        self.sealer = sealer

    def _folder(self, sync_id: str) -> Path:
        return self.root / str(uuid.UUID(sync_id))

    def write(self, sync_id: str, number: int, content: bytes) -> None:
        """Stores a chunk (temporary file, fsync, rename); raises OSError when the disk is full,
        leaving no partial file behind."""
        folder = self._folder(sync_id)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{int(number):06d}.json"
        temporary = final.with_suffix(".partial")
        content = self.sealer.seal(content, spool_context(str(uuid.UUID(sync_id)), int(number)))
        try:
            with open(temporary, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise

    def read(self, sync_id: str, number: int, allow_plain: bool = False) -> bytes:
        """Returns a chunk's content; raises SealingError if the file was altered or is not
        sealed (unless ``allow_plain``: ``reseal_all``, the migration that seals it)."""
        sealed = (self._folder(sync_id) / f"{int(number):06d}.json").read_bytes()
        return self.sealer.open(sealed, spool_context(str(uuid.UUID(sync_id)), int(number)),
                                allow_plain)

    def discard(self, sync_id: str) -> None:
        """Removes every chunk of a sync."""
        shutil.rmtree(self._folder(sync_id), ignore_errors=True)

    def sync_ids(self) -> list[str]:
        """Returns the sync ids that have a folder in the spool."""
        if not self.root.exists():
            return []
        found = []
        for folder in self.root.iterdir():
            try:
                found.append(str(uuid.UUID(folder.name)))
            except ValueError:
                continue
        return found

    def idle_seconds(self, sync_id: str) -> float:
        """Returns how long ago the sync's spool folder last changed (0 when it is gone)."""
        try:
            return max(0.0, time.time() - self._folder(sync_id).stat().st_mtime)
        except FileNotFoundError:
            return 0.0

    def reseal_all(self) -> int:
        """Re-seals every spooled chunk under the current key; returns how many."""
        count = 0
        for path in sorted(self.root.glob("*/*.json")) if self.root.exists() else []:
            sync_id, number = path.parent.name, int(path.stem)
            self.write(sync_id, number, self.read(sync_id, number, allow_plain=True))
            count += 1
        return count
