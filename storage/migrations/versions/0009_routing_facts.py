"""Ticket facts for routing and findings: race, employment, place, NIP, how known, time of day,
witnesses willing, Gakkumdu flag, extra categories and the "ditindaklanjuti" destination.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('race', sa.String(length=16), nullable=False, server_default='unknown'))
        batch_op.add_column(sa.Column('employment', sa.String(length=16), nullable=False, server_default='unknown'))
        batch_op.add_column(sa.Column('accused_nip', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('place', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('incident_time', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('how_known', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('witnesses_willing', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('gakkumdu', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('extra_categories', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('destination', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('destination_ref', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('destination_date', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        for name in (
            'destination_date', 'destination_ref', 'destination', 'extra_categories', 'gakkumdu',
            'witnesses_willing', 'how_known', 'incident_time', 'place', 'accused_nip',
            'employment', 'race',
        ):
            batch_op.drop_column(name)
