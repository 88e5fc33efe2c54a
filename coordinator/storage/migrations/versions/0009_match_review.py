"""Match runs keep their threshold review: thresholds, how they were chosen, similarity counts.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made before migrations existed was built from the models of its day, which
    # may already hold the column: add it only when missing.
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("match_runs")}
    if "review" not in present:
        with op.batch_alter_table("match_runs") as batch:
            batch.add_column(sa.Column("review", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("match_runs") as batch:
        batch.drop_column("review")
