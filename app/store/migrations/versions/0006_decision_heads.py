"""decision_heads: each lead's latest decision per mode; decisions.decided_at indexed

Choosing the leads a run decides read the latest decision of every lead with a grouped max over
all decisions and kept it in memory (hundreds of MB at a million leads). `decision_heads` holds
one narrow row per lead and mode, filled here from the decisions already stored. The index on
`decided_at` lets the audit pruning find decisions older than HANDOFF_AUDIT_DAYS.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

BACKFILL = (
    "INSERT INTO decision_heads (lead_id, dry_run, decision_id, input_fingerprint, "
    "result_fingerprint, rules_hash, capped) "
    "SELECT d.lead_id, d.dry_run, d.id, d.input_fingerprint, d.result_fingerprint, d.rules_hash, "
    "d.write_state = 'capped' FROM decisions d "
    "JOIN (SELECT lead_id, dry_run, max(id) AS id FROM decisions GROUP BY lead_id, dry_run) m "
    "ON m.id = d.id"
)


def upgrade() -> None:
    op.create_table(
        "decision_heads",
        sa.Column("lead_id", sa.String(length=18), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column(
            "decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("input_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("result_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("rules_hash", sa.String(length=64), nullable=False),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", "dry_run"),
    )
    op.execute(BACKFILL)
    op.create_index("ix_decisions_decided_at", "decisions", ["decided_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_decisions_decided_at", table_name="decisions")
    op.drop_table("decision_heads")
