"""Daily digests: claims per office, date, edition and channel; Telegram link codes; the
office's digest language; indexes that keep one office's digest independent of table size.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('office') as batch:
        batch.add_column(
            sa.Column('digest_lang', sa.String(length=5), nullable=False, server_default='id')
        )
    op.create_table('digestrun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('edition', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_digestrun_office_code_office')),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_digestrun_officer_id_officer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digestrun')),
    sa.UniqueConstraint('office_code', 'local_date', 'edition', 'channel', 'attempt', name='uq_digestrun_slot')
    )
    op.create_index(op.f('ix_digestrun_office_code'), 'digestrun', ['office_code'], unique=False)
    op.create_index(op.f('ix_digestrun_local_date'), 'digestrun', ['local_date'], unique=False)
    op.create_index(op.f('ix_digestrun_outbox_id'), 'digestrun', ['outbox_id'], unique=False)
    op.create_table('officelinkcode',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_officelinkcode_office_code_office')),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_officelinkcode_officer_id_officer')),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_officelinkcode'))
    )
    op.create_index(op.f('ix_officelinkcode_office_code'), 'officelinkcode', ['office_code'], unique=False)
    op.create_index('ix_ticket_office_status_created', 'ticket', ['office_code', 'status', 'created_at'], unique=False)
    op.create_index('ix_ticket_office_created', 'ticket', ['office_code', 'created_at'], unique=False)
    op.create_index('ix_ticketevent_kind_at', 'ticketevent', ['kind', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ticketevent_kind_at', table_name='ticketevent')
    op.drop_index('ix_ticket_office_created', table_name='ticket')
    op.drop_index('ix_ticket_office_status_created', table_name='ticket')
    op.drop_index(op.f('ix_officelinkcode_office_code'), table_name='officelinkcode')
    op.drop_table('officelinkcode')
    op.drop_index(op.f('ix_digestrun_outbox_id'), table_name='digestrun')
    op.drop_index(op.f('ix_digestrun_local_date'), table_name='digestrun')
    op.drop_index(op.f('ix_digestrun_office_code'), table_name='digestrun')
    op.drop_table('digestrun')
    with op.batch_alter_table('office') as batch:
        batch.drop_column('digest_lang')
