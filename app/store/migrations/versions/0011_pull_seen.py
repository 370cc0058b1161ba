"""The Ids a full read returned, kept in the store for its reconcile (not in memory)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pull_seen",
        sa.Column("sobject", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=18), nullable=False),
        sa.PrimaryKeyConstraint("sobject", "id"),
    )


def downgrade() -> None:
    op.drop_table("pull_seen")
