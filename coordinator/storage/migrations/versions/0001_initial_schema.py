"""Initial schema: the tables of models.py as they stood when migrations were introduced.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash')),
    sa.UniqueConstraint('previous_hash', name=op.f('uq_audit_events_previous_hash'))
    )
    op.create_table('match_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('entity_count', sa.Integer(), nullable=False),
    sa.Column('comparisons', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.Column('sync_ids', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_runs'))
    )
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_partners_name'))
    )
    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_scope', sa.String(length=16), nullable=False),
    sa.Column('schema_id', sa.String(length=40), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('next_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_api_tokens_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_table('encodings',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=64), nullable=False),
    sa.Column('clk', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_encodings_partner_id_partners')),
    sa.PrimaryKeyConstraint('partner_id', 'pseudonym', name=op.f('pk_encodings'))
    )
    op.create_table('links',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=64), nullable=False),
    sa.Column('link_id', sa.String(length=36), nullable=False),
    sa.Column('match_run_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['match_run_id'], ['match_runs.id'], name=op.f('fk_links_match_run_id_match_runs')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_links_partner_id_partners')),
    sa.PrimaryKeyConstraint('partner_id', 'pseudonym', name=op.f('pk_links'))
    )
    op.create_index(op.f('ix_links_link_id'), 'links', ['link_id'], unique=False)
    op.create_table('record_attributes',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('pseudonym', sa.String(length=64), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_record_attributes_partner_id_partners')),
    sa.PrimaryKeyConstraint('partner_id', 'pseudonym', name=op.f('pk_record_attributes'))
    )
    op.create_table('syncs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('base_sync_id', sa.String(length=36), nullable=True),
    sa.Column('schema_id', sa.String(length=40), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('clk_bytes', sa.Integer(), nullable=False),
    sa.Column('attribute_names', sa.JSON(), nullable=False),
    sa.Column('agent_version', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('deleted', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_syncs_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_syncs'))
    )
    op.create_index(op.f('ix_syncs_partner_id'), 'syncs', ['partner_id'], unique=False)
    op.create_table('sync_chunks',
    sa.Column('sync_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('upserts', sa.Integer(), nullable=False),
    sa.Column('deletes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sync_id'], ['syncs.id'], name=op.f('fk_sync_chunks_sync_id_syncs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sync_id', 'number', name=op.f('pk_sync_chunks'))
    )


def downgrade() -> None:
    op.drop_table('sync_chunks')
    op.drop_index(op.f('ix_syncs_partner_id'), table_name='syncs')
    op.drop_table('syncs')
    op.drop_table('record_attributes')
    op.drop_index(op.f('ix_links_link_id'), table_name='links')
    op.drop_table('links')
    op.drop_table('encodings')
    op.drop_table('api_tokens')
    op.drop_table('project')
    op.drop_table('partners')
    op.drop_table('match_runs')
    op.drop_table('audit_events')
