"""mql_episodes.owner_id: the lead's owner when the MQL stay ended

The handoff status counts the exits from MQL in a window by owner. Joining those exits to their
leads for the owner made PostgreSQL scan all of a million leads; the owner recorded on the
episode as it closes (who accepted or rejected the lead) answers from one index instead. Existing
ended episodes take their lead's current owner, the best the store knows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BACKFILL = (
    "UPDATE mql_episodes SET owner_id = "
    "(SELECT leads.owner_id FROM leads WHERE leads.id = mql_episodes.lead_id) "
    "WHERE ended_at IS NOT NULL OR ended_kind IS NOT NULL"
)


def upgrade() -> None:
    with op.batch_alter_table("mql_episodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.String(length=18), nullable=True))
        batch_op.drop_index("ix_mql_episodes_window")
    op.execute(BACKFILL)
    with op.batch_alter_table("mql_episodes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mql_episodes_window", ["ended_at", "ended_kind", "owner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mql_episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_mql_episodes_window")
        batch_op.drop_column("owner_id")
    with op.batch_alter_table("mql_episodes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mql_episodes_window", ["ended_at", "ended_kind", "lead_id"], unique=False
        )
