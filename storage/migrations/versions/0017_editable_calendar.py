"""Admin edits of the election calendar (stage dates, re-vote overrides) and of the reminder
templates, over the repository's files; a broadcast's stage and per-recipient send date.

Revision ID: 0017
Revises: 0010
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendarstageedit',
    sa.Column('calendar', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['officer.id'], name=op.f('fk_calendarstageedit_updated_by_officer')),
    sa.PrimaryKeyConstraint('calendar', 'stage', name=op.f('pk_calendarstageedit'))
    )
    op.create_table('calendaroverrideedit',
    sa.Column('calendar', sa.String(length=64), nullable=False),
    sa.Column('region', sa.String(length=8), nullable=False),
    sa.Column('polling_day', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['officer.id'], name=op.f('fk_calendaroverrideedit_updated_by_officer')),
    sa.PrimaryKeyConstraint('calendar', 'region', name=op.f('pk_calendaroverrideedit'))
    )
    op.create_table('templateedit',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('title_id', sa.String(length=120), nullable=False),
    sa.Column('title_en', sa.String(length=120), nullable=False),
    sa.Column('text_id', sa.String(length=1000), nullable=False),
    sa.Column('text_en', sa.String(length=1000), nullable=False),
    sa.Column('content_sid', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['officer.id'], name=op.f('fk_templateedit_updated_by_officer')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_templateedit'))
    )
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', sa.String(length=32), nullable=True))
    with op.batch_alter_table('broadcastdelivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_before', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('broadcastdelivery', schema=None) as batch_op:
        batch_op.drop_column('not_before')
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_column('stage')
    op.drop_table('templateedit')
    op.drop_table('calendaroverrideedit')
    op.drop_table('calendarstageedit')
