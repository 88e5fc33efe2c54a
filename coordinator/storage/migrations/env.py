"""Alembic environment: runs on the connection the caller put in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from hublink.coordinator.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through hublink.coordinator.storage.migrations, "
                       "which supplies the database connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
