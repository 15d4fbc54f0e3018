"""case lookups: room for every case status, and the indexes the inbox and case page read by

`waiting_on_customer` is 19 characters: PostgreSQL refused it in VARCHAR(16) (SQLite never
enforces a length, so only PostgreSQL ever failed). The indexes serve what `escucha
bench-queries` found reading a tenant's every mention: a case's replies (`in_reply_to`), its
messages (`case_id`), a person's posts (`author_id`), the cases merged into one, and the
inbox's listing by status.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_mentions_tenant_reply", "mentions", ("tenant", "in_reply_to")),
    ("ix_mentions_tenant_case", "mentions", ("tenant", "case_id")),
    ("ix_mentions_tenant_author", "mentions", ("tenant", "source", "author_id")),
    ("ix_cases_merged_into", "cases", ("merged_into",)),
    ("ix_cases_tenant_status", "cases", ("tenant", "status")),
)


def upgrade() -> None:
    _status(sa.String(16), sa.String(32))
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns))


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    _status(sa.String(32), sa.String(16))


def _status(old: sa.String, new: sa.String) -> None:
    # An ALTER on PostgreSQL; SQLite's copy of `cases` (no triggers there) to declare the type.
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("status", type_=new, existing_type=old, existing_nullable=False)
