"""Match runs become queued background jobs: settings, lease, attempts, cancel and progress.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column]:
    return [
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("comparisons_done", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("comparisons_total", sa.BigInteger(), nullable=True),
    ]


def upgrade() -> None:
    # A database made before migrations existed is stamped "0001" but was built from the
    # models of its day, which may already hold these columns: add only what is missing.
    inspector = sa.inspect(op.get_bind())
    present = {column["name"] for column in inspector.get_columns("match_runs")}
    indexes = {index["name"] for index in inspector.get_indexes("match_runs")}
    with op.batch_alter_table("match_runs") as batch:
        for column in _columns():
            if column.name not in present:
                batch.add_column(column)
        if "ix_match_runs_status" not in indexes:
            batch.create_index("ix_match_runs_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_runs") as batch:
        batch.drop_index("ix_match_runs_status")
        for column in reversed(_columns()):
            batch.drop_column(column.name)
