"""The coordinator's home folder: where its database, chunk spool and keys live."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from hublink.coordinator.storage import ChunkSpool, Database
from hublink.coordinator.storage.sealing import load_sealer

__all__ = ["CoordinatorHome", "resolve_home", "is_home"]

# What `init` leaves in every home: the SQLite database, or (with HUBLINK_DATABASE_URL) the
# audit log's head and the data keyring.
_HOME_MARKERS = ("hublink.db", "audit-head.json", "keys")


def resolve_home(home: str | Path | None) -> Path:
    """Given ``--home`` (or None), returns the home folder: the option, ``HUBLINK_HOME``,
    or ``./hublink-home``."""
    return Path(home or os.environ.get("HUBLINK_HOME") or "hublink-home").resolve()


def is_home(path: Path) -> bool:
    """Returns whether ``path`` is a coordinator home made by ``init``; creates nothing."""
    return path.is_dir() and any((path / marker).exists() for marker in _HOME_MARKERS)


@dataclass
class CoordinatorHome:
    """Opened home: database (``HUBLINK_DATABASE_URL`` or SQLite inside), spool and keys
    (the link-scope key and the data keyring that seals everything stored at rest). Opening it
    sets the process umask to 077: the home is 0700 and every file made in it 0600."""

    path: Path

    def __post_init__(self) -> None:
        # Everything this process creates (database, WAL, spool, keys, exports) is the
        # coordinator user's alone: files 0600, folders 0700.
        os.umask(0o077)
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path.chmod(0o700)
        url = os.environ.get("HUBLINK_DATABASE_URL") or f"sqlite:///{self.path / 'hublink.db'}"
        self.database = Database(url, audit_head_path=self.path / "audit-head.json")
        self.sealer = load_sealer(self.path)
        self.spool = ChunkSpool(self.path / "spool", self.sealer)

    def restrict_permissions(self) -> int:
        """Makes every folder in the home 0700 and every file 0600 (homes made by older
        versions, files copied in by hand); returns how many it changed."""
        changed = 0
        for root, folders, files in os.walk(self.path):
            for name, mode in [(folder, 0o700) for folder in folders] + [(file, 0o600)
                                                                         for file in files]:
                path = Path(root) / name
                if not path.is_symlink() and path.stat().st_mode & 0o777 != mode:
                    path.chmod(mode)
                    changed += 1
        return changed

    def link_scope_key(self) -> bytes:
        """Returns the key that derives partner-scoped link IDs, creating it on first use."""
        path = self.path / "keys" / "link-scope.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(descriptor, "w") as handle:
                    handle.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text().strip())
