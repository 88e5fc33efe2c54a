"""``python -m hublink.coordinator.storage.migrations revision "message"``: writes a new
revision from the difference between ``models.py`` and a scratch database at the head."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from hublink.coordinator.storage.migrations import alembic_config, head_revision, upgrade


def main(arguments: list[str]) -> int:
    if len(arguments) != 2 or arguments[0] != "revision":
        print(__doc__, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        upgrade(engine)
        with engine.begin() as connection:
            command.revision(alembic_config(connection), message=arguments[1], autogenerate=True,
                             rev_id=f"{int(head_revision()) + 1:04d}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
