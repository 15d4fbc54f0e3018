"""crm_outbox and conversions: writes to a tenant's CRM, once each, and the deals it won

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "crm_outbox",
        sa.Column("key", sa.String(length=200), primary_key=True),
        sa.Column("tenant", sa.String(length=32), nullable=False, index=True),
        sa.Column("account", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.String(length=40), nullable=False, index=True),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False, index=True),
        sa.Column("claimed_at", WHEN),
        sa.Column("crm_id", sa.String(length=100)),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("sent_at", WHEN),
    )
    op.create_table(
        "conversions",
        sa.Column("id", sa.String(length=200), primary_key=True),
        sa.Column("tenant", sa.String(length=32), nullable=False, index=True),
        sa.Column("deal_id", sa.String(length=100), nullable=False),
        sa.Column("contact_id", sa.String(length=40), index=True),
        sa.Column("amount", sa.Float()),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        sa.Column("checked_at", WHEN),
    )


def downgrade() -> None:
    op.drop_table("conversions")
    op.drop_table("crm_outbox")
