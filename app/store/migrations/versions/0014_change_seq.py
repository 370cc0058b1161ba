"""Leads carry a change counter; a run decides only the leads changed since the last one

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: no table copy on either database, even at a million leads. Every
    # existing lead reads 0, and no mark exists yet, so the first run after this reads them all.
    op.add_column(
        "leads",
        sa.Column("change_seq", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.create_index("ix_leads_change_seq", "leads", ["change_seq"])
    op.create_index(
        "ix_decision_heads_again",
        "decision_heads",
        ["dry_run", "lead_id"],
        sqlite_where=sa.text("capped = 1 OR waiting_owner = 1"),
        postgresql_where=sa.text("capped OR waiting_owner"),
    )
    op.create_table(
        "selection_marks",
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.Column("context", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("dry_run"),
    )


def downgrade() -> None:
    op.drop_table("selection_marks")
    op.drop_index("ix_decision_heads_again", table_name="decision_heads")
    op.drop_index("ix_leads_change_seq", table_name="leads")
    op.drop_column("leads", "change_seq")
