"""The blob store: each upload's packed CLKs as one file, written atomically."""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["BlobStore"]

_NAME = re.compile(r"^[0-9a-f-]{36}$")


class BlobStore:
    """Files under one folder, named by upload id."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError("blob names are upload ids")
        return self.root / f"{name}.clk"

    def write(self, name: str, content: bytes) -> None:
        """Writes the blob in full or not at all (temporary file, fsync, rename)."""
        self.root.mkdir(parents=True, exist_ok=True)
        final = self._path(name)
        temporary = final.with_suffix(".partial")
        with open(temporary, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)

    def read(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)
