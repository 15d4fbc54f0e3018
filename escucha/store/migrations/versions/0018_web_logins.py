"""web logins: agents' password hashes, roles and lockouts, and their browser sessions

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agents") as table:
        table.add_column(sa.Column("role", sa.String(length=16), nullable=False,
                                   server_default="agent"))  # fmt: skip
        table.add_column(sa.Column("password_hash", sa.String(length=200)))
        table.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False,
                                   server_default="0"))  # fmt: skip
        table.add_column(sa.Column("locked_until", WHEN))
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), primary_key=True),  # SHA-256 of the cookie's token
        sa.Column("tenant", sa.String(length=32), nullable=False, index=True),
        sa.Column("agent_id", sa.String(length=64), nullable=False, index=True),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_sessions")
    with op.batch_alter_table("agents") as table:
        for column in ("locked_until", "failed_logins", "password_hash", "role"):
            table.drop_column(column)
