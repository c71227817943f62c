"""Core tables: offices, reporters (encrypted), conversations, tickets, evidence, outbox.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inboundmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('platform_id', sa.String(length=128), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inboundmessage')),
    sa.UniqueConstraint('channel', 'platform_id', name='uq_inbound_channel_id')
    )
    with op.batch_alter_table('inboundmessage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inboundmessage_received_at'), ['received_at'], unique=False)

    op.create_table('office',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('parent_code', sa.String(length=8), nullable=True),
    sa.Column('timezone', sa.String(length=32), nullable=False),
    sa.Column('telegram_chat_id', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_office'))
    )
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_parent_code'), ['parent_code'], unique=False)

    op.create_table('reporter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lookup', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('profile_name', sa.Text(), nullable=True),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unreachable', sa.Boolean(), nullable=False),
    sa.Column('subscribed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporter')),
    sa.UniqueConstraint('lookup', name=op.f('uq_reporter_lookup'))
    )
    op.create_table('statusattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('ticket_code', sa.String(length=16), nullable=True),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporter.id'], name=op.f('fk_statusattempt_reporter_id_reporter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statusattempt'))
    )
    with op.batch_alter_table('statusattempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statusattempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_statusattempt_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statusattempt_ticket_code'), ['ticket_code'], unique=False)

    op.create_table('conversation',
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=True),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporter.id'], name=op.f('fk_conversation_reporter_id_reporter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reporter_id', name=op.f('pk_conversation'))
    )
    op.create_table('outboxmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transport', sa.String(length=16), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporter.id'], name=op.f('fk_outboxmessage_reporter_id_reporter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outboxmessage'))
    )
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outboxmessage_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outboxmessage_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outboxmessage_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outboxmessage_transport'), ['transport'], unique=False)

    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('receipt_hash', sa.String(length=200), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('institution_level', sa.String(length=12), nullable=False),
    sa.Column('incident_date', sa.Date(), nullable=False),
    sa.Column('learned_date', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accused_position', sa.Text(), nullable=False),
    sa.Column('accused_name', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('witnesses', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['office_code'], ['office.code'], name=op.f('fk_ticket_office_code_office')),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporter.id'], name=op.f('fk_ticket_reporter_id_reporter'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket')),
    sa.UniqueConstraint('code', name=op.f('uq_ticket_code'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_office_code'), ['office_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_status'), ['status'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('filename', sa.Text(), nullable=True),
    sa.Column('link', sa.Text(), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporter.id'], name=op.f('fk_evidence_reporter_id_reporter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_evidence_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_reporter_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_status'))
        batch_op.drop_index(batch_op.f('ix_ticket_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_region_code'))
        batch_op.drop_index(batch_op.f('ix_ticket_office_code'))
        batch_op.drop_index(batch_op.f('ix_ticket_created_at'))
        batch_op.drop_index(batch_op.f('ix_ticket_category'))

    op.drop_table('ticket')
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outboxmessage_transport'))
        batch_op.drop_index(batch_op.f('ix_outboxmessage_status'))
        batch_op.drop_index(batch_op.f('ix_outboxmessage_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_outboxmessage_next_attempt_at'))

    op.drop_table('outboxmessage')
    op.drop_table('conversation')
    with op.batch_alter_table('statusattempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statusattempt_ticket_code'))
        batch_op.drop_index(batch_op.f('ix_statusattempt_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_statusattempt_at'))

    op.drop_table('statusattempt')
    op.drop_table('reporter')
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_parent_code'))

    op.drop_table('office')
    with op.batch_alter_table('inboundmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inboundmessage_received_at'))

    op.drop_table('inboundmessage')
