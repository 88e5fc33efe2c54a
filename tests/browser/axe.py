"""axe-core, the accessibility checker, vendored from the npm registry at install time.

``make install`` (and the browser tests, when it is missing) runs ``npm pack axe-core@4`` into
the git-ignored ``.vendor/`` folder and unpacks ``axe.min.js`` and its licence (MPL-2.0) there.
``python -m tests.browser.axe`` does the same by hand.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from pathlib import Path

__all__ = ["AXE_PACKAGE", "VENDOR", "ensure_axe"]

AXE_PACKAGE = "axe-core@4"
VENDOR = Path(__file__).resolve().parents[2] / ".vendor" / "axe-core"


def ensure_axe() -> Path:
    """Returns the path of axe.min.js, fetching it with ``npm pack`` first if it is missing.
    Raises RuntimeError when npm cannot fetch it."""
    script = VENDOR / "axe.min.js"
    if script.exists():
        return script
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        packed = subprocess.run(["npm", "pack", AXE_PACKAGE, "--silent", "--pack-destination",
                                 folder], capture_output=True, text=True, timeout=300)
        if packed.returncode != 0:
            raise RuntimeError(f"npm pack {AXE_PACKAGE} failed: {packed.stderr.strip()}")
        archive = Path(folder) / packed.stdout.strip().splitlines()[-1]
        with tarfile.open(archive) as tar:
            for name in ("axe.min.js", "LICENSE"):
                member = tar.getmember(f"package/{name}")
                partial = VENDOR / f".{name}.part"
                partial.write_bytes(tar.extractfile(member).read())
                partial.replace(VENDOR / name)  # whole or absent, even if two runs race
    return script


if __name__ == "__main__":
    print(ensure_axe())
