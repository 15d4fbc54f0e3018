"""mentions: ids scoped by tenant, the platform's version time, author identity, amplifications

Ids were 'source:external_id', so two tenants pushing the same post id shared one row; they
become 'tenant:source:external_id', and near-duplicate cluster ids (which are mention ids)
with them. Drain the pipeline before upgrading: records in flight still carry the old ids.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.alter_column("id", type_=sa.String(length=300), existing_nullable=False)
        batch.alter_column("cluster_id", type_=sa.String(length=300), existing_nullable=True)
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("author_id", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("amplifies", sa.String(length=240), nullable=True))
    op.execute("UPDATE mentions SET id = tenant || ':' || id")
    op.execute(
        "UPDATE mentions SET cluster_id = tenant || ':' || cluster_id WHERE cluster_id IS NOT NULL"
    )


def downgrade() -> None:
    # Back to 'source:external_id': strip the tenant prefix (rows of two tenants may collide,
    # so the older schema can only hold one of them; the later row is dropped).
    op.execute(
        "DELETE FROM mentions WHERE id IN (SELECT m.id FROM mentions m JOIN mentions o "
        "ON substr(m.id, length(m.tenant) + 2) = substr(o.id, length(o.tenant) + 2) "
        "AND m.id > o.id)"
    )
    op.execute("UPDATE mentions SET id = substr(id, length(tenant) + 2)")
    op.execute(
        "UPDATE mentions SET cluster_id = substr(cluster_id, length(tenant) + 2) "
        "WHERE cluster_id IS NOT NULL"
    )
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("amplifies")
        batch.drop_column("author_id")
        batch.drop_column("updated_at")
        batch.alter_column("cluster_id", type_=sa.String(length=240), existing_nullable=True)
        batch.alter_column("id", type_=sa.String(length=240), existing_nullable=False)
