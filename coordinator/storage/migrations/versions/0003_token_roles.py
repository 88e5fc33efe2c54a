"""Tokens of every role expire, carry a label and record their last use.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Tokens issued before expiry existed keep working for a year from the upgrade.
_GRACE = timedelta(days=365)


def _columns() -> list[sa.Column]:
    return [
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("label", sa.String(length=120), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    # Add only what is missing: a database made from newer models may hold these columns.
    bind = op.get_bind()
    present = {column["name"] for column in sa.inspect(bind).get_columns("api_tokens")}
    with op.batch_alter_table("api_tokens") as batch:
        for column in _columns():
            if column.name not in present:
                batch.add_column(column)
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    bind.execute(tokens.update().where(tokens.c.expires_at.is_(None))
                 .values(expires_at=datetime.now(timezone.utc) + _GRACE))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        for column in reversed(_columns()):
            batch.drop_column(column.name)
