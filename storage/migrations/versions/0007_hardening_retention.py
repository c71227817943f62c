"""Hardening and retention: hashed inbound ids, passphrase attempts, legal hold, shredding.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Inbound ids are now stored as keyed hashes; the plain ones kept so far (a MessageSid maps
    # to a phone number at Twilio) are dropped. They only guard against platform retries.
    op.execute(sa.text('DELETE FROM inboundmessage'))
    op.create_table('unlockattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_unlockattempt_officer_id_officer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unlockattempt'))
    )
    with op.batch_alter_table('unlockattempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unlockattempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_unlockattempt_office_code'), ['office_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_unlockattempt_officer_id'), ['officer_id'], unique=False)
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('legal_hold_reason', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('shredded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('shredded_at')
        batch_op.drop_column('legal_hold_reason')
        batch_op.drop_column('legal_hold')
    with op.batch_alter_table('unlockattempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unlockattempt_officer_id'))
        batch_op.drop_index(batch_op.f('ix_unlockattempt_office_code'))
        batch_op.drop_index(batch_op.f('ix_unlockattempt_at'))
    op.drop_table('unlockattempt')
