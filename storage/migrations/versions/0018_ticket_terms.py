"""The inbox's word search: keyed hashes of the whole words of each ticket's free text.

Tickets filed before this revision have no rows until ``netra db reindex-search`` runs
(it decrypts each ticket once, in batches, and writes the hashes).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ticket_term',
    sa.Column('term_hash', sa.String(length=32), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_term_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('term_hash', 'ticket_id', name=op.f('pk_ticket_term'))
    )
    with op.batch_alter_table('ticket_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_term_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_term_ticket_id'))
    op.drop_table('ticket_term')
