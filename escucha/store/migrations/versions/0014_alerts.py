"""alert destinations and deliveries: where a tenant's alerts go, and each one's fate

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_destinations",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("tenant", sa.String(length=32), nullable=False, index=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("public", sa.JSON(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_success_at", WHEN),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ux_alert_destinations_name", "alert_destinations", ["tenant", "name"],
                    unique=True)  # fmt: skip
    op.create_table(
        "alert_deliveries",
        sa.Column("key", sa.String(length=200), primary_key=True),
        sa.Column("tenant", sa.String(length=32), nullable=False, index=True),
        sa.Column("destination_id", sa.String(length=40), nullable=False, index=True),
        sa.Column("incident_id", sa.String(length=40), index=True),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("alert", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False, index=True),
        sa.Column("claimed_at", WHEN),
        sa.Column("receipt", sa.String(length=200)),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("sent_at", WHEN),
    )


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_index("ux_alert_destinations_name", table_name="alert_destinations")
    op.drop_table("alert_destinations")
