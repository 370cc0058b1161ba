"""Shadow mode and backtest jobs

`decisions.shadow` marks the decisions of runs in HANDOFF_WRITE_MODE=shadow (decided and recorded
as live, never written); `round_robin_shadow` keeps their round-robin positions apart from the
live ones, so going live starts fair; `backtest_jobs` holds the backtests run in the background
for `POST /rules/backtest` until they are polled.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.store.types import JsonDocument, UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(
            sa.Column("shadow", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index("ix_decisions_shadow", "decisions", ["shadow", "decided_at"])
    op.create_table(
        "round_robin_shadow",
        sa.Column("pool_key", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "backtest_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.Column("rules_hash", sa.String(64), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("result", JsonDocument, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("backtest_jobs")
    op.drop_table("round_robin_shadow")
    op.drop_index("ix_decisions_shadow", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("shadow")
