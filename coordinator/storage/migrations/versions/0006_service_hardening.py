"""Sync quotas and expiry (bytes received, last activity) and partner-scoped link IDs.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = {
    "syncs": [sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
              sa.Column("bytes_received", sa.BigInteger(), server_default="0", nullable=False)],
    "sync_chunks": [sa.Column("bytes", sa.BigInteger(), server_default="0", nullable=False)],
    "links": [sa.Column("partner_link_id", sa.String(length=36), nullable=True)],
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, columns in _COLUMNS.items():
        present = {column["name"] for column in inspector.get_columns(table)}
        with op.batch_alter_table(table) as batch:
            for column in columns:
                if column.name not in present:
                    batch.add_column(column)


def downgrade() -> None:
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in reversed(columns):
                batch.drop_column(column.name)
