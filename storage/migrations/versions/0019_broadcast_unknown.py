"""A broadcast's "unknown" count: recipients handed to the platform by a process that died
before it heard back (maybe delivered; never sent twice).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unknown', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_column('unknown')
