"""The spool: chunks of open syncs wait here as files until their sync is committed."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

__all__ = ["ChunkSpool"]


class ChunkSpool:
    """Files ``<root>/<sync id>/<chunk number>.json``, each written whole or not at all."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, sync_id: str) -> Path:
        return self.root / str(uuid.UUID(sync_id))

    def write(self, sync_id: str, number: int, content: bytes) -> None:
        """Stores a chunk (temporary file, fsync, rename); raises OSError when the disk is full,
        leaving no partial file behind."""
        folder = self._folder(sync_id)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{int(number):06d}.json"
        temporary = final.with_suffix(".partial")
        try:
            with open(temporary, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise

    def read(self, sync_id: str, number: int) -> bytes:
        return (self._folder(sync_id) / f"{int(number):06d}.json").read_bytes()

    def discard(self, sync_id: str) -> None:
        """Removes every chunk of a sync."""
        shutil.rmtree(self._folder(sync_id), ignore_errors=True)
