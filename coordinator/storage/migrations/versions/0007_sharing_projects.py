"""Data-sharing projects, their publications, and analyst tokens bound to one project.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Add only what is missing: a database made from newer models may hold these already.
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("projects"):
        _create_projects()
    if not inspector.has_table("publications"):
        _create_publications()
    if "project_id" not in {column["name"] for column in inspector.get_columns("api_tokens")}:
        with op.batch_alter_table("api_tokens") as batch:
            batch.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(op.f("fk_api_tokens_project_id_projects"), "projects",
                                     ["project_id"], ["id"])


def _create_projects() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("name", name=op.f("uq_projects_name")),
    )


def _create_publications() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("match_run_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("shown", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"],
                                name=op.f("fk_publications_project_id_projects")),
        sa.ForeignKeyConstraint(["match_run_id"], ["match_runs.id"],
                                name=op.f("fk_publications_match_run_id_match_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    op.create_index(op.f("ix_publications_project_id"), "publications", ["project_id"])


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("fk_api_tokens_project_id_projects"), type_="foreignkey")
        batch.drop_column("project_id")
    op.drop_index(op.f("ix_publications_project_id"), table_name="publications")
    op.drop_table("publications")
    op.drop_table("projects")
