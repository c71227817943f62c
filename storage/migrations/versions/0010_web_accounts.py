"""Web chat transcript; officer accounts: forced password change, session epoch, TOTP reuse.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webchatline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('who', sa.String(length=8), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporter.id'], name=op.f('fk_webchatline_reporter_id_reporter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webchatline'))
    )
    with op.batch_alter_table('webchatline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webchatline_reporter_id'), ['reporter_id'], unique=False)
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('session_epoch')
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('webchatline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webchatline_reporter_id'))
    op.drop_table('webchatline')
