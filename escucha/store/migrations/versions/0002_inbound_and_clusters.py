"""mentions: inbound flag (business's own replies) and near-duplicate cluster id

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(
            sa.Column("inbound", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("cluster_id", sa.String(length=240), nullable=True))
        batch.create_index("ix_mentions_cluster_id", ["cluster_id"])


def downgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.drop_index("ix_mentions_cluster_id")
        batch.drop_column("cluster_id")
        batch.drop_column("inbound")
