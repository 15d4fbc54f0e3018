"""channel_credentials: each connected platform account and its sealed token

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_credentials",
        sa.Column("account", sa.String(length=300), primary_key=True),
        sa.Column("tenant", sa.String(length=32), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("sealed_token", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_channel_credentials_tenant", "channel_credentials", ["tenant"])


def downgrade() -> None:
    op.drop_index("ix_channel_credentials_tenant", table_name="channel_credentials")
    op.drop_table("channel_credentials")
