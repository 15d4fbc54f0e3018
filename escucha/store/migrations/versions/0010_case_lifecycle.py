"""case lifecycle: status, cycles, SLA clocks, assignee and merges on the case; its event log

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def _columns() -> tuple[sa.Column[object], ...]:
    return (
        sa.Column("cycle", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("cycle_started_at", MOMENT, nullable=True),
        sa.Column("resolved_at", MOMENT, nullable=True),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("intent", sa.String(length=16), nullable=True),
        sa.Column("priority_label", sa.String(length=16), nullable=True),
        sa.Column("policy", sa.String(length=120), nullable=True),
        sa.Column("sla", sa.JSON(), nullable=True),
        sa.Column("sla_state", sa.String(length=16), nullable=True),
        sa.Column("next_due_at", MOMENT, nullable=True),
        sa.Column("check_at", MOMENT, nullable=True),
        sa.Column("merged_into", sa.String(length=300), nullable=True),
        sa.Column("updated_at", MOMENT, nullable=True),
    )


INDEXES = ("assignee", "sla_state", "check_at", "status")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in _columns():
            batch.add_column(column)
    for name in INDEXES:
        op.create_index(f"ix_cases_{name}", "cases", [name])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(length=300), nullable=False),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_case_events_case_id", table_name="case_events")
    op.drop_table("case_events")
    for name in INDEXES:
        op.drop_index(f"ix_cases_{name}", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        for column in reversed(_columns()):
            batch.drop_column(column.name)
