"""Records carry their enrollments (sealed, nullable); a sync names its enrollment attributes.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_COLUMNS = {"record_attributes": "enrollments", "syncs": "enrollment_names"}


def upgrade() -> None:
    # Add only what is missing: a database made from newer models may hold these columns.
    inspector = sa.inspect(op.get_bind())
    for table, column in _COLUMNS.items():
        if column not in {item["name"] for item in inspector.get_columns(table)}:
            with op.batch_alter_table(table) as batch:
                batch.add_column(sa.Column(column, sa.JSON(), nullable=True))


def downgrade() -> None:
    for table, column in _COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
