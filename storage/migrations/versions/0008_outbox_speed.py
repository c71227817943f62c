"""Outbox rows say whether they answer the reporter's own message (sent at once) or are bulk.

Revision ID: 0008
Revises: 0009
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outboxmessage') as batch:
        batch.add_column(
            sa.Column('reply', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage') as batch:
        batch.drop_column('reply')
