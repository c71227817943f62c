"""Reminder broadcasts: subscriber preferences, campaigns and per-recipient deliveries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('subscriber',
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=True),
    sa.Column('timezone', sa.String(length=32), nullable=True),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporter.id'], name=op.f('fk_subscriber_reporter_id_reporter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reporter_id', name=op.f('pk_subscriber'))
    )
    op.create_index(op.f('ix_subscriber_channel'), 'subscriber', ['channel'], unique=False)
    op.create_index(op.f('ix_subscriber_region_code'), 'subscriber', ['region_code'], unique=False)
    op.create_table('broadcast',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('template_key', sa.String(length=64), nullable=True),
    sa.Column('body_id', sa.String(length=1000), nullable=False),
    sa.Column('body_en', sa.String(length=1000), nullable=False),
    sa.Column('regions', sa.String(length=4000), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=True),
    sa.Column('channels', sa.String(length=64), nullable=False),
    sa.Column('whatsapp_content_sid', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('planned_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('materialized', sa.Boolean(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('unreachable', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['officer.id'], name=op.f('fk_broadcast_approved_by_officer')),
    sa.ForeignKeyConstraint(['created_by'], ['officer.id'], name=op.f('fk_broadcast_created_by_officer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast'))
    )
    op.create_index(op.f('ix_broadcast_status'), 'broadcast', ['status'], unique=False)
    op.create_table('broadcastdelivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('timezone', sa.String(length=32), nullable=True),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcast.id'], name=op.f('fk_broadcastdelivery_broadcast_id_broadcast'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporter.id'], name=op.f('fk_broadcastdelivery_reporter_id_reporter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcastdelivery')),
    sa.UniqueConstraint('broadcast_id', 'reporter_id', name='uq_delivery_recipient')
    )
    op.create_index('ix_delivery_queue', 'broadcastdelivery', ['broadcast_id', 'channel', 'status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_delivery_queue', table_name='broadcastdelivery')
    op.drop_table('broadcastdelivery')
    op.drop_index(op.f('ix_broadcast_status'), table_name='broadcast')
    op.drop_table('broadcast')
    op.drop_index(op.f('ix_subscriber_region_code'), table_name='subscriber')
    op.drop_index(op.f('ix_subscriber_channel'), table_name='subscriber')
    op.drop_table('subscriber')
