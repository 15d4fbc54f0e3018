"""rollups and incidents: counts per topic and bin as mentions are stored, and crises opened

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("mentions", sa.Column("topics", sa.JSON(), nullable=True))
    op.create_table(
        "rollups",
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=240), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("start", WHEN, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "topic", "grain", "start"),
    )
    op.create_index("ix_rollups_window", "rollups", ["tenant", "grain", "start"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("tenant", sa.String(length=32), nullable=False, index=True),
        sa.Column("status", sa.String(length=16), nullable=False, index=True),
        sa.Column("topic", sa.String(length=240), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("notified_excess", sa.Float(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("opened_at", WHEN, nullable=False),
        sa.Column("last_signal_at", WHEN, nullable=False),
        sa.Column("first_window_start", WHEN, nullable=False),
        sa.Column("closed_at", WHEN),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("acknowledged_at", WHEN),
        sa.Column("acknowledged_by", sa.String(length=100)),
        sa.Column("ladder_step", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "incident_updates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(length=40), nullable=False, index=True),
        sa.Column("tenant", sa.String(length=32), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("fanned_out", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index("ix_incident_updates_pending", "incident_updates", ["fanned_out"])


def downgrade() -> None:
    op.drop_index("ix_incident_updates_pending", table_name="incident_updates")
    op.drop_table("incident_updates")
    op.drop_table("incidents")
    op.drop_index("ix_rollups_window", table_name="rollups")
    op.drop_table("rollups")
    op.drop_column("mentions", "topics")
