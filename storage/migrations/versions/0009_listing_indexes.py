"""Listing at a million tickets: escalated_to and assignee columns, indexes for every inbox sort.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('baru', 'dikaji', 'perlu_info')"


def _partial(where: str) -> dict[str, Any]:
    return {"postgresql_where": sa.text(where), "sqlite_where": sa.text(where)}


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalated_to", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_ticket_assignee_id_officer"), "officer", ["assignee_id"], ["id"]
        )
    # Tickets escalated before this column existed: their province is their office's parent.
    op.execute(
        "UPDATE ticket SET escalated_to = (SELECT office.parent_code FROM office"
        " WHERE office.code = ticket.office_code AND office.level IN ('kabupaten', 'kota'))"
        " WHERE escalated_at IS NOT NULL"
    )
    # Alone, these tempt the planner into walking all tickets by date (or status) and
    # filtering by office; the composite indexes below serve every query they served.
    # 0004 (the digest) made these two without ``id``; the keyset order needs it.
    op.drop_index("ix_ticket_office_status_created", table_name="ticket")
    op.drop_index("ix_ticket_office_created", table_name="ticket")
    op.drop_index("ix_ticket_created_at", table_name="ticket")
    op.drop_index("ix_ticket_office_code", table_name="ticket")
    op.drop_index("ix_ticket_status", table_name="ticket")
    op.drop_index("ix_ticket_category", table_name="ticket")
    if op.get_bind().dialect.name == "postgresql":
        # An escalated ticket is nearly always open, and statuses are not spread evenly over
        # offices: without these the planner misjudges the overdue segment a hundredfold.
        op.execute(
            "CREATE STATISTICS st_ticket_escalated_status (dependencies, mcv)"
            " ON escalated_to, status FROM ticket"
        )
        op.execute(
            "CREATE STATISTICS st_ticket_office_status (dependencies, mcv)"
            " ON office_code, status FROM ticket"
        )
    op.create_index("ix_ticket_office_created", "ticket", ["office_code", "created_at", "id"])
    op.create_index("ix_ticket_office_updated", "ticket", ["office_code", "updated_at", "id"])
    op.create_index(
        "ix_ticket_office_status_created", "ticket", ["office_code", "status", "created_at", "id"]
    )
    op.create_index(
        "ix_ticket_office_code_code",
        "ticket",
        ["office_code", "code"],
        postgresql_ops={"code": "text_pattern_ops"},
    )
    op.create_index(
        "ix_ticket_escalated_created",
        "ticket",
        ["escalated_to", "created_at", "id"],
        **_partial("escalated_to IS NOT NULL"),
    )
    op.create_index(
        "ix_ticket_escalated_updated",
        "ticket",
        ["escalated_to", "updated_at", "id"],
        **_partial("escalated_to IS NOT NULL"),
    )
    op.create_index(
        "ix_ticket_office_open", "ticket", ["office_code", "created_at", "id"], **_partial(OPEN)
    )
    op.create_index(
        "ix_ticket_office_info_requested",
        "ticket",
        ["office_code", "created_at", "id"],
        **_partial("info_requested_at IS NOT NULL"),
    )
    op.create_index(
        "ix_ticket_escalation_queue",
        "ticket",
        ["created_at", "id"],
        **_partial(f"{OPEN} AND escalated_at IS NULL"),
    )
    op.create_index(
        "ix_ticket_assignee",
        "ticket",
        ["assignee_id", "created_at", "id"],
        **_partial("assignee_id IS NOT NULL"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_ticket_escalated_status")
        op.execute("DROP STATISTICS IF EXISTS st_ticket_office_status")
    for name in (
        "ix_ticket_assignee",
        "ix_ticket_escalation_queue",
        "ix_ticket_office_info_requested",
        "ix_ticket_office_open",
        "ix_ticket_escalated_updated",
        "ix_ticket_escalated_created",
        "ix_ticket_office_code_code",
        "ix_ticket_office_status_created",
        "ix_ticket_office_updated",
        "ix_ticket_office_created",
    ):
        op.drop_index(name, table_name="ticket")
    op.create_index("ix_ticket_office_code", "ticket", ["office_code"])
    op.create_index("ix_ticket_status", "ticket", ["status"])
    op.create_index("ix_ticket_category", "ticket", ["category"])
    op.create_index(
        "ix_ticket_office_status_created", "ticket", ["office_code", "status", "created_at"]
    )
    op.create_index("ix_ticket_office_created", "ticket", ["office_code", "created_at"])
    op.create_index("ix_ticket_created_at", "ticket", ["created_at"])
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_ticket_assignee_id_officer"), type_="foreignkey")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("escalated_to")
