"""tenant_accounts: each platform account's one owner; mentions.relevant: about the tenant or not

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_accounts",
        sa.Column("account", sa.String(length=300), primary_key=True),
        sa.Column("tenant", sa.String(length=32), sa.ForeignKey("tenants.id"), nullable=False),
    )
    op.create_index("ix_tenant_accounts_tenant", "tenant_accounts", ["tenant"])
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(
            sa.Column("relevant", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("relevant")
    op.drop_index("ix_tenant_accounts_tenant", table_name="tenant_accounts")
    op.drop_table("tenant_accounts")
