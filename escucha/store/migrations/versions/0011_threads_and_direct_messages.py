"""threads and direct messages: the post a comment is under, private messages, and replies
sent in a DM conversation or reaching a person privately

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("thread", sa.String(length=240), nullable=True))
        batch.add_column(
            sa.Column("direct", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("recipient_id", sa.String(length=320), nullable=True))
        batch.add_column(
            sa.Column("direct", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index("ix_outbox_recipient_id", "outbox", ["recipient_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_recipient_id", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("direct")
        batch.drop_column("recipient_id")
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("direct")
        batch.drop_column("thread")
