"""Incremental matching and link-ID history: how each run matched, and the merges and splits of
entities between runs.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _run_columns() -> list[sa.Column]:
    return [
        sa.Column("full_requested", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=True),
        sa.Column("changed_records", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    # A database made before migrations existed was built from the models of its day (stamped
    # "0001"), which may already hold these: add only what is missing.
    inspector = sa.inspect(op.get_bind())
    present = {column["name"] for column in inspector.get_columns("match_runs")}
    missing = [column for column in _run_columns() if column.name not in present]
    if missing:
        with op.batch_alter_table("match_runs") as batch:
            for column in missing:
                batch.add_column(column)
    if inspector.has_table("link_history"):
        return
    op.create_table(
        "link_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_run_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("from_link_id", sa.String(length=36), nullable=False),
        sa.Column("to_link_id", sa.String(length=36), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["match_run_id"], ["match_runs.id"],
                                name="fk_link_history_match_run_id_match_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_link_history"),
    )
    op.create_index("ix_link_history_match_run_id", "link_history", ["match_run_id"])


def downgrade() -> None:
    op.drop_index("ix_link_history_match_run_id", table_name="link_history")
    op.drop_table("link_history")
    with op.batch_alter_table("match_runs") as batch:
        for column in reversed(_run_columns()):
            batch.drop_column(column.name)
