"""contacts, their identities and their log: one person per tenant across channels

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("tenant", sa.String(length=32), nullable=False, index=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("crm_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("marketing_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("merged_into", sa.String(length=40), index=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "contact_identities",
        sa.Column("tenant", sa.String(length=32), primary_key=True),
        sa.Column("kind", sa.String(length=16), primary_key=True),
        sa.Column("value", sa.String(length=320), primary_key=True),
        sa.Column("contact_id", sa.String(length=40), nullable=False, index=True),
        sa.Column("verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("added_at", WHEN, nullable=False),
    )
    op.create_table(
        "contact_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(length=32), nullable=False, index=True),
        sa.Column("contact_id", sa.String(length=40), nullable=False, index=True),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100)),
        sa.Column("data", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("contact_events")
    op.drop_table("contact_identities")
    op.drop_table("contacts")
